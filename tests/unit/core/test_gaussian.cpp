#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/gaussian.hpp"

namespace {

using nt::activation_by_name;
using nt::quadrature_options;

double double_factorial(int k) {
  double r = 1.0;
  for (int i = k; i > 1; i -= 2) r *= i;
  return r;
}

TEST(GaussHermite, IntegratesPolynomialsExactly) {
  for (int n : {1, 2, 5, 20, 64, 100}) {
    const auto& rule = nt::gauss_hermite(n);
    EXPECT_NEAR(rule.weights.sum(), 1.0, 1e-14);
    // Exact for degree <= 2n - 1: E[z^{2k}] = (2k-1)!!, odd moments vanish.
    for (int k = 0; 2 * k <= std::min(2 * n - 1, 30); ++k) {
      const double m = (rule.weights * rule.nodes.pow(2 * k)).sum();
      const double exact = k == 0 ? 1.0 : double_factorial(2 * k - 1);
      EXPECT_NEAR(m / exact, 1.0, 1e-11) << "n = " << n << ", k = " << k;
      EXPECT_NEAR((rule.weights * rule.nodes.pow(2 * k + 1)).sum(), 0.0, 1e-9 * exact);
    }
  }
}

TEST(GaussHermite, HighOrdersStayFinite) {
  for (int n : {500, 800, 1500, 4096}) {
    const auto& rule = nt::gauss_hermite(n);
    EXPECT_TRUE(rule.nodes.allFinite()) << n;
    EXPECT_TRUE(rule.weights.allFinite()) << n;
    EXPECT_NEAR((rule.weights * rule.nodes.square()).sum(), 1.0, 1e-10) << n;
  }
  EXPECT_THROW((void)nt::gauss_hermite(0), nt::invalid_argument);
  EXPECT_THROW((quadrature_options{1, true}.validate()), nt::invalid_argument);
}

TEST(GaussLegendre, IntegratesPolynomialsAndSmoothFunctions) {
  for (int n : {1, 2, 5, 16, 64, 256}) {
    const auto& rule = nt::gauss_legendre(n);
    ASSERT_EQ(rule.nodes.size(), n);
    EXPECT_TRUE((rule.weights > 0).all()) << n;
    // Exact for degree <= 2n - 1: int_{-1}^{1} x^{2k} dx = 2 / (2k + 1), odd powers vanish.
    for (int k = 0; 2 * k <= std::min(2 * n - 1, 40); ++k) {
      EXPECT_NEAR((rule.weights * rule.nodes.pow(2 * k)).sum(), 2.0 / (2 * k + 1), 1e-13) << n << " " << k;
      EXPECT_NEAR((rule.weights * rule.nodes.pow(2 * k + 1)).sum(), 0.0, 1e-14) << n << " " << k;
    }
  }
  // Spectral convergence for an analytic integrand: int_{-1}^{1} e^x dx = e - 1/e.
  const auto& rule = nt::gauss_legendre(2000);
  EXPECT_NEAR((rule.weights * rule.nodes.exp()).sum(), std::exp(1.0) - std::exp(-1.0), 1e-12);
  EXPECT_THROW((void)nt::gauss_legendre(0), nt::invalid_argument);
  EXPECT_THROW((void)nt::gauss_legendre(20001), nt::invalid_argument);
}

// Independent closed forms: E[cos(sqrt(q) z)] = e^{-q/2}; for a pair,
// E[cos u1 cos u2] = (e^{-(q1+q2-2q12)/2} + e^{-(q1+q2+2q12)/2}) / 2.
TEST(GaussianExpectation, MatchesCharacteristicFunction) {
  for (double q : {0.1, 1.0, 3.0}) {
    EXPECT_NEAR(nt::gaussian_expectation([](double u) { return std::cos(u); }, q, 40), std::exp(-q / 2), 1e-13);
  }
  const double q1 = 0.7, q2 = 1.3, q12 = 0.4;
  const double exact = 0.5 * (std::exp(-(q1 + q2 - 2 * q12) / 2) + std::exp(-(q1 + q2 + 2 * q12) / 2));
  auto c = [](double u) { return std::cos(u); };
  EXPECT_NEAR(nt::gaussian_pair_expectation(c, c, q1, q2, q12, 40), exact, 1e-13);
  auto id = [](double u) { return u; };
  EXPECT_NEAR(nt::gaussian_pair_expectation(id, id, q1, q2, q12, 4), q12, 1e-14);
}

// The automatic rule against high-order Gauss-Hermite for smooth phi, at small and large q
// (large q is where a fixed low Gauss-Hermite order fails: tanh at q = 12.6 needs ~800 nodes).
TEST(ActivationMoments, AutomaticRuleIsSpectrallyAccurateForSmoothPhi) {
  for (const char* name : {"tanh", "sigmoid", "gelu", "swish", "erf"}) {
    const auto& a = activation_by_name(name);
    for (double q : {1e-4, 0.3, 1.0, 4.0, 12.6}) {
      const auto fast = nt::activation_moments(a, q, quadrature_options{0, false});
      const auto ref = nt::activation_moments(a, q, quadrature_options{2000, false});
      EXPECT_NEAR(fast.phi2, ref.phi2, 1e-12 * (1 + ref.phi2)) << name << " q=" << q;
      EXPECT_NEAR(fast.dphi2, ref.dphi2, 1e-12) << name << " q=" << q;
      EXPECT_NEAR(fast.dq_phi2, ref.dq_phi2, 1e-11) << name << " q=" << q;
      EXPECT_NEAR(fast.d2phi2, ref.d2phi2, 1e-11) << name << " q=" << q;
    }
  }
}

TEST(ActivationMoments, LengthDerivativeMatchesFiniteDifference) {
  for (const auto& name : nt::activation_names()) {
    const auto& a = activation_by_name(name);
    for (double q : {0.2, 1.1, 5.0}) {
      const double h = 1e-5 * q;
      const quadrature_options quad{0, true};
      const double fd =
          (nt::activation_moments(a, q + h, quad).phi2 - nt::activation_moments(a, q - h, quad).phi2) / (2 * h);
      EXPECT_NEAR(nt::activation_moments(a, q, quad).dq_phi2, fd, 1e-7) << name << " q=" << q;
    }
  }
}

// Closed forms (used for relu, erf, hard_tanh, linear) against quadrature and stated values.
TEST(ActivationMoments, ClosedFormsAgreeWithQuadrature) {
  const auto& erf = activation_by_name("erf");
  for (double q : {0.05, 0.8, 6.0}) {
    const auto closed = nt::activation_moments(erf, q, quadrature_options{0, true});
    const auto quad = nt::activation_moments(erf, q, quadrature_options{0, false});
    EXPECT_NEAR(closed.phi2, quad.phi2, 1e-12);
    EXPECT_NEAR(closed.dphi2, quad.dphi2, 1e-12);
    EXPECT_NEAR(closed.dq_phi2, quad.dq_phi2, 1e-11);
    EXPECT_NEAR(closed.d2phi2, quad.d2phi2, 1e-11);
    const auto pc = nt::activation_pair_moments(erf, q, 0.7 * q, 0.5 * q, quadrature_options{0, true});
    const auto pq = nt::activation_pair_moments(erf, q, 0.7 * q, 0.5 * q, quadrature_options{0, false});
    EXPECT_NEAR(pc.phi_phi, pq.phi_phi, 1e-11);
    EXPECT_NEAR(pc.dphi_dphi, pq.dphi_dphi, 1e-11);
  }
  // Values stated in the theory notes (section 4): hard-tanh E[phi'^2] at q = 0.7 is
  // erf(1/sqrt(1.4)); relu's c-map at c = 0.3, sigma_w2 = 2 is 0.48274428 (arc-cosine kernel).
  EXPECT_NEAR(nt::activation_moments(activation_by_name("hard_tanh"), 0.7, {}).dphi2, 0.768002276, 1e-9);
  const double q = 1.3;
  EXPECT_NEAR(2.0 * nt::activation_pair_moments(activation_by_name("relu"), q, q, 0.3 * q, {}).phi_phi / q, 0.48274428,
              1e-8);
}

// The accuracy of quadrature on kinked activations, measured against their closed forms: it
// converges only algebraically, which is why the closed forms are used. Printed as a table.
TEST(ActivationMoments, QuadratureOnKinkedActivationsConvergesSlowly) {
  const auto& relu = activation_by_name("relu");
  const auto& hard = activation_by_name("hard_tanh");
  const double q = 0.7;
  const auto relu_exact = *relu.closed_kernel(q, q, 0.5 * q);
  const auto relu_dexact = *relu.closed_derivative_kernel(q, q, 0.5 * q);
  const auto hard_exact = *hard.closed_length_moments(q);
  std::printf("  order   relu E[phi phi]   relu E[phi' phi']   hard_tanh E[phi^2]   hard_tanh E[phi'^2]\n");
  double prev_relu = 1.0;
  double prev_hard = 1.0;
  for (int order : {10, 40, 160, 640}) {
    const quadrature_options quad{order, false};
    const auto pr = nt::activation_pair_moments(relu, q, q, 0.5 * q, quad);
    const auto hm = nt::activation_moments(hard, q, quad);
    const double e_relu = std::abs(pr.phi_phi - relu_exact);
    const double e_drelu = std::abs(pr.dphi_dphi - relu_dexact);
    const double e_hard = std::abs(hm.phi2 - hard_exact.phi2);
    const double e_dhard = std::abs(hm.dphi2 - hard_exact.dphi2);
    std::printf("  %5d   %15.2e   %17.2e   %18.2e   %19.2e\n", order, e_relu, e_drelu, e_hard, e_dhard);
    // Errors fall, but far from spectrally: still above 1e-9 with hundreds of nodes for phi'.
    EXPECT_LT(e_relu, 0.02);
    EXPECT_LE(e_relu, prev_relu * 1.01);
    EXPECT_LE(e_hard, prev_hard * 1.01);
    prev_relu = e_relu;
    prev_hard = e_hard;
  }
  EXPECT_GT(std::abs(nt::activation_moments(hard, q, quadrature_options{640, false}).dphi2 - hard_exact.dphi2), 1e-9);
}

}  // namespace
