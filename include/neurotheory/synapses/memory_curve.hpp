#pragma once
// Exact memory curves of Markov synapses for an ideal observer (Lahiri & Ganguli 2013 eq. 3-5;
// notes docs/theory/synapses.md sec. 1.1). With Delta = M_pot - M_dep and c = 2 f_pot f_dep,
//   SNR(t) = sqrt(N) c p_inf Delta exp(r t W_F) w                        (LG13 "SNRcalc")
//          = sqrt(N) sum_a I_a exp(-r t / tau_a)                          (eigenmodes of W_F)
// This is the paper's normalisation, the one all frontier bounds refer to. The exact ideal-observer
// SNR divides it further by noise_std(model) = sqrt(p.w^2 - (f_pot - f_dep)^2 (p.w)^2), which is 1
// whenever f_pot = 1/2 with +-1 weights (every built-in but multistate).
// Stiff chains (cascade: time constants 1 .. 2^n) are handled by working with the similarity transform
// D W_F D^-1, D = diag(sqrt(p_inf)) (symmetric for reversible chains, then solved by the symmetric
// eigensolver), by computing area and Laplace form from linear solves, not from the modes, and by
// evaluating the curve of non-normal chains with an ill-conditioned eigenbasis by scaling and squaring.
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/synapses/model.hpp"

namespace nt::synapses {

// Stationary distribution p_inf (row vector as a column): p_inf = 1^T (E - W_F)^-1 (E all ones,
// LG13 code), falling back to the left null vector (SVD) when that system is ill conditioned.
// Throws nt::invalid_argument when the chain has more than one closed class (p_inf not unique).
Eigen::VectorXd stationary(const markov_model& model);

// Per-synapse standard deviation of w_ideal . w at equilibrium (see above).
double noise_std(const markov_model& model);

// Eigenmode decomposition SNR(t)/sqrt(N) = Re sum_a I_a exp(-q_a r t), tau_a = 1/q_a, stationary
// mode dropped. Spectra of non-reversible chains may be complex (conjugate pairs): rate_imag and
// weight_imag hold the imaginary parts (zero for real spectra). Sorted by decreasing tau.
struct modes {
  Eigen::VectorXd rate;         // Re q_a > 0 (units of r)
  Eigen::VectorXd tau;          // 1 / Re q_a
  Eigen::VectorXd weight;       // Re I_a
  Eigen::VectorXd rate_imag;    // Im q_a
  Eigen::VectorXd weight_imag;  // Im I_a
  bool reversible = false;      // detailed balance held: symmetric solver, real spectrum
  // Frobenius condition number / M of the eigenvector basis (1 when reversible). The weights carry
  // ~ condition * 1e-16 relative error; above 1e4, snr() and lifetime() use the matrix exponential.
  double condition = 1.0;
  [[nodiscard]] bool real() const;
};
modes eigenmodes(const markov_model& model);

// SNR at each time t (>= 0, units of 1/r), including sqrt(N); N >= 1, r > 0.
Eigen::VectorXd snr(const markov_model& model, const Eigen::VectorXd& times, double N, double r = 1.0);
double snr(const markov_model& model, double t, double N, double r = 1.0);
// SNR(0) = sqrt(N) c p_inf Delta w (exact, no modes).
double snr0(const markov_model& model, double N);
// Area int_0^inf SNR dt = sqrt(N) c p_inf Delta Z w / r, Z = (1 p_inf - W_F)^-1 (fundamental matrix).
double area(const markov_model& model, double N, double r = 1.0);
// Laplace transform A(s) = int_0^inf exp(-s t) SNR(t) dt = sqrt(N) c p_inf Delta (s I - r W_F)^-1 w, s > 0.
double laplace(const markov_model& model, double s, double N, double r = 1.0);
// Running average SNRbar(tau) = A(1/tau)/tau (exponentially weighted, mean recall time tau > 0).
double running_average(const markov_model& model, double tau, double N, double r = 1.0);
Eigen::VectorXd running_average(const markov_model& model, const Eigen::VectorXd& taus, double N, double r = 1.0);

// Lifetime: the first time SNR(t) falls to threshold (> 0): 0 when SNR(0) <= threshold, +inf when it
// never does (SNR(t) stays above threshold up to the slowest mode's decay). Bracketed by geometric steps
// on the exact curve, then Brent's method to relative tolerance 1e-12.
double lifetime(const markov_model& model, double N, double r = 1.0, double threshold = 1.0);

// Options of a memory-curve computation (CLI `synapses curve`, Python); model built by make_model.
struct curve_options {
  model_options model;
  double N = 1e4;          // number of synapses
  double rate = 1.0;       // r, plasticity events per unit time
  double time = 10.0;      // the time at which `snr` is reported
  double threshold = 1.0;  // SNR defining the lifetime
  double t_min = 1e-1;     // log-spaced curve grid
  double t_max = 1e4;
  int points = 61;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    v("N", N, "number of synapses N (>= 1)");
    v("rate", rate, "plasticity event rate r per synapse (> 0)");
    v("time", time, "time t (>= 0) at which snr is reported, in units of 1/r if rate = 1");
    v("threshold", threshold, "SNR threshold defining the memory lifetime (> 0)");
    v("t_min", t_min, "first time of the log-spaced curve (> 0)");
    v("t_max", t_max, "last time of the log-spaced curve (> t_min)");
    v("points", points, "number of curve points (>= 2)");
  }
};

struct memory_curve {
  std::string model;
  int states = 0;
  double N = 0, rate = 1;
  Eigen::VectorXd p_inf;
  modes spectrum;  // I_a, tau_a (per sqrt(N), units of 1/r)
  double time = 0;
  double snr = 0;  // SNR(time)
  double snr0 = 0;
  double area = 0;
  double lifetime = 0;  // SNR = threshold
  double threshold = 1;
  double noise_std = 1;       // divide snr by this for the exact ideal-observer SNR
  Eigen::VectorXd times;      // grid
  Eigen::VectorXd snr_curve;  // SNR on the grid
  Eigen::VectorXd running;    // SNRbar(tau) with tau = the grid
};
memory_curve compute_curve(const markov_model& model, const curve_options& options);
memory_curve compute_curve(const curve_options& options);  // model from options.model

}  // namespace nt::synapses
