// Mean-field recursions for a great circle [P16] against an independent two-dimensional quadrature
// of the layer map of (h, v, a), the known value of docs/theory/signalprop.md section 4, and closed
// forms (relu at He initialization, Rice's formula at layer 1).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/expressivity/manifold.hpp"

namespace {

using nt::expressivity::circle_params;
using nt::expressivity::manifold_theory;

circle_params circle(const std::string& activation, double sigma_w2, double sigma_b2, int depth, double q0 = -1.0) {
  circle_params p;
  p.network = {activation, sigma_w2, sigma_b2, 0};
  p.depth = depth;
  p.q0 = q0;
  return p;
}

double sech2(double x) {
  const double c = std::cosh(x);
  return 1.0 / (c * c);
}

// One layer of tanh applied to per-neuron Gaussian (h, v, a) with E h^2 = q, E v^2 = g, E a^2 = A,
// E hv = E va = 0, E ha = -g (the circle's constraints), computed without the integration-by-parts
// simplification: A' = sigma_w2 E[(phi'(h) a + phi''(h) v^2)^2] by a 2-D trapezoid rule over (h, a)
// with the v moments (E v^2 = g, E v^4 = 3 g^2) done exactly. Returns (g', A').
std::pair<double, double> tanh_layer(double sigma_w2, double q, double g, double a_var) {
  constexpr int n = 1201;
  const double lo = -9.0;
  const double h = 18.0 / (n - 1);
  const double resid = std::sqrt(a_var - g * g / q);
  double dphi2 = 0, acc = 0;
  for (int i = 0; i < n; ++i) {
    const double z1 = lo + h * i;
    const double w1 = std::exp(-0.5 * z1 * z1);
    const double x = std::sqrt(q) * z1;
    const double d1 = sech2(x);
    const double d2 = -2.0 * std::tanh(x) * d1;
    dphi2 += w1 * d1 * d1;
    for (int j = 0; j < n; ++j) {
      const double z2 = lo + h * j;
      const double w = w1 * std::exp(-0.5 * z2 * z2);
      const double a = -(g / q) * x + resid * z2;
      acc += w * (d1 * d1 * a * a + 2.0 * d1 * d2 * a * g + 3.0 * d2 * d2 * g * g);
    }
  }
  const double norm1 = h / std::sqrt(2.0 * std::numbers::pi);
  return {sigma_w2 * dphi2 * norm1 * g, sigma_w2 * acc * norm1 * norm1};
}

TEST(ManifoldTheory, CurvatureRecursionMatchesTheFullLayerMapOffTheFixedPoint) {
  // q0 away from q* so that q changes from layer to layer; two layers checked in sequence.
  const double w2 = 2.5, b2 = 0.1, q0 = 0.5;
  const auto t = manifold_theory(circle("tanh", w2, b2, 3, q0));
  double q = q0, g = q0, a_var = q0;  // the great circle: A = q, kbar^2 = 1/q
  for (int l = 1; l < 3; ++l) {
    const auto [g_next, a_next] = tanh_layer(w2, q, g, a_var);
    EXPECT_NEAR(t.length2[l] / g_next, 1.0, 1e-9) << "layer " << l + 1;
    EXPECT_NEAR(t.curvature2[l] / (a_next / (g_next * g_next)), 1.0, 1e-9) << "layer " << l + 1;
    // (L^G / 2 pi)^2 = A / g.
    EXPECT_NEAR(t.grassmannian[l] / (2.0 * std::numbers::pi * std::sqrt(a_next / g_next)), 1.0, 1e-9);
    q = t.q[l];
    g = g_next;
    a_var = a_next;
  }
}

TEST(ManifoldTheory, ChaoticTanhGrowsByTheKnownFactorAndCurvatureSaturates) {
  // sigma_w = 4, sigma_b = 0.3 (standard deviations): q* = 12.604149, chi_1 = 2.367261, a curve's
  // length grows by 1.5386 per layer (docs/theory/signalprop.md section 4).
  const auto t = manifold_theory(circle("tanh", 16.0, 0.09, 200));
  EXPECT_EQ(t.phase, "chaotic");
  EXPECT_NEAR(t.q_star, 12.604149, 2e-6);
  EXPECT_NEAR(t.length_growth_star, std::sqrt(2.367261), 2e-6);
  EXPECT_NEAR(t.length_growth[5], 1.5386, 1e-4);
  // kbar^2 -> 3 chi_2 / (chi_1 (chi_1 - 1)) geometrically with ratio 1/chi_1.
  EXPECT_NEAR(t.curvature2[199] / t.curvature2_star, 1.0, 1e-12);
  EXPECT_NEAR(t.curvature2_star, 3.0 * t.chi2 / (t.chi1 * (t.chi1 - 1.0)), 1e-12);
  // L^G grows like chi_1^{l/2} at large depth.
  EXPECT_NEAR(t.grassmannian[150] / t.grassmannian[149], t.length_growth_star, 1e-9);
}

TEST(ManifoldTheory, OrderedPhaseShrinksTheCurveAndHasNoCurvatureFixedPoint) {
  const auto t = manifold_theory(circle("tanh", 0.8, 0.05, 30));
  EXPECT_EQ(t.phase, "ordered");
  EXPECT_LT(t.length[29], t.length[0]);
  EXPECT_TRUE(std::isnan(t.curvature2_star));
  EXPECT_GT(t.curvature2[29], t.curvature2[0]);  // the shrinking curve bends more
}

TEST(ManifoldTheory, ReluAtHeInitializationPreservesLength) {
  // chi = sigma_w2 / 2 = 1 at every q: no growth (Hanin, Jeong & Rolnick 2022); curvature is a delta
  // at each kink (infinite in mean field); two zero crossings per neuron per layer (Rice).
  const auto t = manifold_theory(circle("relu", 2.0, 0.0, 10, 1.0));
  for (int l = 0; l < 10; ++l) {
    EXPECT_NEAR(t.length[l], 2.0 * std::numbers::pi, 1e-12);
    EXPECT_NEAR(t.transitions[l], 2.0, 1e-12);
  }
  EXPECT_TRUE(std::isinf(t.curvature2[3]));
}

TEST(ManifoldTheory, HardTanhTransitionsFollowRice) {
  const double q0 = 0.7;
  const auto t = manifold_theory(circle("hard_tanh", 1.5, 0.05, 4, q0));
  // Layer 1: h_i(theta) = r_i cos(theta - phi_i) with r_i^2 ~ q0 chi^2_2 crosses +-1 four times when
  // r_i > 1: expected 4 P(r > 1) = 4 exp(-1 / (2 q0)).
  EXPECT_NEAR(t.transitions[0], 4.0 * std::exp(-1.0 / (2.0 * q0)), 1e-12);
  EXPECT_TRUE(std::isnan(manifold_theory(circle("tanh", 1.5, 0.05, 2)).transitions[0]));
}

TEST(ManifoldTheory, ShallowNetworksNeedExponentialWidth) {
  const auto p = circle("tanh", 16.0, 0.09, 12);
  const auto t = manifold_theory(p);
  const auto s = nt::expressivity::shallow_equivalent(p, 1000);
  ASSERT_EQ(s.depth.size(), 11);
  // At the fixed point gbar grows by chi_1 per layer: M(L) = N chi_1^(L-2).
  EXPECT_NEAR(s.width_needed[10] / (1000.0 * std::pow(t.chi1, 10)), 1.0, 1e-9);
  EXPECT_NEAR(s.grassmannian_shallow, t.grassmannian[1], 1e-12);
}

TEST(ManifoldTheory, BadInputNamesTheField) {
  auto field_of = [](const circle_params& p) {
    try {
      (void)manifold_theory(p);
    } catch (const nt::invalid_argument& e) {
      return e.field();
    }
    return std::string("none");
  };
  EXPECT_EQ(field_of(circle("tanh", 1.5, 0.05, 0)), "depth");
  EXPECT_EQ(field_of(circle("tanh", 1.5, 0.05, 5, 0.0)), "q0");
  EXPECT_EQ(field_of(circle("tanh", -1.0, 0.05, 5)), "sigma_w2");
  // A length map without an attracting fixed point (relu with chi_1 > 1 diverges): q0 must be given.
  EXPECT_EQ(field_of(circle("relu", 3.0, 0.1, 5)), "q0");
}

}  // namespace
