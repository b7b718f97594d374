#pragma once
// Small numerical helpers of the free-probability spectra: erfcx and a
// scan-then-Brent search for the first local minimum of a function of one variable.
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <utility>
#include <vector>

#include <boost/math/tools/minima.hpp>

namespace nt::isometry::detail {

// erfcx(y) = exp(y^2) erfc(y): direct below y = 25, asymptotic series above (error < 1e-12).
inline double erfcx(double y) {
  if (y < 25.0) return std::exp(y * y) * std::erfc(y);
  const double u = 1.0 / (2.0 * y * y);
  const double series = 1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u)));
  return series / (y * std::sqrt(std::numbers::pi));
}

struct local_minimum {
  double t = 0.0;
  double value = 0.0;
};

// The first local minimum of f met when scanning t from `from` towards `to` on `points` equal
// steps, refined by Brent's method between the neighbouring scan points. f returns NaN where it is
// not defined; the scan stops there. nullopt: f keeps decreasing (or becomes undefined) first.
template <class F>
std::optional<local_minimum> first_local_minimum(F f, double from, double to, int points) {
  const double step = (to - from) / points;
  double t_prev = from, f_prev = f(from);
  if (std::isnan(f_prev)) return std::nullopt;
  double t_before = from, f_before = f_prev;
  for (int j = 1; j <= points; ++j) {
    const double t = from + j * step;
    const double value = f(t);
    if (std::isnan(value)) return std::nullopt;
    if (value > f_prev && j >= 2) {
      // Minimum bracketed by [t_before, t]. A refined value far below the scan values is a pole of
      // a discretised law, not the smooth minimum: keep the scan point then.
      const double lo = std::min(t_before, t), hi = std::max(t_before, t);
      auto safe = [&](double u) {
        const double v = f(u);
        return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
      };
      const auto r = boost::math::tools::brent_find_minima(safe, lo, hi, 50);
      const double plausible = std::max(value - f_prev, f_before - f_prev);
      if (r.second <= f_prev && f_prev - r.second <= plausible) return local_minimum{r.first, r.second};
      return local_minimum{t_prev, f_prev};
    }
    if (value > f_prev) return std::nullopt;  // increasing from the start: no interior minimum here
    t_before = t_prev;
    f_before = f_prev;
    t_prev = t;
    f_prev = value;
  }
  return std::nullopt;
}

}  // namespace nt::isometry::detail
