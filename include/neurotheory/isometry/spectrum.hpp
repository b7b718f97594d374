#pragma once
// Spectra of the input-output Jacobian J = D^L W^L ... D^1 W^1 of a deep random network at the
// mean-field fixed point, by free probability.
//   Pennington, Schoenholz & Ganguli, "Resurrecting the sigmoid in deep learning through dynamical
//   isometry", NIPS 2017 [Pe17]: S_{JJ^T} = S_{W^T W}^L S_{D^2}^L (eq. 13), moments (eqs. 16-18).
//   Pennington, Schoenholz & Ganguli, "The emergence of spectral universality in deep networks",
//   AISTATS 2018 [Pe18]: the large-depth limits (universality classes).
// Equations, the solver and its checks: docs/theory/isometry.md.
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::isometry {

// One network at its length fixed point: the spectrum depends on (activation, q*, sigma_w2,
// weights, depth). q* is the fixed point of the length map unless given.
struct spectrum_params {
  signalprop::network_params network;
  std::string weights = "orthogonal";  // orthogonal | gaussian
  int depth = 16;
  double q_star = -1.0;  // < 0: the attractor of the length map (relu at sigma_b2 = 0: q* = 1, any q works)

  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("weights", weights, "weight ensemble: orthogonal or gaussian");
    v("depth", depth, "number of layers L");
    v("q_star", q_star, "pre-activation variance q* the spectrum is taken at (negative: the fixed point)");
  }
};

// The law of d = phi'(h)^2 with h ~ N(0, q*), as a discrete measure sum_k weight_k delta(d - value_k):
// exact atoms for piecewise-linear phi (linear: {1}; relu: {0, 1} with 1/2 each; hard_tanh: {0, 1}
// with p = erf(1/sqrt(2 q*))), atoms plus quadrature nodes for selu, quadrature nodes (trapezoid in
// z on [-14, 14]) for smooth phi.
struct derivative_law {
  Eigen::ArrayXd value;
  Eigen::ArrayXd weight;  // sums to 1
  bool finite = false;    // true: an exact finite law (piecewise-linear phi)
  double mu1 = 0, mu2 = 0, mu3 = 0;  // E[d], E[d^2], E[d^3] (closed forms where they exist)
};
// nodes = 0: automatic (dense enough that the density converges to the plotted accuracy).
derivative_law derivative_squared_law(const std::string& activation, double q_star, int nodes = 0);

struct atom {
  double location = 0;
  double mass = 0;
};

// Moments of the squared singular values lambda of J (eigenvalues of J J^T), per unit N.
struct moments_result {
  double q_star = 0;
  double chi1 = 0;        // sigma_w2 mu1: mean = chi1^L
  double mu1 = 0, mu2 = 0, mu3 = 0;
  double mean = 0;        // m_1
  double second = 0;      // m_2 = E[lambda^2]
  double third = 0;       // m_3
  double variance = 0;    // m_2 - m_1^2
  double lambda_max = 0;  // right edge of the support (or the top atom)
  std::vector<atom> atoms;  // point masses (0 for relu/hard_tanh; p^-L for orthogonal Bernoulli laws)
};
moments_result moments(const spectrum_params& params);

struct density_options {
  spectrum_params spectrum;
  int points = 400;            // grid points of lambda
  double lambda_min = -1.0;    // grid start; < 0: automatic (0, or the left edge for log grids)
  double lambda_max = -1.0;    // grid end; < 0: 1.05 x the right edge
  std::string grid = "linear"; // linear | log
  int derivative_nodes = 0;    // nodes of the law of phi'^2 (0 = automatic)

  void validate() const;
  template <class V>
  void visit(V&& v) {
    spectrum.visit(v);
    v("points", points, "number of lambda grid points");
    v("lambda_min", lambda_min, "smallest lambda of the grid (negative: automatic)");
    v("lambda_max", lambda_max, "largest lambda of the grid (negative: 1.05 x the right edge)");
    v("grid", grid, "grid spacing: linear or log");
    v("derivative_nodes", derivative_nodes, "quadrature nodes of the law of phi'(h)^2 (0 = automatic)");
  }
};

struct density_result {
  Eigen::ArrayXd lambda;   // grid
  Eigen::ArrayXd density;  // continuous part rho(lambda); NaN where the solve failed
  std::vector<atom> atoms;
  double support_min = 0;  // left edge of the continuous part (0 when it reaches 0)
  double support_max = 0;  // right edge
  double continuous_mass = 0;  // integral of the continuous part (over the whole support)
  moments_result moments;
  int failed_points = 0;
};
density_result density(const density_options& options);

// [Pe18] large-depth limits of orthogonal networks on the critical line at fixed variance s2:
// smooth phi: S(m) = exp(-s2 m); Bernoulli phi'^2 (hard-tanh-like): S(m) = exp(-s2 m / (1 + m)).
enum class universality_class { smooth, bernoulli };
universality_class universality_class_from_name(const std::string& name);
density_result universal_density(universality_class cls, double variance, const Eigen::ArrayXd& lambda);

}  // namespace nt::isometry
