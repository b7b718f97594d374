#pragma once
// q*, c*, chi_1, chi_c and the depth scales over a (sigma_w2, sigma_b2) grid [P16 Figs. 1-2;
// S17 Fig. 1]. Rows are sigma_w2, columns sigma_b2. Points whose iteration did not converge carry
// NaN in every field and their status in `status` (0 converged, 1 not converged, 2 diverged).
#include <string>

#include <Eigen/Core>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::signalprop {

struct phase_diagram_options {
  std::string activation = "tanh";
  double sigma_w2_min = 0.25;
  double sigma_w2_max = 16.0;
  int sigma_w2_points = 100;
  double sigma_b2_min = 0.0;
  double sigma_b2_max = 1.0;
  int sigma_b2_points = 100;
  // "variance": points evenly spaced in sigma_w2 and sigma_b2; "std": evenly spaced in sigma_w and
  // sigma_b (P16's axes), the bounds still given as variances.
  std::string spacing = "variance";
  bool correlation = true;  // also solve c*, chi_c, xi_c (2-D quadrature; the costly part)
  int quadrature_order = 0;
  double q0 = 1.0;
  double c0 = 0.0;
  double tolerance = 1e-13;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("activation", activation, "activation function");
    v("sigma_w2_min", sigma_w2_min, "smallest sigma_w^2 of the grid");
    v("sigma_w2_max", sigma_w2_max, "largest sigma_w^2 of the grid");
    v("sigma_w2_points", sigma_w2_points, "grid points along sigma_w^2");
    v("sigma_b2_min", sigma_b2_min, "smallest sigma_b^2 of the grid");
    v("sigma_b2_max", sigma_b2_max, "largest sigma_b^2 of the grid");
    v("sigma_b2_points", sigma_b2_points, "grid points along sigma_b^2");
    v("spacing", spacing, "grid spacing: variance (even in sigma^2) or std (even in sigma)");
    v("correlation", correlation, "also compute c*, chi_c and xi_c");
    v("quadrature_order", quadrature_order, "Gauss-Hermite nodes per dimension (0 = automatic)");
    v("q0", q0, "input length q^0 the length iteration starts from");
    v("c0", c0, "input correlation the correlation iteration starts from");
    v("tolerance", tolerance, "relative tolerance of the fixed-point solves");
  }
};

struct phase_diagram_result {
  Eigen::ArrayXd sigma_w2, sigma_b2;
  Eigen::ArrayXXd q_star, c_star, chi1, chi_c, xi_q, xi_c, status;
  long long converged_points = 0;
  long long failed_points = 0;
  long long chaotic_points = 0;
  long long newton_iterations = 0;
};

// Parallel over sigma_w2 rows (OpenMP); along a row each point warm-starts from its neighbour,
// so the answer does not depend on the thread count.
phase_diagram_result phase_diagram(const phase_diagram_options& options);

}  // namespace nt::signalprop
