#pragma once
// The Benna-Fusi synapse (Benna & Fusi 2016, Nat. Neurosci. 19:1697; docs/theory/synapses.md sec. 1.4):
// m coupled "beakers" u_1..u_m, the weight is u_1, memories inject +-1 into u_1 at rate r,
//   C_1 du_1/dt = I(t) + g_12 (u_2 - u_1),
//   C_k du_k/dt = g_{k-1,k} (u_{k-1} - u_k) + g_{k,k+1} (u_{k+1} - u_k),   u_{m+1} = 0,
// with geometric C_k = capacity_ratio^(k-1), g_{k,k+1} = g12 conductance_ratio^(k-1).
// du/dt = A u with A = -C^-1 L (L the tridiagonal conductance Laplacian) is similar to the symmetric
// S = -C^-1/2 L C^-1/2, so the weight's impulse response is
//   G(t) = [exp(A t)]_11 = [exp(S t)]_11 = sum_a w_a exp(-lambda_a t),   w_a = V_1a^2, sum_a w_a = 1.
// The eigenvalues span ~4^m; they are found by Sturm bisection (high relative accuracy: -S is scaled
// diagonally dominant, Barlow & Demmel 1990) and w_a as residues of the continued fraction of
// [(z - T)^-1]_11 (a sum of positive terms), so the slowest modes keep their digits.
#include <cstdint>

#include <Eigen/Core>

namespace nt::synapses {

struct benna_fusi_options {
  int variables = 12;              // m
  double g12 = 0.25;               // conductance between u_1 and u_2 (C_1 = 1)
  double capacity_ratio = 2.0;     // C_{k+1} / C_k
  double conductance_ratio = 0.5;  // g_{k+1,k+2} / g_{k,k+1}
  double rate = 1.0;               // r, memories per unit time

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("variables", variables, "number of coupled variables m (beakers)");
    v("g12", g12, "conductance g_12 between the first two variables (C_1 = 1)");
    v("capacity_ratio", capacity_ratio, "geometric ratio C_{k+1}/C_k of the capacities");
    v("conductance_ratio", conductance_ratio, "geometric ratio g_{k+1,k+2}/g_{k,k+1} of the conductances");
    v("rate", rate, "rate r of memories (plasticity events) per unit time");
  }
};

// The linear chain in its eigenbasis; every quantity is closed form from (lambda_a, w_a).
class benna_fusi_chain {
 public:
  explicit benna_fusi_chain(const benna_fusi_options& options);

  // Decay rates lambda_a (ascending) and first-component weights w_a of the modes of G.
  [[nodiscard]] const Eigen::VectorXd& rates() const noexcept { return rates_; }
  [[nodiscard]] const Eigen::VectorXd& weights() const noexcept { return weights_; }
  [[nodiscard]] const benna_fusi_options& options() const noexcept { return options_; }

  // G(t) = [exp(A t)]_11 (t >= 0).
  [[nodiscard]] double impulse_response(double t) const;
  // d ln G / d ln t, the local log-slope (-1/2 in the power-law regime).
  [[nodiscard]] double log_slope(double t) const;
  // int_0^inf G(t)^2 dt = sum_ab w_a w_b / (lambda_a + lambda_b).
  [[nodiscard]] double squared_integral() const;
  // Per-synapse variance of the weight under a Poisson stream of +-1 memories (Campbell): r int G^2.
  [[nodiscard]] double variance() const;
  // SNR(t) = sqrt(N) G(t) / sqrt(r int G^2) for N synapses.
  [[nodiscard]] double snr(double t, double synapses) const;
  // The time at which SNR falls to threshold (0 when SNR(0) <= threshold).
  [[nodiscard]] double lifetime(double synapses, double threshold = 1.0) const;
  // Slowest time constant 1/lambda_min: the cutoff of the power law (~4^m for the default ratios).
  [[nodiscard]] double slowest_time() const { return 1.0 / rates_[0]; }

 private:
  benna_fusi_options options_;
  Eigen::VectorXd rates_;
  Eigen::VectorXd weights_;
};

// Curves on a time grid (all including sqrt(N)).
struct benna_fusi_curve {
  Eigen::ArrayXd time;
  Eigen::ArrayXd impulse_response;  // G(t)
  Eigen::ArrayXd snr;               // SNR(t; N)
  Eigen::ArrayXd log_slope;         // d ln G / d ln t
  double snr0 = 0;
  double variance = 0;
  double lifetime = 0;
  double slowest_time = 0;
};
benna_fusi_curve benna_fusi_memory_curve(const benna_fusi_options& options, const Eigen::ArrayXd& time, double synapses,
                                         double threshold = 1.0);

// One struct for the CLI / Python: the chain, N and a log-spaced time grid.
struct benna_fusi_curve_options {
  benna_fusi_options chain;
  double N = 1e6;          // synapses
  double threshold = 1.0;  // SNR defining the lifetime
  double t_min = 1e-1;
  double t_max = 1e8;
  int points = 91;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    chain.visit(v);
    v("N", N, "number of synapses N (>= 1)");
    v("threshold", threshold, "SNR that defines the lifetime (> 0)");
    v("t_min", t_min, "first time of the log-spaced grid (> 0)");
    v("t_max", t_max, "last time of the log-spaced grid (> t_min)");
    v("points", points, "points of the grid (>= 2)");
  }
};
benna_fusi_curve benna_fusi_memory_curve(const benna_fusi_curve_options& options);

// The number of variables m in [1, max_variables] that maximises the lifetime for N synapses
// (the other chain parameters fixed). Expected t* ~ N / ln N (sec. 1.4).
struct benna_fusi_best {
  int variables = 0;
  double lifetime = 0;
  double snr0 = 0;
  double slowest_time = 0;
};
benna_fusi_best benna_fusi_best_variables(const benna_fusi_options& base, double synapses, double threshold = 1.0,
                                          int max_variables = 60);

// Discretised / bounded variant, by stochastic simulation of a population (exact in distribution for
// the model below; no closed form exists once the variables are bounded). One memory per time step
// 1/r: u_1 += xi (xi = +-1), then the coupling is integrated by `substeps` explicit Euler steps
// (enough that the Euler map is a contraction), then every u_k is rounded *stochastically* to its
// grid {-bound, ..., +bound} of `levels` equally spaced values (unbiased: the mean of the rounding
// is the value, so without clipping the mean signal is exactly the linear discrete-time chain) and
// clipped to [-bound, bound]. levels = 0: continuous values (no rounding). The memory tracked is the
// first one after burn_in steps; its signal xi u_1(n) is averaged over synapses and repeats.
struct benna_fusi_discrete_options {
  benna_fusi_options chain;
  int levels = 0;        // values per variable (0: continuous; else >= 2)
  double bound = 1e300;  // |u_k| <= bound (a huge value: unbounded)
  int synapses = 10000;  // simulated population
  int steps = 1000;      // memories after the tracked one (curve length)
  int burn_in = 1000;    // memories before it
  int repeats = 1;       // independent populations
  std::uint64_t seed = 1;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    chain.visit(v);
    v("levels", levels, "levels per variable (0: continuous)");
    v("bound", bound, "bound on |u_k|");
    v("sim_synapses", synapses, "simulated synapses per repeat");
    v("steps", steps, "memories stored after the tracked one");
    v("burn_in", burn_in, "memories stored before the tracked one");
    v("repeats", repeats, "independent populations");
    v("seed", seed, "random seed");
  }
};

struct benna_fusi_discrete_result {
  Eigen::ArrayXd step;           // n = 0..steps (memories after the tracked one)
  Eigen::ArrayXd signal;         // mean of xi u_1(n) over synapses
  Eigen::ArrayXd signal_stderr;  // its standard error
  Eigen::ArrayXd theory_signal;  // linear discrete-time chain: sum_a w_a rho_a^n
  double variance = 0;           // measured Var(u_1) at the tracked memory (before it)
  double theory_variance = 0;    // linear, unrounded, unbounded: sum_ab w_a w_b / (1 - rho_a rho_b)
  int substeps = 1;
};
benna_fusi_discrete_result benna_fusi_simulate(const benna_fusi_discrete_options& options);

}  // namespace nt::synapses
