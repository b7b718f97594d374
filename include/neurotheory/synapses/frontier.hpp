#pragma once
// Upper bounds on the memory curve of ANY M-state synapse with +-1 weights (Lahiri & Ganguli 2013,
// sec. 3-5; notes docs/theory/synapses.md sec. 1.2). All in the paper's normalisation (memory_curve.hpp).
#include <cmath>

#include <Eigen/Core>

#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"

namespace nt::synapses {

// Initial SNR: SNR(0) <= 4 sqrt(N) Phi_{-+} / r and SNR(0) <= sqrt(N) (LG13 eq. 8), Phi_{-+} the
// equilibrium probability flux from w = -1 to w = +1 states. The two bounds are separate: the flux
// bound itself can exceed sqrt(N) (a random 2-state model gives 12.8 at N = 100); SNR(0) obeys both.
// initial_snr_bound(N) is the model-free sqrt(N).
double initial_snr_bound(double N);
double flux(const markov_model& model, double r = 1.0);  // Phi_{-+} (per synapse, rate r)
double flux_bound(const markov_model& model, double N);  // 4 sqrt(N) Phi_{-+} / r (r cancels)
// Area: A <= sqrt(N) (M - 1) / r (LG13 eq. 12).
double area_bound(int M, double N, double r = 1.0);

// Mode-sum constraints (LG13 eq. 14): sum_a I_a <= 1 and sum_a I_a tau_a <= M - 1 (per sqrt(N), r = 1).
struct mode_check {
  double sum_weight = 0;      // sum I_a  (= SNR(0)/sqrt(N))
  double sum_weight_tau = 0;  // sum I_a tau_a (= area/sqrt(N))
  double bound_weight = 1;
  double bound_weight_tau = 0;  // M - 1
  bool satisfied = false;       // both hold within tolerance (relative 1e-9)
};
mode_check check_modes(const modes& spectrum, int M);

// Envelope (memory frontier, LG13 eq. 15): r t <= M - 1: sqrt(N) exp(-r t/(M-1)); else sqrt(N)(M-1)/(e r t).
double snr_max(double t, int M, double N, double r = 1.0);
Eigen::VectorXd snr_max(const Eigen::VectorXd& times, int M, double N, double r = 1.0);
// Running-average envelope (proven from the same constraints): sqrt(N)(M-1)/(r tau + M - 1).
double running_average_max(double tau, int M, double N, double r = 1.0);
// Conjectured tighter running-average envelope for detailed-balance models (extra constraint
// I_a sqrt(r tau_a) <= sqrt(gamma), gamma in [128/pi^4, 2]; notes 1.2 item 6), M > 3.
double running_average_conjectured(double tau, int M, double N, double gamma = 2.0, double r = 1.0);
// Lifetime bound (SNR = threshold eps): sqrt(N)(M-1)/(eps e r), valid for N > (eps e)^2; below that
// the envelope never reaches eps after t = 0 and the bound is the exponential branch's crossing
// (M-1) ln(sqrt(N)/eps)/r (0 when sqrt(N) <= eps).
double lifetime_bound(int M, double N, double r = 1.0, double threshold = 1.0);

// CLI `synapses frontier --states M --N N --time T`.
struct frontier_options {
  int states = 12;
  double N = 100;
  double time = 1.0;
  double rate = 1.0;
  double threshold = 1.0;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("states", states, "number of internal states M (>= 2)");
    v("N", N, "number of synapses N (>= 1)");
    v("time", time, "time t (>= 0) at which the envelope is evaluated");
    v("rate", rate, "plasticity event rate r (> 0)");
    v("threshold", threshold, "SNR threshold of the lifetime bound (> 0)");
  }
};
struct frontier_result {
  double snr_max = 0;              // envelope at time
  double running_average_max = 0;  // running-average envelope at tau = time (time > 0)
  double initial_snr_bound = 0;    // sqrt(N)
  double area_bound = 0;           // sqrt(N)(M-1)/r
  double lifetime_bound = 0;
};
frontier_result frontier(const frontier_options& options);

}  // namespace nt::synapses
