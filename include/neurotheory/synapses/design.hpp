#pragma once
// Designing synapses (docs/theory/synapses.md sec. 1.2-1.4; issue 6 "Design"):
//  * design(): the best parameter of a model family (binary/serial/multistate: q; sticky: epsilon;
//    cascade: x; Benna-Fusi: m) for N synapses and a target, the lifetime (SNR = threshold) or the
//    SNR at a time t0. Log-spaced grid search for the bracket, then golden section in log p.
//    Reproduces q* = e/sqrt(N), t* = sqrt(N)/(e r) for the binary switch (notes 1.3).
//  * optimise_model(): a free M-state model with +-1 weights pushed toward the memory frontier by
//    gradient ascent on the running-average SNR SNRbar(tau) = A(1/tau)/tau (Lahiri & Ganguli 2013,
//    Laplace form; their code optimises the same objective with fmincon). Rows of M_pot and M_dep are
//    softmax-parametrised (always stochastic); the gradient is analytic (resolvent + fundamental
//    matrix, see laplace_gradient); Adam steps; several seeded restarts. The proven ceiling is the
//    running-average envelope sqrt(N)(M-1)/(r tau + M - 1).
//  * lifetime_scaling(): the best lifetime vs N for each family with the fitted growth law
//    (log N, sqrt(N), N/log N) and log-log exponent.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/synapses/model.hpp"

namespace nt::synapses {

struct design_options {
  std::string model = "serial";     // binary | serial | sticky | multistate | cascade | benna-fusi
  int states = 12;                  // M (Markov families; binary has 2)
  double N = 1e4;                   // synapses
  std::string target = "lifetime";  // lifetime | snr
  double time = 100.0;              // t0 of the snr target
  double threshold = 1.0;           // SNR defining the lifetime
  double rate = 1.0;                // r
  double parameter_min = 1e-12;     // search range of q, epsilon, x (log scale; clipped to the family's range)
  int grid = 97;                    // log-spaced bracket search points
  int max_variables = 60;           // Benna-Fusi: largest m tried

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("model", model, "model family: binary, serial, sticky, multistate, cascade or benna-fusi");
    v("states", states, "number of internal states M (Markov families)");
    v("N", N, "number of synapses N (>= 1)");
    v("target", target, "what to maximise: lifetime (time at SNR = threshold) or snr (SNR at --time)");
    v("time", time, "time t0 of the snr target (> 0)");
    v("threshold", threshold, "SNR that defines the lifetime (> 0)");
    v("rate", rate, "plasticity event rate r (> 0)");
    v("parameter_min", parameter_min, "smallest q, epsilon or x searched (log-scale search down to it)");
    v("grid", grid, "points of the log-spaced bracket search (>= 5)");
    v("max_variables", max_variables, "Benna-Fusi: largest number of variables m tried");
  }
};

struct design_result {
  std::string model;
  std::string parameter;  // q | epsilon | x | variables
  double value = 0;       // the best parameter
  double lifetime = 0;    // at the best parameter (SNR = threshold)
  double snr = 0;         // SNR at options.time at the best parameter
  double snr0 = 0;
  double objective = 0;       // lifetime or snr, whichever was the target
  double lifetime_bound = 0;  // sqrt(N)(M-1)/(threshold e r) (Markov families; 0 for Benna-Fusi: no M-state bound)
  double snr_bound = 0;       // frontier envelope at options.time (Markov families; 0 for Benna-Fusi)
  bool at_boundary = false;   // the optimum sits at an end of the search range
  int evaluations = 0;
};
design_result design(const design_options& options);

// Value and gradient of the running-average SNR, SNRbar(tau) = A(1/tau)/tau with
// A(s) = sqrt(N) 2 f_pot f_dep p_inf (W_pot - W_dep)(s I - r W_F)^-1 w (notes 1.1), with respect to the
// entries of M_pot and M_dep (weights and f_pot fixed). With R = (s I - r W_F)^-1, Z = (1 p_inf - W_F)^-1,
// a = Delta R w, b = R w, dp = p dW_F Z:
//   dF/dM_pot = c [f_pot (p^T (Z a)^T + r (p Delta R)^T b^T) + p^T b^T],  dF/dM_dep likewise with f_dep, -p^T b^T.
struct laplace_gradient_result {
  double value = 0;              // SNRbar(tau)
  Eigen::MatrixXd potentiation;  // dSNRbar / dM_pot(i, j)
  Eigen::MatrixXd depression;    // dSNRbar / dM_dep(i, j)
};
laplace_gradient_result laplace_gradient(const markov_model& model, double tau, double N, double r = 1.0);

struct optimise_options {
  int states = 12;  // M (even: M/2 states w = -1, M/2 w = +1)
  double N = 100;
  double tau = 10.0;  // mean recall time of SNRbar(tau)
  double rate = 1.0;
  int restarts = 6;                  // random starts
  int iterations = 1500;             // Adam steps per start
  double step = 0.1;                 // Adam learning rate on the logits
  double init_scale = 1.0;           // std of the initial logits
  bool hand_designed_starts = true;  // starts 0 and 1 from the serial and sticky chains (+ noise)
  std::uint64_t seed = 1;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("states", states, "number of internal states M (even, >= 2)");
    v("hand_designed_starts", hand_designed_starts, "start 0 and 1 from the serial and sticky chains (plus noise)");
    v("N", N, "number of synapses N (>= 1)");
    v("tau", tau, "mean recall time tau of the running-average SNR (> 0)");
    v("rate", rate, "plasticity event rate r (> 0)");
    v("restarts", restarts, "random starts");
    v("iterations", iterations, "gradient steps per start");
    v("step", step, "Adam learning rate on the softmax logits");
    v("init_scale", init_scale, "standard deviation of the initial logits");
    v("seed", seed, "random seed of the starts");
  }
};

struct optimise_result {
  markov_model model;            // the best model found
  double running_average = 0;    // its SNRbar(tau)
  double envelope = 0;           // sqrt(N)(M-1)/(r tau + M-1)
  Eigen::VectorXd start_values;  // SNRbar(tau) of each start
  Eigen::VectorXd final_values;  // after optimisation
  int best_restart = 0;
};
optimise_result optimise_model(const optimise_options& options);

// Best lifetime vs N per family (each at its optimal parameter, M fixed for Markov families, m optimal
// for Benna-Fusi), plus the binary switch at fixed q (the logarithmic catastrophe).
struct scaling_options {
  std::vector<double> N_values = {1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
  std::string models = "binary-fixed,binary,serial,sticky,cascade,benna-fusi";  // comma-separated
  int states = 12;
  double fixed_q = 0.5;  // binary-fixed
  double threshold = 1.0;
  double rate = 1.0;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("N_values", N_values, "numbers of synapses N");
    v("models", models, "families: binary-fixed, binary, serial, sticky, cascade, multistate, benna-fusi");
    v("states", states, "number of internal states M of the Markov families");
    v("fixed_q", fixed_q, "q of the binary-fixed family");
    v("threshold", threshold, "SNR defining the lifetime");
    v("rate", rate, "plasticity event rate r");
  }
};

struct scaling_fit {
  std::string model;
  double exponent = 0;     // slope of ln t* vs ln N over the upper half of the N range
  std::string law;         // log N | sqrt N | N/log N: the law whose ratio t*/law(N) varies least
  double coefficient = 0;  // t* ~ coefficient * law(N) (geometric mean of the ratio, upper half)
  double spread = 0;       // max/min of t*/law(N) over the upper half (1 = perfect)
};

struct scaling_table {
  std::vector<std::string> model;  // one row per (model, N)
  std::vector<double> N;
  std::vector<double> parameter;  // best q / epsilon / x / m (fixed_q for binary-fixed)
  std::vector<double> lifetime;
  std::vector<scaling_fit> fits;  // one per model
};
scaling_table lifetime_scaling(const scaling_options& options);

}  // namespace nt::synapses
