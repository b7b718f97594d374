// Finite random networks against the mean-field theory. Each comparison allows 5 standard errors
// of the mean over seeds plus the O(1/N) finite-width bias (bounded here by 5/N relative); with
// ~100 comparisons per test a false alarm at 5 sigma is ~1e-4.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/signalprop/simulate.hpp"

namespace {

namespace sp = nt::signalprop;

void expect_agreement(const Eigen::ArrayXXd& mean, const Eigen::ArrayXXd& sem, const Eigen::ArrayXXd& theory,
                      double relative_bias, double absolute_bias, const char* what) {
  int compared = 0;
  for (Eigen::Index i = 0; i < mean.size(); ++i) {
    if (!std::isfinite(theory(i))) continue;
    ++compared;
    EXPECT_NEAR(mean(i), theory(i), 5.0 * sem(i) + relative_bias * std::abs(theory(i)) + absolute_bias)
        << what << " at flat index " << i;
  }
  EXPECT_GT(compared, 0) << what;
}

sp::simulation_options base(const char* weights, double sw2, int width) {
  sp::simulation_options o;
  o.network = {"tanh", sw2, 0.05, 0};
  o.width = width;
  o.depth = 12;
  o.seeds = 6;
  o.weights = weights;
  o.q0 = {0.05, 1.0, 5.0};
  o.c0 = {0.0, 0.6, 0.95};
  return o;
}

TEST(Simulate, GaussianNetworksFollowTheMeanFieldTheory) {
  for (double sw2 : {1.2, 1.760955, 3.0}) {  // ordered, critical, chaotic
    const int n = 1000;
    const auto r = sp::simulate(base("gaussian", sw2, n));
    expect_agreement(r.q_mean, r.q_sem, r.q_theory, 5.0 / n, 0.0, "q^l");
    expect_agreement(r.c_mean, r.c_sem, r.c_theory, 0.0, 5.0 / n, "c^l");
    expect_agreement(r.gradient_mean, r.gradient_sem, r.gradient_theory, 5.0 / n, 0.0, "gradient growth");
    // "At N = 1000 the per-layer q^l agrees to a few percent": the RMS relative deviation over
    // layers and inputs (one seed alone fluctuates by sqrt(2/N) = 4.5%; six average to 1.8%).
    const Eigen::ArrayXXd rel = (r.q_mean / r.q_theory - 1.0).bottomRows(r.q_mean.rows() - 1);
    EXPECT_LT(std::sqrt(rel.square().mean()), 0.03) << sw2;
  }
}

TEST(Simulate, OrthogonalNetworksFollowTheSameForwardTheory) {
  const int n = 400;
  const auto r = sp::simulate(base("orthogonal", 2.0, n));
  expect_agreement(r.q_mean, r.q_sem, r.q_theory, 5.0 / n, 0.0, "q^l");
  expect_agreement(r.c_mean, r.c_sem, r.c_theory, 0.0, 5.0 / n, "c^l");
  expect_agreement(r.gradient_mean, r.gradient_sem, r.gradient_theory, 5.0 / n, 0.0, "gradient growth");
}

TEST(Simulate, PairsStartAtTheFixedPointByDefault) {
  auto o = base("gaussian", 2.0, 300);
  o.gradients = false;
  const auto r = sp::simulate(o);
  EXPECT_NEAR(2.0 * r.pair_q0 + 0.05, r.q_star, 1e-12);
  EXPECT_NEAR(r.c_mean(0, 1), 0.6, 1e-12);  // inputs have exactly the requested correlation
  EXPECT_NEAR(r.q_mean(0, 1), 1.0, 1e-12);  // and exactly the requested length
  EXPECT_TRUE(std::isnan(r.gradient_mean(3, 0)));
}

TEST(Simulate, SameSeedSameNumbersForAnyThreadCount) {
  auto o = base("gaussian", 1.5, 200);
  o.depth = 5;
  o.seeds = 5;
  nt::set_thread_count(1);
  const auto a = sp::simulate(o);
  nt::set_thread_count(2);
  const auto b = sp::simulate(o);
  nt::set_thread_count(omp_get_num_procs());
  EXPECT_TRUE((a.q_mean == b.q_mean).all());
  EXPECT_TRUE((a.c_mean == b.c_mean).all());
  o.seed = 2;
  const auto c = sp::simulate(o);
  EXPECT_FALSE((a.q_mean == c.q_mean).all());
}

TEST(Simulate, ValidationNamesTheParameter) {
  auto o = base("gaussian", 1.5, 100);
  o.width = 0;
  EXPECT_THROW((void)sp::simulate(o), nt::invalid_argument);
  o = base("cauchy", 1.5, 100);
  EXPECT_THROW((void)sp::simulate(o), nt::invalid_argument);
  o = base("gaussian", 1.5, 100);
  o.c0 = {1.5};
  EXPECT_THROW((void)sp::simulate(o), nt::invalid_argument);
  o = base("gaussian", 1.5, 100);
  o.q0 = {-1.0};
  EXPECT_THROW((void)sp::simulate(o), nt::invalid_argument);
}

}  // namespace
