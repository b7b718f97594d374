// Finite networks against the mean-field theory of a propagated circle [P16] and trajectories
// [R17]. Tolerances: 4 standard errors of the mean over 8 seeds (t with 7 degrees of freedom:
// P(|t| > 4) = 0.5% per comparison) plus the finite-width bias, ((5 + s (l - 1)) / N) relative:
// 5 / N for the O(1/N) corrections of the recursions, and s for nonlinear measures. Per point,
// |v|^2 = V (1 + delta) with Var(delta) ~ 2 (l - 1) / N (one chi-square with N degrees of freedom per
// layer), so by Jensen the chord length (|v|) and L^G (|a_perp| / |v|) are biased by ~ (l - 1) / N
// (s = 1) and kbar^2 = N |a_perp|^2 / |v|^4 by ~ 3 Var(delta) = 6 (l - 1) / N (s = 6; measured
// +1.2% at l = 5, N = 1000 and +0.7% at l = 10, N = 2000); q and gbar are linear (s = 0).
// Finite differences are compared with the exact (forward-mode) derivatives of the same networks,
// where they differ only by the discretisation, O(dtheta^2).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/expressivity/manifold.hpp"

namespace {

namespace ex = nt::expressivity;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

ex::manifold_simulation_options options(const char* activation, double sigma_w2, double sigma_b2, int width, int points,
                                        int depth, int seeds) {
  ex::manifold_simulation_options o;
  o.circle.network = {activation, sigma_w2, sigma_b2, 0};
  o.circle.depth = depth;
  o.width = width;
  o.points = points;
  o.seeds = seeds;
  o.seed = 7;
  return o;
}

// |mean - theory| <= 4 sem + ((5 + slope (l - 1)) / N + extra[l]) |theory| at layers l >= first + 1.
void expect_layers(const Eigen::ArrayXd& mean, const Eigen::ArrayXd& sem, const Eigen::ArrayXd& theory, int width,
                   double slope, const char* what, Eigen::Index first, const Eigen::ArrayXd& extra) {
  ASSERT_EQ(mean.size(), theory.size()) << what;
  for (Eigen::Index l = first; l < mean.size(); ++l) {
    ASSERT_TRUE(std::isfinite(mean[l]) && std::isfinite(sem[l])) << what << " at layer " << l + 1;
    const double bias = (5.0 + slope * static_cast<double>(l)) / width + extra[l];
    EXPECT_NEAR(mean[l], theory[l], 4.0 * sem[l] + bias * std::abs(theory[l]))
        << what << " at layer " << l + 1 << " (sem " << sem[l] << ")";
  }
}

void expect_layers(const Eigen::ArrayXd& mean, const Eigen::ArrayXd& sem, const Eigen::ArrayXd& theory, int width,
                   double slope, const char* what, Eigen::Index first = 1, double extra = 0.0) {
  expect_layers(mean, sem, theory, width, slope, what, first, Eigen::ArrayXd::Constant(mean.size(), extra));
}

// Discretisation error allowed for the finite differences, per layer: central differences miss
// |v|^2 by ~ dtheta^2 omega^2 / 3 where the chord sum misses the length by dtheta^2 omega^2 / 24,
// so the gap to the half-resolution length, ~ dtheta^2 omega^2 / 8, bounds it by 8/3 of that gap.
Eigen::ArrayXd discretisation(const ex::manifold_simulation_result& r) {
  return 0.002 + 3.0 * ((r.length_mean - r.length_half_mean) / r.length_mean).abs();
}

// Finite differences against the exact derivatives of the same networks: discretisation only.
void expect_close(const Eigen::ArrayXd& fd, const Eigen::ArrayXd& exact, const Eigen::ArrayXd& relative,
                  const char* what) {
  for (Eigen::Index l = 0; l < fd.size(); ++l) {
    EXPECT_NEAR(fd[l], exact[l], relative[l] * std::abs(exact[l])) << what << " at layer " << l + 1;
  }
}

// Every array of two results equal, NaN where NaN.
void expect_same(const Eigen::ArrayXd& a, const Eigen::ArrayXd& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) {
      EXPECT_TRUE(std::isnan(b[i])) << what << " " << i;
    } else {
      EXPECT_EQ(a[i], b[i]) << what << " " << i;
    }
  }
}

void expect_same(const ex::manifold_simulation_result& a, const ex::manifold_simulation_result& b) {
  expect_same(a.q_mean, b.q_mean, "q");
  expect_same(a.length2_mean, b.length2_mean, "length2");
  expect_same(a.length_mean, b.length_mean, "length");
  expect_same(a.length_sem, b.length_sem, "length sem");
  expect_same(a.length_half_mean, b.length_half_mean, "length_half");
  expect_same(a.curvature2_mean, b.curvature2_mean, "curvature2");
  expect_same(a.grassmannian_mean, b.grassmannian_mean, "grassmannian");
  expect_same(a.length2_exact_mean, b.length2_exact_mean, "length2_exact");
  expect_same(a.curvature2_exact_mean, b.curvature2_exact_mean, "curvature2_exact");
  expect_same(a.grassmannian_exact_mean, b.grassmannian_exact_mean, "grassmannian_exact");
  expect_same(a.transitions_mean, b.transitions_mean, "transitions");
  expect_same(a.regions_mean, b.regions_mean, "regions");
}

class thread_count_guard {
 public:
  explicit thread_count_guard(int threads) : previous_(nt::thread_count()) { nt::set_thread_count(threads); }
  ~thread_count_guard() { nt::set_thread_count(previous_); }
  thread_count_guard(const thread_count_guard&) = delete;
  thread_count_guard& operator=(const thread_count_guard&) = delete;

 private:
  int previous_;
};

TEST(ManifoldSimulation, LayerOneIsTheExactCircle) {
  auto o = options("tanh", 4.0, 0.09, 300, 64, 1, 2);
  o.circle.q0 = 0.7;
  o.pca_layers = {1};
  const auto r = ex::simulate_manifold(o);
  const double k = 64, q0 = 0.7, d = kTwoPi / k;
  const double sv = std::sin(d) / d, sa = std::pow(std::sin(d / 2) / (d / 2), 2);  // FD factors of v and a
  EXPECT_NEAR(r.q_mean[0], q0, 1e-12);
  EXPECT_NEAR(r.length_mean[0], 2.0 * k * std::sin(std::numbers::pi / k) * std::sqrt(q0), 1e-11);
  EXPECT_NEAR(r.length_half_mean[0], k * std::sin(kTwoPi / k) * std::sqrt(q0), 1e-11);
  EXPECT_NEAR(r.length2_mean[0], q0 * sv * sv, 1e-12);
  EXPECT_NEAR(r.curvature2_mean[0], sa * sa / (q0 * std::pow(sv, 4)), 1e-9);
  EXPECT_NEAR(r.grassmannian_mean[0], kTwoPi * sa / sv, 1e-10);
  EXPECT_NEAR(r.length2_exact_mean[0], q0, 1e-12);
  EXPECT_NEAR(r.curvature2_exact_mean[0], 1.0 / q0, 1e-10);
  EXPECT_NEAR(r.grassmannian_exact_mean[0], kTwoPi, 1e-11);
  EXPECT_NEAR(r.transitions_mean[0], 2.0, 1e-12);  // every neuron changes sign twice
  EXPECT_TRUE(std::isnan(r.regions_mean[0]));      // tanh has no linear regions
  EXPECT_EQ(r.resolved[0], 1.0);
  // PCA: a planar circle of radius sqrt(q0), half the variance on each of two components.
  ASSERT_EQ(r.pca.size(), 1U);
  EXPECT_NEAR(r.pca_explained[0][0], 0.5, 1e-10);
  EXPECT_NEAR(r.pca_explained[0][1], 0.5, 1e-10);
  EXPECT_NEAR(r.pca_explained[0][2], 0.0, 1e-10);
  const Eigen::ArrayXd radius = (r.pca[0].col(0).square() + r.pca[0].col(1).square()).sqrt();
  EXPECT_NEAR(radius.minCoeff(), std::sqrt(q0), 1e-10);
  EXPECT_NEAR(radius.maxCoeff(), std::sqrt(q0), 1e-10);
}

// Chaotic tanh (chi_1 = 1.33): gbar grows 7-fold over 8 layers, kbar^2 rises from 1/q* = 0.44
// towards kbar*^2 = 6.6, L^G grows; 256 points keep the curve resolved.
TEST(ManifoldSimulation, ChaoticTanhFollowsTheMeanFieldTheory) {
  const auto o = options("tanh", 4.0, 0.09, 1000, 256, 8, 8);
  const auto r = ex::simulate_manifold(o);
  const auto t = ex::manifold_theory(o.circle);
  EXPECT_EQ(t.phase, "chaotic");
  const int n = o.width;
  expect_layers(r.q_mean, r.q_sem, t.q, n, 0.0, "q");
  expect_layers(r.length2_exact_mean, r.length2_exact_sem, t.length2, n, 0.0, "gbar (exact)");
  expect_layers(r.curvature2_exact_mean, r.curvature2_exact_sem, t.curvature2, n, 6.0, "kbar^2 (exact)");
  expect_layers(r.grassmannian_exact_mean, r.grassmannian_exact_sem, t.grassmannian, n, 1.0, "L^G (exact)");
  // Finite differences: the same, with the discretisation error the resolution check bounds.
  const Eigen::ArrayXd disc = discretisation(r);
  expect_layers(r.length2_mean, r.length2_sem, t.length2, n, 0.0, "gbar (finite differences)", 1, disc);
  expect_layers(r.length_mean, r.length_sem, t.length, n, 1.0, "length (chords)", 1, disc);
  expect_layers(r.curvature2_mean, r.curvature2_sem, t.curvature2, n, 6.0, "kbar^2 (finite differences)", 1, disc);
  expect_layers(r.grassmannian_mean, r.grassmannian_sem, t.grassmannian, n, 1.0, "L^G (finite differences)", 1, disc);
  expect_close(r.length2_mean, r.length2_exact_mean, disc, "gbar: finite differences vs exact");
  expect_close(r.curvature2_mean, r.curvature2_exact_mean, disc, "kbar^2: finite differences vs exact");
  expect_close(r.grassmannian_mean, r.grassmannian_exact_mean, disc, "L^G: finite differences vs exact");
  // The circle stays resolved (chord sums at full and half resolution within 1%) through layer 6.
  EXPECT_TRUE((r.resolved.head(6) == 1.0).all());
  EXPECT_GT(r.length_mean[7], 2.0 * r.length_mean[0]);  // exponential growth
  EXPECT_GT(r.gflops, 0.0);
}

// Ordered tanh (chi_1 = 0.65): the circle shrinks (gbar / 20 over 8 layers) and kbar^2 grows
// like chi_1^-l.
TEST(ManifoldSimulation, OrderedTanhFollowsTheMeanFieldTheory) {
  const auto o = options("tanh", 0.8, 0.05, 1000, 128, 8, 8);
  const auto r = ex::simulate_manifold(o);
  const auto t = ex::manifold_theory(o.circle);
  EXPECT_EQ(t.phase, "ordered");
  const int n = o.width;
  expect_layers(r.q_mean, r.q_sem, t.q, n, 0.0, "q");
  expect_layers(r.length2_exact_mean, r.length2_exact_sem, t.length2, n, 0.0, "gbar (exact)");
  expect_layers(r.curvature2_exact_mean, r.curvature2_exact_sem, t.curvature2, n, 6.0, "kbar^2 (exact)");
  expect_layers(r.grassmannian_exact_mean, r.grassmannian_exact_sem, t.grassmannian, n, 1.0, "L^G (exact)");
  const Eigen::ArrayXd disc = discretisation(r);
  expect_layers(r.length2_mean, r.length2_sem, t.length2, n, 0.0, "gbar (finite differences)", 1, disc);
  expect_layers(r.curvature2_mean, r.curvature2_sem, t.curvature2, n, 6.0, "kbar^2 (finite differences)", 1, disc);
  expect_layers(r.grassmannian_mean, r.grassmannian_sem, t.grassmannian, n, 1.0, "L^G (finite differences)", 1, disc);
  expect_close(r.length2_mean, r.length2_exact_mean, disc, "gbar: finite differences vs exact");
  expect_close(r.curvature2_mean, r.curvature2_exact_mean, disc, "kbar^2: finite differences vs exact");
  EXPECT_LT(r.length_mean[7], 0.3 * r.length_mean[0]);
}

// Relu at He initialisation (chi = 1 at every q): no length growth with depth, and by Rice's formula
// 2 sign changes per neuron along the circle at every layer; the regions crossed only grow.
TEST(ManifoldSimulation, ReluAtHeInitKeepsItsLength) {
  auto o = options("relu", 2.0, 0.0, 1000, 256, 8, 8);
  o.circle.q0 = 1.0;
  o.exact_derivatives = false;
  const auto r = ex::simulate_manifold(o);
  const auto t = ex::manifold_theory(o.circle);
  const int n = o.width;
  const Eigen::ArrayXd disc = discretisation(r);
  expect_layers(r.length_mean, r.length_sem, Eigen::ArrayXd::Constant(8, kTwoPi), n, 1.0, "length", 0, disc);
  expect_layers(r.length2_mean, r.length2_sem, t.length2, n, 0.0, "gbar (finite differences)", 0, disc);
  expect_layers(r.transitions_mean, r.transitions_sem, t.transitions, n, 1.0, "transitions", 0, disc);
  EXPECT_NEAR(t.transitions[3], 2.0, 1e-6);
  EXPECT_TRUE(std::isnan(r.curvature2_exact_mean[0]));
  for (Eigen::Index l = 1; l < 8; ++l) EXPECT_GE(r.regions_mean[l], r.regions_mean[l - 1]);
  EXPECT_GT(r.regions_mean[7], r.transitions_mean[7]);
}

// Hard tanh at layer 1: neuron i is A_i cos(theta - theta_i) with A_i^2 ~ q0 chi^2_2, so it crosses
// +1 and -1 twice each when A_i > 1: 4 exp(-1 / (2 q0)) per neuron (Rice's formula, exact here).
TEST(ManifoldSimulation, HardTanhTransitionsAtLayerOne) {
  auto o = options("hard_tanh", 2.0, 0.05, 1000, 256, 2, 8);
  o.circle.q0 = 0.8;
  o.exact_derivatives = false;
  const auto r = ex::simulate_manifold(o);
  const double expected = 4.0 * std::exp(-1.0 / (2.0 * 0.8));
  EXPECT_NEAR(r.transitions_mean[0], expected, 4.0 * r.transitions_sem[0] + 2.0 / o.width);
  EXPECT_GT(r.regions_mean[0], 1.0);
  EXPECT_GE(r.regions_mean[1], r.regions_mean[0]);
}

// Orthogonal weights obey the same forward recursions.
TEST(ManifoldSimulation, OrthogonalWeightsFollowTheSameForwardTheory) {
  auto o = options("tanh", 4.0, 0.09, 400, 128, 6, 8);
  o.weights = "orthogonal";
  const auto r = ex::simulate_manifold(o);
  const auto t = ex::manifold_theory(o.circle);
  const int n = o.width;
  expect_layers(r.q_mean, r.q_sem, t.q, n, 0.0, "q");
  expect_layers(r.length2_exact_mean, r.length2_exact_sem, t.length2, n, 0.0, "gbar (exact)");
  expect_layers(r.curvature2_exact_mean, r.curvature2_exact_sem, t.curvature2, n, 6.0, "kbar^2 (exact)");
}

TEST(ManifoldSimulation, SameNumbersForAnyThreadCount) {
  for (const char* weights : {"gaussian", "orthogonal"}) {
    for (int seeds : {1, 3}) {                                 // 1: points split over threads; 3: networks over threads
      auto o = options("relu", 2.0, 0.1, 130, 298, 4, seeds);  // 2 x 149 points: odd GEMM shapes
      o.circle.q0 = 1.0;  // relu at sigma_w2 = 2 has no fixed point with sigma_b2 > 0
      o.weights = weights;
      o.pca_layers = {4};
      ex::manifold_simulation_result a, b;
      {
        const thread_count_guard one(1);
        a = ex::simulate_manifold(o);
      }
      {
        const thread_count_guard two(2);
        b = ex::simulate_manifold(o);
      }
      SCOPED_TRACE(std::string(weights) + ", seeds " + std::to_string(seeds));
      expect_same(a, b);
      EXPECT_TRUE((a.pca[0] == b.pca[0]).all());
      o.seed = 8;
      EXPECT_FALSE((ex::simulate_manifold(o).length_mean == a.length_mean).all());
    }
  }
}

TEST(ManifoldSimulation, ValidationNamesTheField) {
  auto expect_field = [](const ex::manifold_simulation_options& o, const std::string& field) {
    try {
      (void)ex::simulate_manifold(o);
      ADD_FAILURE() << "no exception for " << field;
    } catch (const nt::invalid_argument& e) {
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  const auto good = options("tanh", 2.0, 0.05, 50, 16, 3, 2);
  auto o = good;
  o.width = 1;
  expect_field(o, "width");
  o = good;
  o.points = 6;
  expect_field(o, "points");
  o = good;
  o.points = 17;
  expect_field(o, "points");
  o = good;
  o.seeds = 0;
  expect_field(o, "seeds");
  o = good;
  o.weights = "cauchy";
  expect_field(o, "weights");
  o = good;
  o.pca_layers = {4};
  expect_field(o, "pca_layers");
  o = good;
  o.pca_layers = {1.5};
  expect_field(o, "pca_layers");
  o = good;
  o.circle.depth = 0;
  expect_field(o, "depth");
  o = good;
  o.circle.network.activation = "cosh";
  expect_field(o, "activation");
  o = good;
  o.width = 90000;
  expect_field(o, "width");  // 60 GiB of weights
}

// [R17] trajectories: a circle embedded in d = 10 input dimensions (|x| constant, so q is constant
// along it), length growth per layer against sqrt(chi(q^{l-1})).
TEST(TrajectorySimulation, LengthGrowsAsTheMeanFieldFactor) {
  const int k = 256, d = 10;
  Eigen::MatrixXd points = Eigen::MatrixXd::Zero(k, d);
  for (int j = 0; j < k; ++j) {
    points(j, 2) = 1.5 * std::cos(kTwoPi * j / k);
    points(j, 7) = 1.5 * std::sin(kTwoPi * j / k);
  }
  ex::trajectory_options o;
  o.network = {"tanh", 4.0, 0.09, 0};
  o.width = 1000;
  o.depth = 6;
  o.seeds = 8;
  const auto r = ex::simulate_trajectory(o, points);
  ASSERT_EQ(r.layer.size(), 7);
  EXPECT_NEAR(r.length_mean[0], 2.0 * k * std::sin(std::numbers::pi / k) * 1.5, 1e-12);
  EXPECT_NEAR(r.q_mean[0], 2.25 / d, 1e-12);
  // q^1 = sigma_w2 |x|^2 / d + sigma_b2, exact in expectation; one seed fluctuates by sqrt(2/N).
  EXPECT_NEAR(r.q_mean[1], 4.0 * 2.25 / d + 0.09, 4.0 * std::sqrt(2.0 / 1000.0) / 2.0);
  EXPECT_TRUE(std::isnan(r.growth_theory[1]));
  EXPECT_TRUE(std::isnan(r.regions_mean[3]));
  for (int l = 2; l <= 6; ++l) {
    // The ratio of means: its spread from the two lengths' standard errors.
    const double ratio = r.length_mean[l] / r.length_mean[l - 1];
    const double spread =
        ratio * std::hypot(r.length_sem[l] / r.length_mean[l], r.length_sem[l - 1] / r.length_mean[l - 1]);
    EXPECT_NEAR(ratio, r.growth_theory[l], 4.0 * spread + (5.0 + l) / 1000.0) << "layer " << l;
  }
}

TEST(TrajectorySimulation, OpenReluCurveCountsRegions) {
  const int k = 200;
  Eigen::MatrixXd points(k, 3);
  for (int j = 0; j < k; ++j) points.row(j) << -1.0 + 2.0 * j / (k - 1), 0.3, std::sin(3.0 * j / k);
  ex::trajectory_options o;
  o.network = {"relu", 2.0, 0.1, 0};
  o.width = 200;
  o.depth = 4;
  o.seeds = 3;
  o.closed = false;
  double length = 0;
  for (int j = 0; j + 1 < k; ++j) length += (points.row(j + 1) - points.row(j)).norm();
  ex::trajectory_result a, b;
  {
    const thread_count_guard one(1);
    a = ex::simulate_trajectory(o, points);
  }
  {
    const thread_count_guard two(2);
    b = ex::simulate_trajectory(o, points);
  }
  EXPECT_NEAR(a.length_mean[0], length, 1e-12);
  EXPECT_TRUE(std::isnan(a.regions_mean[0]));
  for (int l = 1; l <= 4; ++l) {
    EXPECT_GT(a.regions_mean[l], 1.0);
    EXPECT_GE(a.regions_mean[l], a.regions_mean[l - 1 > 0 ? l - 1 : 1]);
  }
  expect_same(a.length_mean, b.length_mean, "length");
  expect_same(a.transitions_mean, b.transitions_mean, "transitions");
  expect_same(a.regions_mean, b.regions_mean, "regions");
  o.seeds = 1;  // points split over threads
  {
    const thread_count_guard one(1);
    a = ex::simulate_trajectory(o, points);
  }
  {
    const thread_count_guard two(2);
    b = ex::simulate_trajectory(o, points);
  }
  expect_same(a.length_mean, b.length_mean, "length (1 seed)");
  expect_same(a.q_mean, b.q_mean, "q (1 seed)");
}

TEST(TrajectorySimulation, ValidationNamesTheField) {
  ex::trajectory_options o;
  o.width = 20;
  o.depth = 2;
  const Eigen::MatrixXd two_points = Eigen::MatrixXd::Ones(2, 3);
  try {
    (void)ex::simulate_trajectory(o, two_points);
    ADD_FAILURE() << "two points accepted";
  } catch (const nt::invalid_argument& e) {
    EXPECT_EQ(e.field(), "points");
  }
  Eigen::MatrixXd bad = Eigen::MatrixXd::Ones(5, 3);
  bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW((void)ex::simulate_trajectory(o, bad), nt::invalid_argument);
  o.weights = "uniform";
  EXPECT_THROW((void)ex::simulate_trajectory(o, Eigen::MatrixXd::Ones(5, 3)), nt::invalid_argument);
  o.weights = "gaussian";
  o.width = 0;
  EXPECT_THROW((void)ex::simulate_trajectory(o, Eigen::MatrixXd::Ones(5, 3)), nt::invalid_argument);
}

}  // namespace
