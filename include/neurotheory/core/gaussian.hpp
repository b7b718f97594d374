#pragma once
// Gaussian expectations by Gauss-Hermite quadrature (probabilists' weight e^{-z^2/2}/sqrt(2 pi)):
//   E[f(sqrt(q) z)]                    one pre-activation, z ~ N(0, 1)
//   E[f(u1) g(u2)]                     a correlated pair with variances q1, q2 and covariance q12,
//                                      u1 = sqrt(q1) z1, u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2)
// and the activation moments the mean-field maps need, using an activation's closed forms when it
// has them (relu, erf, linear, hard_tanh) and quadrature otherwise.
#include <functional>
#include <span>

#include <Eigen/Core>

#include "neurotheory/core/activation.hpp"

namespace nt {

// Nodes and weights for E[f(z)], z ~ N(0,1): sum_k w_k f(z_k), weights sum to 1 (any rule).
struct gauss_hermite_rule {
  Eigen::ArrayXd nodes;    // ascending, symmetric about 0
  Eigen::ArrayXd weights;  // positive
};
// Golub-Welsch eigen-decomposition, nodes polished by Newton on the Hermite recurrence; cached per
// order (thread safe). order in [1, 4096].
const gauss_hermite_rule& gauss_hermite(int order);

// Gauss-Legendre nodes and weights on [-1, 1]: int_{-1}^{1} f(x) dx ~= sum_k w_k f(x_k), exact for
// polynomials of degree 2 order - 1. Newton on the Legendre three-term recurrence (O(order^2)),
// exactly symmetric; cached per order (thread safe). order in [1, 20000].
struct gauss_legendre_rule {
  Eigen::ArrayXd nodes;    // ascending
  Eigen::ArrayXd weights;  // positive, sum 2
};
const gauss_legendre_rule& gauss_legendre(int order);

// Either an explicit Gauss-Hermite order, or (order = 0, the default) an automatic rule: a
// trapezoid rule on a uniform z grid whose spacing shrinks like 1/sqrt(q), spectrally accurate
// (~1e-13) for analytic activations at any q, where Gauss-Hermite would need ~100 q nodes.
struct quadrature_options {
  int order = 0;                 // Gauss-Hermite nodes per dimension; 0 = automatic
  bool use_closed_forms = true;  // exact forms where they exist (required for kinked activations)
  void validate() const;
  // The rule used at variance q (for a 1-D or a 2-D integral).
  [[nodiscard]] const gauss_hermite_rule& rule_for(double q, bool smooth, int dimensions) const;
};

// E[f(sqrt(q) z)] for a scalar function.
double gaussian_expectation(const std::function<double(double)>& f, double q, int order);
// E[f(u1) g(u2)] for a correlated pair.
double gaussian_pair_expectation(const std::function<double(double)>& f, const std::function<double(double)>& g,
                                 double q1, double q2, double q12, int order);

// Moments of one pre-activation u ~ N(0, q) (all by quadrature unless closed forms are used):
struct single_moments {
  double phi2 = 0;      // E[phi^2]
  double dphi2 = 0;     // E[phi'^2]
  double dq_phi2 = 0;   // d/dq E[phi^2] = E[z phi phi'] / sqrt(q)  (integration by parts; valid at kinks)
  double d2phi2 = 0;    // E[phi''^2] (smooth part only for kinked activations)
  double phi_mean = 0;  // E[phi]
};
single_moments activation_moments(const activation& act, double q, const quadrature_options& quad);

// Moments of a correlated pair:
struct pair_moments {
  double phi_phi = 0;    // E[phi(u1) phi(u2)]
  double dphi_dphi = 0;  // E[phi'(u1) phi'(u2)]  (= d/dq12 E[phi(u1) phi(u2)], Price's theorem)
};
pair_moments activation_pair_moments(const activation& act, double q1, double q2, double q12,
                                     const quadrature_options& quad);

}  // namespace nt
