#pragma once
// Monte Carlo of Markov synapses next to their exact memory curves (Lahiri & Ganguli 2013, NeurIPS,
// sec. 2 and eq. "SNRcalc"; notes docs/theory/synapses.md sec. 1.1, derivations in
// docs/theory/synapses_montecarlo.part.md).
//
// A population of N independent synapses starts in the stationary distribution p_inf. The tracked
// memory xi (xi_i = +1 where synapse i saw a potentiating event, -1 where depressing) is stored at
// t = 1 (discrete time: one memory, i.e. one event per synapse, per step, as the twin
// ../shared/peers/w5_synapse.py) or at t = 0 (Poisson time: afterwards each synapse receives its own
// Poisson stream of events of rate r). The ideal observer's signal is S(t) = (1/N) sum_i w_i(t) xi_i.
// Exactly (notes 1.1 with the baseline <xi w(inf)> = (f_pot - f_dep) p_inf.w subtracted):
//   E S(t) - (f_pot - f_dep) p_inf.w = 2 f_pot f_dep p_inf (M_pot - M_dep) M_F^(t-1) w     (discrete)
//                                    = 2 f_pot f_dep p_inf (M_pot - M_dep) exp(r t W_F) w  (Poisson)
// with M_F = f_pot M_pot + f_dep M_dep, W_F = M_F - I; the SNR of N synapses is sqrt(N) times that
// over noise_std = sqrt(p_inf.w^2 - ((f_pot - f_dep) p_inf.w)^2).
//
// Randomness: each (repetition, block of `block` synapses) has its own counter-based Philox4x32-10
// stream keyed from nt::rng::stream(seed, {repetition, block}), with the step in the counter, so the
// numbers do not depend on the thread count. Standard errors come from the scatter of the block
// sums (all synapses are independent; ratio estimator over blocks x repetitions).
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/synapses/model.hpp"

namespace nt::synapses {

struct simulation_options {
  long long synapses = 100000;    // N per repetition
  int repetitions = 4;            // independent populations
  std::string time = "discrete";  // discrete (one memory per step) | poisson (events at rate r)
  double horizon = 1000;          // discrete: number of memories T (integer); poisson: duration
  double rate = 1.0;              // r (poisson only)
  std::vector<double> times;      // recorded times (increasing, within the horizon); empty = every step
                                  // 1..T (discrete) or the integers 0..horizon (poisson)
  std::uint64_t seed = 1;
  std::string kernel = "auto";  // auto | fast | portable | general (see simulation_result::kernel)
  int block = 4096;             // synapses per random stream (multiple of 128, <= 4096)

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("synapses", synapses, "number of synapses N per repetition");
    v("repetitions", repetitions, "independent populations (repetitions)");
    v("time", time, "discrete (one memory per step) or poisson (events at rate r in continuous time)");
    v("horizon", horizon, "discrete: number of memories T; poisson: simulated duration");
    v("rate", rate, "plasticity event rate r per synapse (poisson time)");
    v("times", times, "recorded times (empty: every step 1..T, or integer times 0..horizon for poisson)");
    v("seed", seed, "base seed of the random streams");
    v("kernel", kernel,
      "auto, fast (vectorised: at most one target per (event, state), M <= 16), portable (the fast kernel "
      "without SIMD, identical numbers), general (cumulative tables, any model)");
    v("block", block, "synapses per random stream (multiple of 128, at most 4096)");
  }
};

struct simulation_result {
  Eigen::VectorXd time;                           // recorded times
  Eigen::VectorXd signal_mean, signal_sem;        // S(t), mean over all N x repetitions synapses
  Eigen::VectorXd signal_theory;                  // exact E S(t)
  Eigen::VectorXd snr_mean, snr_sem, snr_theory;  // sqrt(N) (S - baseline) / noise_std
  Eigen::VectorXd stationary;                     // p_inf used for the initial states
  Eigen::VectorXd occupancy_end;                  // fraction of synapses per state at the end (all repetitions)
  double baseline = 0;                            // (f_pot - f_dep) p_inf.w
  double noise_std = 1;
  double max_z = 0;  // max_t |signal_mean - signal_theory| / signal_sem
  long long synapses = 0;
  int repetitions = 0;
  long long units = 0;           // blocks x repetitions behind the standard errors
  std::string kernel;            // kernel that ran: fast (AVX2), portable, general or poisson
  int random_bits = 0;           // fast kernels: random bits per synapse-step (event + transition)
  double probability_error = 0;  // largest |p_used - p| of the fast kernels' integer thresholds
};

// Runs the Monte Carlo (throws nt::invalid_argument on a bad model or options).
simulation_result simulate(const markov_model& model, const simulation_options& options);

// Exact E S(t) at the given times (discrete: integers >= 1; poisson: >= 0), per synapse.
Eigen::VectorXd exact_signal(const markov_model& model, const Eigen::VectorXd& times,
                             const std::string& time = "discrete", double rate = 1.0);
// Stationary distribution by p_inf = 1^T (E - W_F)^-1 (LG13 code; E all ones), computed here
// independently of memory_curve.hpp.
Eigen::VectorXd stationary_distribution(const markov_model& model);

// ---------------------------------------------------------------------------------------------
// Associative memory with Markov synapses: a feed-forward palimpsest of `inputs` x `outputs`
// synapses storing a stream of random +-1 pattern pairs (x, y). Pattern nu gives synapse (i, j) a
// potentiating event when x_i y_j = +1 and a depressing one otherwise (Hebb; events fair, f = 1/2),
// one pattern per step. After `patterns` patterns the network recalls the pattern of age a
// (a = 1: the last) by y_j = sign(sum_i w_ij x_i) (ties count half). The n = inputs synapses onto
// one output are independent chains driven by +-1 events, so sum_i w_ij x_i y_j is a sum of n
// independent terms of mean mu(a) = exact_signal(a) (f = 1/2): for +-1 weights the fraction of
// correct bits is an exact binomial tail; otherwise its normal approximation Phi(SNR). Retrieval
// age ~ lifetime of the single-synapse curve at SNR ~ Phi^-1(criterion), so it grows with n as the
// lifetime does (log n for binary switches, sqrt(n) for cascades).
struct associative_options {
  int inputs = 1000;       // n: synapses per output neuron (N of the single-synapse theory)
  int outputs = 100;       // output neurons (independent recall bits per pattern)
  int patterns = 1000;     // patterns stored (the first ones start from p_inf)
  int max_age = 200;       // recall tested for ages 1..max_age
  double criterion = 0.9;  // a pattern counts as retrieved when this fraction of bits is correct
  int repetitions = 1;
  std::uint64_t seed = 1;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("inputs", inputs, "input neurons n = synapses per output neuron");
    v("outputs", outputs, "output neurons (recall bits per pattern)");
    v("patterns", patterns, "patterns stored in the stream");
    v("max_age", max_age, "recall is tested for pattern ages 1..max_age");
    v("criterion", criterion, "fraction of correct bits that counts as retrieval, in (1/2, 1)");
    v("repetitions", repetitions, "independent networks");
    v("seed", seed, "base seed of the random streams");
  }
};

struct associative_result {
  Eigen::VectorXd age;                      // 1..max_age
  Eigen::VectorXd recall_mean, recall_sem;  // fraction of correct bits (binomial standard error)
  Eigen::VectorXd recall_theory;            // exact binomial tail (+-1 weights) or Phi(SNR)
  Eigen::VectorXd snr_theory;               // sqrt(n) mu(a) / noise_std
  int retrieved = 0;                        // ages a <= max_age with recall_mean >= criterion
  int retrieved_theory = 0;                 // the same count from recall_theory
  bool exact_theory = true;                 // false: normal approximation (weights not +-1)
};

associative_result associative_memory(const markov_model& model, const associative_options& options);

}  // namespace nt::synapses
