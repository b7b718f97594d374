#pragma once
// Finite random networks next to the mean-field theory: inputs propagated through width-N, depth-L
// networks with Gaussian or Haar-orthogonal weights over many seeds; measured per layer: q^l of
// single inputs, c^l of input pairs, and the squared-gradient growth |delta^l|^2 / |delta^{l+1}|^2
// of the backward pass [P16 Figs. 1B, 2B; S17 Fig. 4]. All inputs of one network share its weights
// and biases and go through as one matrix (GEMM). Replicate r of seed s draws its weights from the
// stream (s, {weights, r, layer}), so results do not depend on the thread count.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::signalprop {

struct simulation_options {
  network_params network;
  int width = 1000;
  int depth = 20;
  std::string weights = "gaussian";
  int seeds = 8;  // independent networks (replicates)
  std::uint64_t seed = 1;
  std::vector<double> q0 = {0.1, 1.0, 4.0};  // input lengths of the single inputs
  std::vector<double> c0 = {0.0, 0.5, 0.9};  // input correlations of the pairs
  double pair_q0 = -1.0;                     // input length of the pairs; < 0 = at the fixed point (q^1 = q*)
  bool gradients = true;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("width", width, "network width N (all layers)");
    v("depth", depth, "number of layers L");
    v("weights", weights, "weight ensemble: gaussian or orthogonal");
    v("seeds", seeds, "number of independent random networks");
    v("seed", seed, "base seed of the random streams");
    v("q0", q0, "input lengths |x|^2/N of the single inputs");
    v("c0", c0, "input correlations of the input pairs");
    v("pair_q0", pair_q0, "input length of the pairs (negative: at the fixed point)");
    v("gradients", gradients, "also backpropagate and measure gradient growth");
  }
};

struct simulation_result {
  Eigen::ArrayXd layer;                     // 0..depth
  Eigen::ArrayXXd q_mean, q_sem, q_theory;  // (depth+1) x q0.size()
  Eigen::ArrayXXd c_mean, c_sem, c_theory;  // (depth+1) x c0.size()
  // growth[l] = |delta^l|^2 / |delta^{l+1}|^2 for l = 1..depth-1 (NaN elsewhere), per single input.
  Eigen::ArrayXXd gradient_mean, gradient_sem, gradient_theory;
  double pair_q0 = 0;
  double q_star = 0;
  int replicates = 0;
  // Agreement: the largest |simulation - theory| in units of the standard error (over all layers
  // and inputs, where the standard error is positive), and the largest relative deviation of q.
  double max_q_z = 0, max_c_z = 0, max_gradient_z = 0;
  double max_q_relative = 0, max_c_abs = 0, max_gradient_relative = 0;
};

simulation_result simulate(const simulation_options& options);

}  // namespace nt::signalprop
