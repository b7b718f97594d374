#pragma once
// Private: the fixed point of a monotone 1-D map x -> F(x) that iterating the map from x0 reaches,
// found by safeguarded Newton on g(x) = F(x) - x. A Newton step is taken only when it moves the
// same way as the map step; otherwise the map step itself, doubled while it stays on the same
// side (so linear growth is detected as divergence quickly). Converged when a step is below
// tolerance * max(|x|, abs_scale). A sign change brackets the root and
// the search continues by Newton with bisection fallback (rtsafe).
#include <cmath>
#include <limits>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::signalprop::detail {

struct attractor_result {
  double x = 0;
  double residual = 0;
  int iterations = 0;
  solve_status status = solve_status::not_converged;
};

struct residual_and_slope {
  double g;   // F(x) - x
  double dg;  // F'(x) - 1
};

template <class Residual>
attractor_result find_attractor(Residual&& f, double x0, double lo, double hi, double tolerance, int max_iterations,
                                double divergence_bound, double abs_scale) {
  attractor_result r;
  double x = std::clamp(x0, lo, hi);
  residual_and_slope v = f(x);
  auto done = [&](double at, double g, int it, solve_status s) {
    r.x = at;
    r.residual = g;
    r.iterations = it;
    r.status = s;
    return r;
  };
  if (!std::isfinite(v.g)) return done(x, v.g, 0, solve_status::diverged);
  if (v.g == 0.0) return done(x, 0.0, 0, solve_status::converged);
  const double dir = v.g > 0 ? 1.0 : -1.0;
  bool bracketed = false;
  double a = x;  // g(a) has sign dir
  double b = x;  // g(b) has sign -dir (valid once bracketed)
  double expand = 1.0;
  for (int it = 1; it <= max_iterations; ++it) {
    double cand;
    if (!bracketed) {
      const double newton = v.dg != 0.0 ? x - v.g / v.dg : std::numeric_limits<double>::quiet_NaN();
      if (std::isfinite(newton) && (newton - x) * dir > 0.0) {
        cand = newton;
        expand = 1.0;
      } else {
        cand = x + expand * v.g;  // the map step F(x), doubled while Newton is unusable
        expand *= 2.0;
      }
      cand = std::clamp(cand, lo, hi);
    } else {
      const double newton = v.dg != 0.0 ? x - v.g / v.dg : std::numeric_limits<double>::quiet_NaN();
      const double left = std::min(a, b);
      const double right = std::max(a, b);
      cand = (std::isfinite(newton) && newton > left && newton < right) ? newton : 0.5 * (a + b);
    }
    const residual_and_slope w = f(cand);
    if (!std::isfinite(w.g)) return done(cand, w.g, it, solve_status::diverged);
    const double step = cand - x;
    if (w.g == 0.0) return done(cand, 0.0, it, solve_status::converged);
    if ((w.g > 0 ? 1.0 : -1.0) == dir) {
      a = cand;
    } else {
      b = cand;
      bracketed = true;
    }
    x = cand;
    v = w;
    const double scale = std::max(std::abs(cand), abs_scale);
    if (std::abs(step) <= tolerance * scale || (bracketed && std::abs(a - b) <= tolerance * scale)) {
      return done(cand, w.g, it, solve_status::converged);
    }
    if (std::abs(cand) > divergence_bound) return done(cand, w.g, it, solve_status::diverged);
    if (!bracketed && (cand == lo || cand == hi)) {
      // Pushed against the domain edge with the residual still pointing outward.
      return done(cand, w.g, it, solve_status::not_converged);
    }
  }
  return done(x, v.g, max_iterations, solve_status::not_converged);
}

}  // namespace nt::signalprop::detail
