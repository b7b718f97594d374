// Mean-field theory against independent computations: values stated in the papers/notes, closed
// forms (relu), plain iteration of the maps (a second method for the Newton solves), and the
// measured decay rate of the iterated maps (for chi_c and the depth scales).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "neurotheory/core/error.hpp"
#include "neurotheory/signalprop/meanfield.hpp"

namespace {

namespace sp = nt::signalprop;

TEST(FixedPoint, TanhValuesStatedInTheLiterature) {
  // Poole et al. 2016 use standard deviations: sigma_w = 4, sigma_b = 0.3.
  const auto r = sp::fixed_point({"tanh", 16.0, 0.09, 0});
  ASSERT_TRUE(r.converged());
  EXPECT_NEAR(r.q_star, 12.604149, 2e-6);
  EXPECT_NEAR(r.chi1, 2.367261, 2e-6);
  EXPECT_NEAR(std::sqrt(r.chi1), 1.5386, 1e-4);  // per-layer length growth of a curve
  EXPECT_EQ(r.regime, sp::phase::chaotic);
  EXPECT_LT(r.c_star, 1.0);
}

TEST(FixedPoint, NewtonAgreesWithIteratingTheMaps) {
  for (double sw2 : {0.8, 1.4, 2.5, 4.0}) {
    const sp::network_params p{"tanh", sw2, 0.05, 0};
    const auto r = sp::fixed_point(p);
    const sp::mean_field mf(p);
    double q = 1.0;
    for (int l = 0; l < 2000; ++l) q = mf.length_map(q);
    EXPECT_NEAR(r.q_star, q, 1e-12 * q) << sw2;
    EXPECT_LT(r.q_iterations, 12) << "Newton should need a handful of steps";
    if (r.chi1 > 1.0) {
      double c = 0.0;
      for (int l = 0; l < 3000; ++l) c = mf.correlation_map(c, r.q_star);
      EXPECT_NEAR(r.c_star, c, 1e-10) << sw2;
      EXPECT_LT(r.c_star, 1.0);
    } else {
      EXPECT_EQ(r.c_star, 1.0);
    }
  }
}

TEST(FixedPoint, DepthScalesMatchTheDecayOfTheIteratedMaps) {
  for (double sw2 : {1.2, 2.5}) {
    const sp::network_params p{"tanh", sw2, 0.05, 0};
    const auto r = sp::fixed_point(p);
    const sp::mean_field mf(p);
    // Length: q^{l+1} - q* = V'(q*) (q^l - q*) to first order.
    const double dq = 1e-5;
    const double q1 = mf.length_map(r.q_star + dq);
    EXPECT_NEAR((q1 - r.q_star) / dq, std::exp(-1.0 / r.xi_q), 1e-4);
    // Correlation: the same for c around c*; in the ordered phase c* = 1 and chi_c = chi_1.
    const double dc = 1e-5;
    const double c0 = r.c_star - dc;
    const double c1 = mf.correlation_map(c0, r.q_star);
    EXPECT_NEAR((r.c_star - c1) / dc, r.chi_c, 2e-4) << sw2;
    EXPECT_NEAR(r.xi_c, -1.0 / std::log(r.chi_c), 1e-12);
    EXPECT_NEAR(r.one_minus_chi_c, 1.0 - r.chi_c, 1e-15);
  }
}

TEST(FixedPoint, ReluClosedForms) {
  // V(q) = sigma_w2 q / 2 + sigma_b2: q* = sigma_b2 / (1 - sigma_w2 / 2), chi_1 = sigma_w2 / 2.
  for (double sw2 : {0.5, 1.0, 1.9}) {
    const auto r = sp::fixed_point({"relu", sw2, 0.3, 0});
    ASSERT_TRUE(r.converged());
    EXPECT_NEAR(r.q_star, 0.3 / (1.0 - sw2 / 2.0), 1e-12);
    EXPECT_NEAR(r.chi1, sw2 / 2.0, 1e-15);
    EXPECT_EQ(r.c_star, 1.0);
  }
  // Above sigma_w2 = 2 the length grows without bound: a status, not a number.
  const auto d = sp::fixed_point({"relu", 2.5, 0.1, 0});
  EXPECT_EQ(d.q_status, sp::solve_status::diverged);
  EXPECT_FALSE(d.converged());
  EXPECT_TRUE(std::isinf(d.q_star));
  EXPECT_TRUE(std::isnan(d.chi1));
}

TEST(Critical, TanhCriticalLineValues) {
  const auto a = sp::critical_point("tanh", 0.05);
  ASSERT_TRUE(a.found);
  EXPECT_NEAR(a.sigma_w2, 1.760955, 1e-6);
  EXPECT_NEAR(a.q_star, 0.570048, 1e-6);
  EXPECT_NEAR(a.chi1, 1.0, 1e-12);
  // The delta-orthogonal CNN paper's training point (Xiao et al. 2018).
  EXPECT_NEAR(sp::critical_point("tanh", 2.01e-5).sigma_w2, 1.049996, 1e-6);
  // At sigma_b2 = 0 the line starts at sigma_w = 1 / phi'(0) = 1.
  EXPECT_NEAR(sp::critical_point("tanh", 0.0).sigma_w2, 1.0, 1e-6);
  // The fixed point there is critical, and xi_c is huge.
  const auto fp = sp::fixed_point({"tanh", a.sigma_w2, 0.05, 0});
  EXPECT_NEAR(fp.chi1, 1.0, 1e-9);
  EXPECT_GT(fp.xi_c, 1e5);
}

TEST(Critical, ReluIsCriticalOnlyAtTwoZero) {
  const auto r = sp::critical_point("relu", 0.0);
  EXPECT_TRUE(r.found);
  EXPECT_DOUBLE_EQ(r.sigma_w2, 2.0);
  EXPECT_TRUE(std::isnan(r.q_star));  // marginal: every q is a fixed point
  const auto none = sp::critical_point("relu", 0.1);
  EXPECT_FALSE(none.found);
  EXPECT_FALSE(none.note.empty());
}

TEST(Critical, ParametricLineHasChiOneEverywhere) {
  const Eigen::ArrayXd q = Eigen::ArrayXd::LinSpaced(7, 0.05, 3.0);
  for (const char* name : {"tanh", "erf", "hard_tanh"}) {
    const auto line = sp::critical_line(name, q);
    for (Eigen::Index i = 0; i < q.size(); ++i) {
      if (line.sigma_b2[i] < 0) continue;
      const auto fp = sp::fixed_point({name, line.sigma_w2[i], line.sigma_b2[i], 0});
      EXPECT_NEAR(fp.q_star, q[i], 1e-9 * q[i]) << name;
      EXPECT_NEAR(fp.chi1, 1.0, 1e-9) << name;
    }
  }
}

// Power-law approach of c to 1 at criticality, where xi_c diverges (theory notes 1.4):
// smooth odd phi: 1 - c^l ~ A / l; relu at (2, 0): 1 - c^l -> 9 pi^2 / (2 l^2).
TEST(Critical, PowerLawApproachAtCriticality) {
  const auto crit = sp::critical_point("tanh", 0.05);
  const sp::network_params p{"tanh", crit.sigma_w2, 0.05, 0};
  const sp::mean_field mf(p);
  double c = 0.2;
  double at_half = 0.0;
  for (int l = 1; l <= 4000; ++l) {
    c = mf.correlation_map(c, crit.q_star);
    if (l == 2000) at_half = 2000.0 * (1.0 - c);
  }
  const double at_full = 4000.0 * (1.0 - c);
  EXPECT_NEAR(at_full / at_half, 1.0, 0.01);  // l (1 - c^l) has converged to a constant
  EXPECT_NEAR(at_full, 6.2, 0.2);

  const sp::mean_field relu({"relu", 2.0, 0.0, 0});
  double cr = 0.0;
  for (int l = 1; l <= 3000; ++l) cr = relu.correlation_map(cr, 1.0);
  EXPECT_NEAR(3000.0 * 3000.0 * (1.0 - cr) / (9.0 * std::numbers::pi * std::numbers::pi / 2.0), 1.0, 0.03);
}

TEST(Trajectory, ConvergesToTheFixedPointAndTracksGradients) {
  const sp::network_params p{"tanh", 2.5, 0.05, 0};
  const auto fp = sp::fixed_point(p);
  const auto t = sp::trajectory(p, 3.0, 0.2, 0.6, 60);
  // c converges on the scale xi_c (~14 layers here): follow it much longer.
  const auto long_run = sp::trajectory(p, 3.0, 0.2, 0.6, 600);
  EXPECT_NEAR(long_run.c[600], fp.c_star, 1e-10);
  EXPECT_NEAR(t.q_a[1], 2.5 * 3.0 + 0.05, 1e-14);  // layer 1 = W x^0 + b
  EXPECT_NEAR(t.q_a[60], fp.q_star, 1e-10);
  EXPECT_NEAR(t.q_b[60], fp.q_star, 1e-10);
  EXPECT_NEAR(t.c[60] - fp.c_star, (t.c[59] - fp.c_star) * fp.chi_c, 1e-6);  // linear regime
  // Backward pass: the squared gradient grows by chi(q^l) per layer toward the input.
  for (int l = 1; l < 60; ++l) EXPECT_NEAR(t.gradient[l], t.gradient[l + 1] * t.chi[l], 1e-12 * t.gradient[l]);
  EXPECT_NEAR(t.chi[60], fp.chi1, 1e-10);
}

TEST(Validation, BadParametersNameTheField) {
  auto expect_field = [](auto&& call, const std::string& field) {
    try {
      call();
      FAIL() << "no exception for " << field;
    } catch (const nt::invalid_argument& e) {
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  expect_field([] { (void)sp::fixed_point({"tanh", -1.0, 0.0, 0}); }, "sigma_w2");
  expect_field([] { (void)sp::fixed_point({"tanh", 1.0, std::nan(""), 0}); }, "sigma_b2");
  expect_field([] { (void)sp::fixed_point({"foo", 1.0, 0.0, 0}); }, "activation");
  expect_field([] { (void)sp::fixed_point({"tanh", 1.0, 0.0, 0}, {1.0, 2.0, 1e-13, 10}); }, "c0");
  expect_field([] { (void)sp::trajectory({"tanh", 1.0, 0.0, 0}, 1.0, 1.0, 0.5, 0); }, "depth");
}

}  // namespace
