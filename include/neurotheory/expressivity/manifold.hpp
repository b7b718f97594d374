#pragma once
// Expressivity through transient chaos: a one-dimensional input manifold (a great circle) through a
// deep random network.
//   Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, "Exponential expressivity in deep neural
//   networks through transient chaos", NIPS 2016 [P16]: Euclidean length, extrinsic curvature and
//   Grassmannian length of the propagated circle (eqs. 10-14, Figs. 3-4).
//   Raghu, Poole, Kleinberg, Ganguli & Sohl-Dickstein, "On the expressive power of deep neural
//   networks", ICML 2017 [R17]: trajectory length and activation-pattern transitions.
// Layer 1's pre-activations are the circle h^1(theta) = sqrt(N q0) (u0 cos theta + u1 sin theta),
// u0, u1 orthonormal; h^l = W^l phi(h^{l-1}) + b^l. Per neuron: gbar = |dh/dtheta|^2 / N,
// kbar^2 = N kappa^2 (a great circle of variance q has gbar = q, kbar^2 = 1/q), L^G = int kappa |dh/dtheta|.
// Equations and derivations: docs/theory/expressivity.md.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::expressivity {

struct circle_params {
  signalprop::network_params network;
  int depth = 20;
  double q0 = -1.0;  // per-neuron variance of the circle at layer 1; < 0: the fixed point q*

  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("depth", depth, "number of layers L");
    v("q0", q0, "per-neuron variance q^1 of the input circle (negative: the fixed point q*)");
  }
};

// Mean-field recursions along the circle, for layers l = 1..depth (pre-activations h^l) [P16; D]:
//   q^l = V(q^{l-1}),  gbar^l = chi(q^{l-1}) gbar^{l-1},
//   kbar^l^2 = kbar^{l-1}^2 / chi(q^{l-1}) + 3 chi_2(q^{l-1}) / chi(q^{l-1})^2,
//   (L^G_l / 2 pi)^2 = (L^G_{l-1} / 2 pi)^2 + 3 chi_2(q^{l-1}) gbar^{l-1} / chi(q^{l-1}),
// valid for any activation (the cross terms cancel by Gaussian integration by parts), and the
// expected sign changes (relu) or saturation crossings (hard_tanh) per neuron along the circle by
// Rice's formula: 2 sqrt(gbar/q) exp(-u^2 / (2q)) per crossed level u.
struct manifold_theory_result {
  Eigen::ArrayXd layer;          // 1..depth
  Eigen::ArrayXd q;              // q^l
  Eigen::ArrayXd length2;        // gbar^l
  Eigen::ArrayXd length;         // L^E / sqrt(N) = 2 pi sqrt(gbar^l)
  Eigen::ArrayXd length_growth;  // L^E_l / L^E_{l-1} = sqrt(chi(q^{l-1})) (NaN at layer 1)
  Eigen::ArrayXd curvature2;     // kbar^l^2 (+inf after layer 1 for kinked activations: relu, hard_tanh)
  Eigen::ArrayXd grassmannian;   // L^G_l (2 pi at layer 1)
  Eigen::ArrayXd transitions;    // expected pattern transitions per neuron along the circle (NaN for smooth phi)
  double q_star = 0;
  double chi1 = 0;
  double chi2 = 0;
  double length_growth_star = 0;  // sqrt(chi_1): the per-layer growth at the fixed point
  double curvature2_star = 0;     // 3 chi_2 / (chi_1 (chi_1 - 1)) in the chaotic phase; NaN otherwise
  std::string phase;              // ordered | critical | chaotic
};
manifold_theory_result manifold_theory(const circle_params& params);

// Finite networks: the circle sampled at `points` angles, propagated through width-N networks as
// one N x points matrix per layer (GEMM), many seeds.
struct manifold_simulation_options {
  circle_params circle;
  std::string weights = "gaussian";  // gaussian | orthogonal
  int width = 1000;
  int points = 1024;  // samples on the circle
  int seeds = 4;
  std::uint64_t seed = 1;
  bool exact_derivatives = true;   // also propagate the tangent and acceleration (forward mode, 3x the GEMM work)
  std::vector<double> pca_layers;  // layers whose circle is projected on its top 3 principal components (seed 0)

  void validate() const;
  template <class V>
  void visit(V&& v) {
    circle.visit(v);
    v("weights", weights, "weight ensemble: gaussian or orthogonal");
    v("width", width, "network width N");
    v("points", points, "samples on the circle");
    v("seeds", seeds, "number of independent networks");
    v("seed", seed, "base seed of the random streams");
    v("exact_derivatives", exact_derivatives, "also propagate the exact tangent and acceleration (forward mode)");
    v("pca_layers", pca_layers, "layers whose circle is projected on its top 3 principal components");
  }
};

struct manifold_simulation_result {
  Eigen::ArrayXd layer;  // 1..depth
  // Per layer, mean and standard error over networks.
  Eigen::ArrayXd q_mean, q_sem;                  // mean over the circle of |h|^2 / N
  Eigen::ArrayXd length2_mean, length2_sem;      // gbar: mean over theta of |dh/dtheta|^2 / N (finite differences)
  Eigen::ArrayXd length_mean, length_sem;        // chord-sum length / sqrt(N)
  Eigen::ArrayXd length_half_mean;               // the same from every second point (resolution check)
  Eigen::ArrayXd curvature2_mean, curvature2_sem;      // mean over theta of N kappa^2, finite differences
  Eigen::ArrayXd grassmannian_mean, grassmannian_sem;  // sum of kappa |dh| over the circle, finite differences
  // From the propagated tangent and acceleration (NaN when exact_derivatives is off).
  Eigen::ArrayXd length2_exact_mean, length2_exact_sem, curvature2_exact_mean, curvature2_exact_sem,
      grassmannian_exact_mean, grassmannian_exact_sem;
  // relu / hard_tanh: pattern transitions per neuron along the circle at layer l, and the number of
  // linear regions the circle crosses in layers 1..l (1 + segments whose joint pattern changes).
  Eigen::ArrayXd transitions_mean, transitions_sem, regions_mean, regions_sem;
  Eigen::ArrayXd resolved;  // 1 where |length - length_half| / length < 1%, else 0
  std::vector<Eigen::ArrayXXd> pca;             // per pca layer: points x 3 projections (seed 0)
  std::vector<Eigen::ArrayXd> pca_explained;    // per pca layer: fraction of variance of the top 3 components
  double q_star = 0;
  double seconds = 0;
  double gflops = 0;  // GEMM flops per second of the propagation
};
manifold_simulation_result simulate_manifold(const manifold_simulation_options& options);

// Theory and simulation together, for the CLI and Python (`expressivity manifold`).
struct manifold_options {
  manifold_simulation_options simulation;
  bool simulate = false;  // also run finite networks and compare

  void validate() const { simulation.validate(); }
  template <class V>
  void visit(V&& v) {
    simulation.visit(v);
    v("simulate", simulate, "also simulate finite networks and compare with the theory");
  }
};

// Agreement of a simulated per-layer quantity with the theory (layers where the standard error is
// positive and the circle is resolved).
struct layer_agreement {
  double max_z = 0;
  double rms_z = 0;
  double max_relative = 0;
  long long points = 0;
};
layer_agreement compare_layers(const Eigen::ArrayXd& mean, const Eigen::ArrayXd& sem, const Eigen::ArrayXd& theory,
                               const Eigen::ArrayXd& include);

struct manifold_result {
  manifold_theory_result theory;
  bool simulated = false;
  manifold_simulation_result simulation;
  layer_agreement length2, curvature2, grassmannian, transitions;  // simulation vs theory (when simulated)
};
manifold_result manifold(const manifold_options& options);

// [R17] Trajectory length and transitions for any input curve: rows of `points` (K x d) are the
// inputs x^0(t_k) in order (closed = the last point joins the first); the first layer has weights
// N(0, sigma_w2 / d). Per layer: chord-sum length / sqrt(N), pattern transitions per neuron (relu,
// hard_tanh; sign changes of h otherwise), linear regions crossed (relu, hard_tanh), and the
// mean-field growth factor sqrt(chi(q^l)) at the curve's mean q^l.
struct trajectory_options {
  signalprop::network_params network;
  std::string weights = "gaussian";
  int width = 1000;
  int depth = 20;
  int seeds = 4;
  std::uint64_t seed = 1;
  bool closed = true;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("weights", weights, "weight ensemble: gaussian or orthogonal");
    v("width", width, "network width N");
    v("depth", depth, "number of layers L");
    v("seeds", seeds, "number of independent networks");
    v("seed", seed, "base seed of the random streams");
    v("closed", closed, "the curve is closed (its last point joins the first)");
  }
};
struct trajectory_result {
  Eigen::ArrayXd layer;  // 0 (the input) .. depth
  Eigen::ArrayXd length_mean, length_sem;  // chord-sum length; layer 0: the input's (not divided by sqrt(N))
  Eigen::ArrayXd q_mean;                   // mean over the curve of |h^l|^2 / N
  Eigen::ArrayXd growth_theory;            // sqrt(chi(q^{l-1})) at the simulated mean q (NaN at layers 0, 1)
  Eigen::ArrayXd transitions_mean, transitions_sem, regions_mean, regions_sem;
};
trajectory_result simulate_trajectory(const trajectory_options& options, const Eigen::MatrixXd& points);

// Shallow versus deep [P16 sec. 5]: the hidden width a one-hidden-layer network (same sigma_w2,
// sigma_b2) needs for its image of the circle to be as long as that of a deep network of width N:
// length scales as sqrt(width), so M = N gbar^L / gbar^2 in mean field (gbar^2: after its one
// nonlinearity). Its Grassmannian length stays O(1) at any width, the deep one grows like chi_1^{L/2}.
struct shallow_equivalent_result {
  Eigen::ArrayXd depth;          // 2..L
  Eigen::ArrayXd width_needed;   // M(L)
  Eigen::ArrayXd grassmannian_deep;     // L^G of the deep network
  double grassmannian_shallow = 0;      // L^G of any one-hidden-layer network (mean field: width-independent)
};
shallow_equivalent_result shallow_equivalent(const circle_params& params, int width);

}  // namespace nt::expressivity
