// The initialization designer against the closed forms of Pennington et al. 2017 (variance on the
// critical line, Table 1 / docs/theory/isometry.md) and an independent quadrature of mu_k.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/isometry/design.hpp"
#include "neurotheory/signalprop/meanfield.hpp"

namespace {

using nt::isometry::design;
using nt::isometry::design_options;

// E[f(sqrt(q) z)] by the trapezoid rule on [-14, 14] (spectrally accurate for smooth f).
template <class F>
double expect(F f, double q) {
  constexpr int n = 40001;
  const double h = 28.0 / (n - 1);
  double s = 0;
  for (int i = 0; i < n; ++i) {
    const double z = -14.0 + h * i;
    s += f(std::sqrt(q) * z) * std::exp(-0.5 * z * z);
  }
  return s * h / std::sqrt(2.0 * std::numbers::pi);
}

double tanh_excess(double q) {  // mu2/mu1^2 - 1 for tanh, phi'^2 = sech^4
  auto sech4 = [](double x) { return std::pow(1.0 / std::cosh(x), 4); };
  auto sech8 = [](double x) { return std::pow(1.0 / std::cosh(x), 8); };
  const double mu1 = expect(sech4, q);
  return expect(sech8, q) / (mu1 * mu1) - 1.0;
}

design_options options(const std::string& activation, int depth, const std::string& weights, double target = 0.25) {
  design_options o;
  o.activation = activation;
  o.depth = depth;
  o.weights = weights;
  o.max_variance = target;
  return o;
}

TEST(IsometryDesign, TanhOrthogonalMeetsTheTargetOnTheCriticalLine) {
  const auto r = design(options("tanh", 200, "orthogonal"));
  EXPECT_TRUE(r.target_met);
  EXPECT_TRUE(r.isometry_reachable);
  // The largest feasible q*: the variance sits on the target (bisection to ~1e-12 in log q*).
  EXPECT_NEAR(r.variance, 0.25, 1e-6);
  // Independent: 200 (mu2/mu1^2 - 1) at the returned q*, by a separate quadrature.
  EXPECT_NEAR(200.0 * tanh_excess(r.q_star), r.variance, 1e-7);
  // On the critical line: chi_1 = sigma_w2 E[sech^4(sqrt(q*) z)] = 1 and q* is the length fixed point.
  const double mu1 = expect([](double x) { return std::pow(1.0 / std::cosh(x), 4); }, r.q_star);
  EXPECT_NEAR(r.sigma_w2 * mu1, 1.0, 1e-9);
  const auto fp = nt::signalprop::fixed_point({"tanh", r.sigma_w2, r.sigma_b2, 0});
  EXPECT_NEAR(fp.q_star / r.q_star, 1.0, 1e-6);
  EXPECT_NEAR(r.chi1, 1.0, 1e-8);
  EXPECT_FALSE(std::isfinite(r.xi_c));  // the correlation depth scale diverges on the critical line
  EXPECT_NE(r.verdict.find("reachable"), std::string::npos);
}

TEST(IsometryDesign, DeeperNetworksNeedSmallerQStarLikeInverseSquareRootOfDepth) {
  // Small q*: mu2/mu1^2 - 1 ~ 8 q*^2 (tanh), so L q*^2 is fixed: q*(4L) / q*(L) -> 1/2 with O(q*)
  // corrections (q* ~ 0.01 here: a few per cent).
  const auto a = design(options("tanh", 200, "orthogonal"));
  const auto b = design(options("tanh", 800, "orthogonal"));
  EXPECT_LT(b.q_star, a.q_star);
  EXPECT_NEAR(b.q_star / a.q_star, 0.5, 0.03);
}

TEST(IsometryDesign, ReluCannotReachIsometry) {
  const auto orth = design(options("relu", 50, "orthogonal"));
  EXPECT_FALSE(orth.target_met);
  EXPECT_FALSE(orth.isometry_reachable);
  EXPECT_NEAR(orth.sigma_w2, 2.0, 1e-12);
  EXPECT_NEAR(orth.sigma_b2, 0.0, 1e-12);
  EXPECT_NEAR(orth.variance, 50.0, 1e-9);  // L for orthogonal weights
  EXPECT_NE(orth.verdict.find("relu cannot reach"), std::string::npos);
  const auto gauss = design(options("relu", 50, "gaussian"));
  EXPECT_NEAR(gauss.variance, 100.0, 1e-9);  // 2L for Gaussian weights
}

TEST(IsometryDesign, GaussianWeightsNeverReachIsometry) {
  const auto r = design(options("tanh", 100, "gaussian"));
  EXPECT_FALSE(r.target_met);
  EXPECT_FALSE(r.isometry_reachable);
  EXPECT_GE(r.variance, 100.0);  // L mu2/mu1^2 >= L
  EXPECT_NE(r.verdict.find("Gaussian weights cannot"), std::string::npos);
}

TEST(IsometryDesign, LinearOrthogonalIsExactlyIsometric) {
  const auto r = design(options("linear", 1000, "orthogonal"));
  EXPECT_TRUE(r.target_met);
  EXPECT_NEAR(r.variance, 0.0, 1e-12);
  EXPECT_NEAR(r.sigma_w2, 1.0, 1e-12);
}

TEST(IsometryDesign, HardTanhVarianceFollowsTheBernoulliLaw) {
  // var = L (1/p - 1) with p = erf(1/sqrt(2 q*)) on the critical line (sigma_w2 = 1/p).
  const auto r = design(options("hard_tanh", 64, "orthogonal"));
  EXPECT_TRUE(r.target_met);
  const double p = std::erf(1.0 / std::sqrt(2.0 * r.q_star));
  EXPECT_NEAR(r.variance, 64.0 * (1.0 / p - 1.0), 1e-9);
  EXPECT_NEAR(r.sigma_w2, 1.0 / p, 1e-9);
}

TEST(IsometryDesign, SigmoidHasNoCriticalPointNearTheLinearRegime) {
  // sigmoid(0) = 1/2: sigma_b2(q*) = q* - sigma_w2 E[phi^2] < 0 at small q*, so the spread cannot be
  // made small (Pennington et al. 2017: the nonzero mean of the logistic function).
  const auto r = design(options("sigmoid", 100, "orthogonal"));
  EXPECT_FALSE(r.isometry_reachable);
  EXPECT_GE(r.sigma_b2, 0.0);
}

TEST(IsometryDesign, BadInputNamesTheField) {
  auto field_of = [](design_options o) {
    try {
      design(o);
    } catch (const nt::invalid_argument& e) {
      return e.field();
    }
    return std::string("none");
  };
  auto o = options("tanh", 0, "orthogonal");
  EXPECT_EQ(field_of(o), "depth");
  o = options("tanh", 10, "haar");
  EXPECT_EQ(field_of(o), "weights");
  o = options("tanh", 10, "orthogonal", -1.0);
  EXPECT_EQ(field_of(o), "max_variance");
  o = options("nope", 10, "orthogonal");
  EXPECT_EQ(field_of(o), "activation");
  o = options("tanh", 10, "orthogonal");
  o.max_condition = 0.5;
  EXPECT_EQ(field_of(o), "max_condition");
}

}  // namespace
