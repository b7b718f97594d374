#pragma once
// An initialization designer from the Jacobian spectrum [Pe17 sec. 5; Pe18]: for an activation,
// a depth and a weight ensemble, the point (sigma_w2, sigma_b2) on the critical line chi_1 = 1
// whose spectrum of J J^T meets a spread target, with the predicted spectrum and a verdict.
// On the critical line the variance of the squared singular values is
//   L (mu2/mu1^2 - 1)  (orthogonal weights),   L mu2/mu1^2  (Gaussian weights),
// with mu_k = E[phi'(sqrt(q*) z)^{2k}]; it shrinks as q* -> 0 only for sigmoid-like phi with
// orthogonal weights. The designer returns the largest q* (the most nonlinear network) whose
// variance is at most max_variance (and whose condition number lambda_max / support_min is at
// most max_condition, when given); when no q* meets the target it returns the least-spread point.
#include <string>

#include "neurotheory/isometry/spectrum.hpp"

namespace nt::isometry {

struct design_options {
  std::string activation = "tanh";
  int depth = 200;
  std::string weights = "orthogonal";
  double max_variance = 0.25;   // target variance of the squared singular values (0: least spread)
  double max_condition = -1.0;  // target lambda_max / lambda_min of the continuous support (< 0: none)
  double q_star_min = 1e-6;     // the smallest q* searched (q* -> 0 is the linear network)
  double q_star_max = 100.0;    // the largest q* searched
  int quadrature_order = 0;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("activation", activation, "activation function");
    v("depth", depth, "number of layers L");
    v("weights", weights, "weight ensemble: orthogonal or gaussian");
    v("max_variance", max_variance, "target variance of the squared singular values (0: least spread)");
    v("max_condition", max_condition, "target condition number lambda_max/lambda_min of J J^T (negative: none)");
    v("q_star_min", q_star_min, "smallest q* searched");
    v("q_star_max", q_star_max, "largest q* searched");
    v("quadrature_order", quadrature_order, "Gauss-Hermite nodes per dimension (0 = automatic)");
  }
};

struct design_result {
  double sigma_w2 = 0;
  double sigma_b2 = 0;
  double q_star = 0;
  double chi1 = 1;
  double variance = 0;    // of the squared singular values
  double lambda_max = 0;
  double support_min = 0; // left edge of the continuous spectrum (0 when it reaches 0)
  double condition = 0;   // lambda_max / support_min (inf when the spectrum reaches 0)
  double xi_c = 0;        // correlation depth scale at the design (inf on the critical line)
  double xi_q = 0;        // length depth scale at the design
  bool target_met = false;
  bool isometry_reachable = false;  // can the variance be made arbitrarily small at this depth?
  std::string verdict;              // plain-language summary
  moments_result moments;
};
design_result design(const design_options& options);

}  // namespace nt::isometry
