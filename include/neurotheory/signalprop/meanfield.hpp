#pragma once
// Mean-field theory of signal propagation in deep random networks.
//   Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, "Exponential expressivity in deep neural
//   networks through transient chaos", NIPS 2016 [P16]: length map (eq. 3), correlation map
//   (eq. 5), chi_1 (eq. 7).
//   Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep information propagation", ICLR 2017 [S17]:
//   depth scales xi_q, xi_c (eqs. 6-9), backpropagated gradients (eq. 15).
// Convention: h^l = W^l phi(h^{l-1}) + b^l, W_ij ~ N(0, sigma_w2 / N), b_i ~ N(0, sigma_b2);
// q^l = |h^l|^2 / N per neuron; variances are stored, never standard deviations.
// Equations with derivations: docs/theory/signalprop.md.
#include <string>

#include <Eigen/Core>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/gaussian.hpp"

namespace nt::signalprop {

// The theory's parameters of a fully connected random network.
struct network_params {
  std::string activation = "tanh";
  double sigma_w2 = 1.76;
  double sigma_b2 = 0.05;
  int quadrature_order = 0;  // Gauss-Hermite nodes per dimension; 0 = automatic

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("activation", activation, "activation function (linear, tanh, relu, hard_tanh, erf, sigmoid, selu, gelu, swish)");
    v("sigma_w2", sigma_w2, "weight variance sigma_w^2 (weights ~ N(0, sigma_w2 / N))");
    v("sigma_b2", sigma_b2, "bias variance sigma_b^2");
    v("quadrature_order", quadrature_order, "Gauss-Hermite nodes per dimension (0 = automatic)");
  }
};

// How an iteration to a fixed point ended. Divergence is a status, not an exception.
enum class solve_status { converged, not_converged, diverged };
std::string to_string(solve_status status);

enum class phase { ordered, critical, chaotic };
std::string to_string(phase p);

// The maps of one network, with its activation and quadrature bound once.
class mean_field {
 public:
  explicit mean_field(const network_params& params);

  [[nodiscard]] const network_params& params() const { return params_; }
  [[nodiscard]] const activation& act() const { return *act_; }
  [[nodiscard]] const quadrature_options& quadrature() const { return quad_; }

  // Length map V(q) = sigma_w2 E[phi(sqrt(q) z)^2] + sigma_b2 and its slope dV/dq.
  [[nodiscard]] double length_map(double q) const;
  [[nodiscard]] double length_slope(double q) const;
  // chi(q) = sigma_w2 E[phi'(sqrt(q) z)^2]: chi_1 at q = q*; the per-layer gradient factor.
  [[nodiscard]] double chi(double q) const;
  // chi_2 = sigma_w2 E[phi''(sqrt(q) z)^2] (curvature growth, P16 eq. 11).
  [[nodiscard]] double chi2(double q) const;

  // Two inputs a, b: (q_aa, q_bb, q_ab) at layer l-1 -> layer l.
  struct pair_state {
    double q_aa = 1, q_bb = 1, q_ab = 0;
    [[nodiscard]] double c() const;
  };
  [[nodiscard]] pair_state pair_map(const pair_state& s) const;
  // Correlation map at the length fixed point: C(c) = (sigma_w2 E[phi(u1)phi(u2)] + sigma_b2) / q*.
  [[nodiscard]] double correlation_map(double c, double q_star) const;
  // Its slope dC/dc = sigma_w2 E[phi'(u1) phi'(u2)] (chi_c at a fixed point c*).
  [[nodiscard]] double correlation_slope(double c, double q_star) const;

 private:
  network_params params_;
  const activation* act_;
  quadrature_options quad_;
};

struct solver_options {
  double q0 = 1.0;           // input length q^0 the length iteration starts from
  double c0 = 0.0;           // input correlation the correlation iteration starts from
  double tolerance = 1e-13;  // relative step tolerance of the fixed-point solves
  int max_iterations = 500;
  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("q0", q0, "input length q^0 the length iteration starts from (the attractor it reaches is q*)");
    v("c0", c0, "input correlation the correlation iteration starts from");
    v("tolerance", tolerance, "relative step tolerance of the Newton solves");
    v("max_iterations", max_iterations, "iteration cap of each solve");
  }
};

// Everything fixed_point() takes, as one struct for the CLI and Python.
struct fixed_point_options {
  network_params network;
  solver_options solver;
  void validate() const {
    network.validate();
    solver.validate();
  }
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    solver.visit(v);
  }
};

// q*, c*, chi_1, chi_c and the depth scales at one (activation, sigma_w2, sigma_b2).
struct fixed_point_result {
  double q_star = 0;
  double c_star = 0;
  double chi1 = 0;   // slope of the correlation map at c = 1
  double chi_c = 0;  // slope of the correlation map at c*
  double one_minus_chi_c = 0;
  double length_slope = 0;  // dV/dq at q* (= exp(-1/xi_q))
  double xi_q = 0;          // -1/ln(dV/dq); +inf when the slope is 1
  double xi_c = 0;          // -1/ln(chi_c); +inf at criticality
  double q_residual = 0;
  double c_residual = 0;
  phase regime = phase::ordered;
  solve_status q_status = solve_status::converged;
  solve_status c_status = solve_status::converged;
  int q_iterations = 0;
  int c_iterations = 0;
  [[nodiscard]] bool converged() const {
    return q_status == solve_status::converged && c_status == solve_status::converged;
  }
};

// Converges q by safeguarded Newton on q = V(q) (monotone: it finds the attractor reached by
// iterating the map from q0) and c likewise on c = C(c): never by thousands of map iterations.
fixed_point_result fixed_point(const network_params& params, const solver_options& solver = {});

// chi_1 within this tolerance of 1 counts as critical.
inline constexpr double kCriticalTolerance = 1e-9;

// Layer-by-layer theory for two inputs with q^0_a, q^0_b, input correlation c0 (layer 0 is the
// input, layer 1 = W x^0 + b), plus the backward pass: gradient[l] = E|delta^l|^2 / E|delta^L|^2.
struct trajectory_result {
  Eigen::ArrayXd layer;  // 0..depth
  Eigen::ArrayXd q_a, q_b, c;
  Eigen::ArrayXd chi;       // chi at each layer's q_a (per-layer gradient factor)
  Eigen::ArrayXd gradient;  // squared gradient norm relative to the last layer
};
trajectory_result trajectory(const network_params& params, double q0_a, double q0_b, double c0, int depth);

struct trajectory_options {
  network_params network;
  double q0_a = 1.0;
  double q0_b = 1.0;
  double c0 = 0.5;
  int depth = 30;
  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("q0_a", q0_a, "input length |x_a|^2/N of input a");
    v("q0_b", q0_b, "input length |x_b|^2/N of input b");
    v("c0", c0, "input correlation of a and b");
    v("depth", depth, "number of layers L");
  }
};
trajectory_result trajectory(const trajectory_options& options);

// The order-to-chaos boundary chi_1 = 1, parametrised by q*: sigma_w2(q*) = 1/E[phi'^2],
// sigma_b2(q*) = q* - sigma_w2(q*) E[phi^2] (P16; Pennington et al. 2017).
struct critical_line_result {
  Eigen::ArrayXd q_star, sigma_w2, sigma_b2;
};
critical_line_result critical_line(const std::string& activation, const Eigen::ArrayXd& q_star,
                                   int quadrature_order = 0);

struct critical_point_result {
  bool found = false;
  double sigma_w2 = 0;
  double sigma_b2 = 0;
  double q_star = 0;  // NaN where every q is a fixed point (relu at (2, 0))
  double chi1 = 0;
  std::string note;
};
// The critical sigma_w2 for a given sigma_b2: solves sigma_b2(q*) = target by bracketing in log q*.
critical_point_result critical_point(const std::string& activation, double sigma_b2, int quadrature_order = 0);

struct critical_options {
  std::string activation = "tanh";
  double sigma_b2 = 0.05;
  int quadrature_order = 0;
  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("activation", activation, "activation function");
    v("sigma_b2", sigma_b2, "bias variance sigma_b^2 on the critical line");
    v("quadrature_order", quadrature_order, "Gauss-Hermite nodes per dimension (0 = automatic)");
  }
};

// Depth scales across the transition at fixed sigma_b2 [S17 Fig. 2]: xi_q, xi_c, 1 - chi_c
// against sigma_w2, with the critical sigma_w2 where xi_c diverges.
struct depth_scales_options {
  std::string activation = "tanh";
  double sigma_b2 = 0.05;
  double sigma_w2_min = 1.0;
  double sigma_w2_max = 4.0;
  int points = 121;
  int quadrature_order = 0;
  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("activation", activation, "activation function");
    v("sigma_b2", sigma_b2, "bias variance sigma_b^2");
    v("sigma_w2_min", sigma_w2_min, "smallest sigma_w^2 of the sweep");
    v("sigma_w2_max", sigma_w2_max, "largest sigma_w^2 of the sweep");
    v("points", points, "points of the sweep");
    v("quadrature_order", quadrature_order, "Gauss-Hermite nodes per dimension (0 = automatic)");
  }
};
struct depth_scales_result {
  Eigen::ArrayXd sigma_w2, q_star, c_star, chi1, chi_c, one_minus_chi_c, xi_q, xi_c, converged;
  critical_point_result critical;
};
depth_scales_result depth_scales(const depth_scales_options& options);

}  // namespace nt::signalprop
