#pragma once
// Helpers for statistical assertions: tolerances follow from sample sizes, never guessed.
#include <cmath>
#include <span>

namespace nt::test {

struct sample_stats {
  double mean = 0, variance = 0, sem = 0;
};

inline sample_stats stats(std::span<const double> x) {
  sample_stats s;
  const double n = static_cast<double>(x.size());
  for (double v : x) s.mean += v;
  s.mean /= n;
  for (double v : x) s.variance += (v - s.mean) * (v - s.mean);
  s.variance /= (n - 1.0);
  s.sem = std::sqrt(s.variance / n);
  return s;
}

// Two-sided Kolmogorov-Smirnov statistic of a sorted sample against a CDF.
template <class Cdf>
double ks_statistic(std::span<const double> sorted, Cdf cdf) {
  const double n = static_cast<double>(sorted.size());
  double d = 0.0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const double f = cdf(sorted[i]);
    d = std::max({d, std::abs(f - static_cast<double>(i) / n), std::abs(static_cast<double>(i + 1) / n - f)});
  }
  return d;
}

// KS critical value at significance 1e-3: sqrt(-ln(alpha/2)/2) / sqrt(n) = 1.949 / sqrt(n).
inline double ks_critical(std::size_t n) { return 1.949 / std::sqrt(static_cast<double>(n)); }

}  // namespace nt::test
