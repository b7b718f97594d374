// The memory frontier (LG13 sec. 3-5, notes 1.2): bounds on the memory curve of any M-state synapse.
#include "neurotheory/synapses/frontier.hpp"
#include <fmt/format.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "neurotheory/core/error.hpp"

namespace nt::synapses {

namespace {

void check_common(int M, double N, double r) {
  require_at_least("states", M, 2);
  require_positive("N", N);
  require_positive("rate", r);
}

}  // namespace

double initial_snr_bound(double N) {
  require_positive("N", N);
  return std::sqrt(N);
}

double flux(const markov_model& model, double r) {
  require_positive("rate", r);
  model.validate();
  if (!model.binary_weights()) {
    throw invalid_argument("weights", "graded", "the flux bound (LG13 eq. 8) needs weights -1 or +1");
  }
  const Eigen::VectorXd p = stationary(model);
  const Eigen::MatrixXd W = model.generator();
  double phi = 0.0;
  for (Eigen::Index i = 0; i < W.rows(); ++i) {
    if (model.weights(i) > 0) continue;
    for (Eigen::Index j = 0; j < W.cols(); ++j) {
      if (model.weights(j) > 0) phi += r * p(i) * W(i, j);
    }
  }
  return phi;
}

double flux_bound(const markov_model& model, double N) {
  require_positive("N", N);
  return 4.0 * std::sqrt(N) * flux(model, 1.0);
}

double area_bound(int M, double N, double r) {
  check_common(M, N, r);
  return std::sqrt(N) * (M - 1) / r;
}

mode_check check_modes(const modes& spectrum, int M) {
  require_at_least("states", M, 2);
  mode_check c;
  for (Eigen::Index a = 0; a < spectrum.rate.size(); ++a) {
    const std::complex<double> I(spectrum.weight(a), spectrum.weight_imag(a));
    const std::complex<double> q(spectrum.rate(a), spectrum.rate_imag(a));
    c.sum_weight += I.real();
    // I_a tau_a = I_a / q_a; conjugate pairs give a real sum (= area / sqrt(N)).
    if (std::abs(q) > 0) c.sum_weight_tau += (I / q).real();
  }
  c.bound_weight = 1.0;
  c.bound_weight_tau = M - 1.0;
  c.satisfied = c.sum_weight <= c.bound_weight * (1 + 1e-9) && c.sum_weight_tau <= c.bound_weight_tau * (1 + 1e-9);
  return c;
}

double snr_max(double t, int M, double N, double r) {
  check_common(M, N, r);
  require_nonnegative("time", t);
  const double rt = r * t, m1 = M - 1.0;
  // LG13 eq. 15: the single-exponential optimum of sum I_a e^{-t/tau_a} under the two mode constraints.
  if (rt <= m1) return std::sqrt(N) * std::exp(-rt / m1);
  return std::sqrt(N) * m1 / (std::numbers::e * rt);
}

Eigen::VectorXd snr_max(const Eigen::VectorXd& times, int M, double N, double r) {
  Eigen::VectorXd out(times.size());
  for (Eigen::Index k = 0; k < times.size(); ++k) out(k) = snr_max(times(k), M, N, r);
  return out;
}

double running_average_max(double tau, int M, double N, double r) {
  check_common(M, N, r);
  require_nonnegative("tau", tau);
  return std::sqrt(N) * (M - 1.0) / (r * tau + M - 1.0);
}

double running_average_conjectured(double tau, int M, double N, double gamma, double r) {
  check_common(M, N, r);
  require_nonnegative("tau", tau);
  require_positive("gamma", gamma);
  const double m1 = M - 1.0;
  if (!(m1 > gamma)) {
    throw invalid_argument("states", std::to_string(M),
                           fmt::format("must exceed gamma + 1 = {}", format_value(gamma + 1)));
  }
  const double rt = r * tau;
  if (rt <= gamma) return gamma * std::sqrt(N) / (gamma + rt);
  if (rt < m1 * m1 / gamma) return std::sqrt(gamma * N / (4.0 * rt));
  return gamma * std::sqrt(N) * m1 / (m1 * m1 + gamma * rt);
}

double lifetime_bound(int M, double N, double r, double threshold) {
  check_common(M, N, r);
  require_positive("threshold", threshold);
  const double root_n = std::sqrt(N);
  if (root_n <= threshold) return 0.0;
  // The envelope equals sqrt(N)/e at r t = M - 1: a threshold below that is crossed on the power-law branch.
  if (threshold * std::numbers::e <= root_n) return root_n * (M - 1.0) / (threshold * std::numbers::e * r);
  return (M - 1.0) * std::log(root_n / threshold) / r;
}

void frontier_options::validate() const {
  require_at_least("states", states, 2);
  require_positive("N", N);
  require_nonnegative("time", time);
  require_positive("rate", rate);
  require_positive("threshold", threshold);
}

frontier_result frontier(const frontier_options& o) {
  o.validate();
  frontier_result f;
  f.snr_max = snr_max(o.time, o.states, o.N, o.rate);
  f.running_average_max = running_average_max(o.time, o.states, o.N, o.rate);
  f.initial_snr_bound = initial_snr_bound(o.N);
  f.area_bound = area_bound(o.states, o.N, o.rate);
  f.lifetime_bound = lifetime_bound(o.states, o.N, o.rate, o.threshold);
  return f;
}

}  // namespace nt::synapses
