// Monte Carlo of Markov synapses against the exact memory curves (LG13 eq. "SNRcalc"; notes 1.1, 1.3).
// Statistical tolerances: every comparison is |simulation - exact| <= kZ standard errors with
// kZ = 4.5: each check compares ~12-40 time points whose errors are computed from >= 20 independent
// blocks, so a family-wise false-alarm rate stays near 1e-4 (Bonferroni, normal tails) while a
// real discrepancy of 1% of S(1) is many standard errors at these sizes. Seeds are fixed.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"
#include "neurotheory/synapses/simulate.hpp"

namespace nt::synapses {
namespace {

constexpr double kZ = 4.5;

std::vector<double> log_times(int horizon) {
  std::vector<double> t;
  for (double v = 1; v <= horizon; v = std::max(v + 1, std::floor(v * 1.5))) t.push_back(v);
  if (t.back() != horizon) t.push_back(horizon);
  return t;
}

simulation_options small(long long n, int reps, int horizon, std::uint64_t seed) {
  simulation_options o;
  o.synapses = n;
  o.repetitions = reps;
  o.horizon = horizon;
  o.times = log_times(horizon);
  o.seed = seed;
  return o;
}

void expect_agrees(const simulation_result& r, const char* what) {
  ASSERT_EQ(r.signal_mean.size(), r.signal_theory.size());
  for (Eigen::Index k = 0; k < r.time.size(); ++k) {
    ASSERT_GT(r.signal_sem[k], 0.0) << what;
    EXPECT_LE(std::abs(r.signal_mean[k] - r.signal_theory[k]), kZ * r.signal_sem[k])
        << what << " t = " << r.time[k] << " sim " << r.signal_mean[k] << " +- " << r.signal_sem[k] << " exact "
        << r.signal_theory[k];
  }
}

TEST(SynapsesSimulate, ExactCurveClosedForms) {
  // Binary switch, discrete: S(t) = q (1 - q)^(t - 1) (notes 1.3, one memory per step, t = 1 at storage).
  const auto b = binary(0.1);
  const Eigen::VectorXd t = (Eigen::VectorXd(4) << 1, 2, 10, 50).finished();
  const Eigen::VectorXd s = exact_signal(b, t);
  for (Eigen::Index k = 0; k < t.size(); ++k) EXPECT_NEAR(s[k], 0.1 * std::pow(0.9, t[k] - 1), 1e-14);
  // Poisson time: SNR/sqrt(N) = q exp(-q r t) (notes 1.3); the series is summed to 12 sigma of the
  // Poisson weights, so the error is rounding only.
  const Eigen::VectorXd tc = (Eigen::VectorXd(4) << 0, 0.5, 10, 100).finished();
  const Eigen::VectorXd sc = exact_signal(b, tc, "poisson", 2.0);
  for (Eigen::Index k = 0; k < tc.size(); ++k) EXPECT_NEAR(sc[k], 0.1 * std::exp(-0.1 * 2.0 * tc[k]), 1e-12);
  // Serial chain: SNR(0)/sqrt(N) = 2 q / M; cascade (x = 1/2): 2 / n (notes 1.3, exact).
  EXPECT_NEAR(exact_signal(serial(12, 1.0), Eigen::VectorXd::Zero(1), "poisson")[0], 2.0 / 12.0, 1e-12);
  EXPECT_NEAR(exact_signal(cascade(10, 0.5), Eigen::VectorXd::Zero(1), "poisson")[0], 2.0 / 5.0, 1e-12);
  // Stationary distribution: uniform for the serial chain; p W_F = 0 for the cascade.
  const Eigen::VectorXd ps = stationary_distribution(serial(8, 0.3));
  for (Eigen::Index i = 0; i < 8; ++i) EXPECT_NEAR(ps[i], 1.0 / 8.0, 1e-13);
  const auto c = cascade(8, 0.5);
  const Eigen::VectorXd pc = stationary_distribution(c);
  EXPECT_LE((pc.transpose() * c.generator()).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_NEAR(pc.sum(), 1.0, 1e-14);
}

TEST(SynapsesSimulate, PoissonCurveMatchesEigenmodeTheory) {
  // Two independent methods for c p (M_pot - M_dep) exp(r t W_F) w: uniformization here, the
  // eigen-decomposition of memory_curve.hpp there (LG13 SNRcalc per sqrt(N)). Both are exact up to
  // rounding; 1e-9 leaves room for the eigenvector conditioning of the stiff cascade.
  const Eigen::VectorXd t = (Eigen::VectorXd(7) << 0, 0.3, 1, 5, 30, 200, 1000).finished();
  for (const auto& m : {binary(0.3), serial(12, 0.5), sticky_serial(8, 0.1), multistate(6, 0.5), cascade(10, 0.5)}) {
    const Eigen::VectorXd mine = exact_signal(m, t, "poisson", 1.0);
    const Eigen::VectorXd theirs = snr(m, t, 1.0, 1.0);
    for (Eigen::Index k = 0; k < t.size(); ++k) EXPECT_NEAR(mine[k], theirs[k], 1e-9) << m.name << " t = " << t[k];
    const Eigen::VectorXd p = stationary(m);
    EXPECT_LE((p - stationary_distribution(m)).cwiseAbs().maxCoeff(), 1e-12) << m.name;
  }
}

TEST(SynapsesSimulate, EveryBuiltinAgreesWithExactCurve) {
  // binary (q = 0.1: 4-byte thresholds), serial, sticky, multistate (linear weights: integers / 5),
  // cascade (x = 1/2: 1-byte thresholds). 40,000 synapses x 200 memories each.
  const std::vector<markov_model> models = {binary(0.1), serial(8, 0.5), sticky_serial(8, 0.2), multistate(6, 0.4),
                                            cascade(8, 0.5)};
  std::uint64_t seed = 11;
  for (const auto& m : models) {
    const auto r = simulate(m, small(20000, 2, 200, seed++));
    EXPECT_EQ(r.kernel, "fast") << m.name;
    expect_agrees(r, m.name.c_str());
    EXPECT_LE(r.probability_error, std::ldexp(1.0, -32)) << m.name;
    // Occupancy at the end is the stationary distribution within the multinomial error (4.5 sigma).
    for (Eigen::Index s = 0; s < r.stationary.size(); ++s) {
      const double p = r.stationary[s];
      EXPECT_NEAR(r.occupancy_end[s], p, kZ * std::sqrt(p * (1 - p) / 40000.0) + 1e-12) << m.name << " state " << s;
    }
  }
}

TEST(SynapsesSimulate, SnrInUnitsOfTheory) {
  // SNR = sqrt(N) (S - baseline) / noise_std; with f_pot != 1/2 the baseline (2f - 1) p.w is not 0.
  auto m = serial(6, 0.6);
  m.f_pot = 0.7;
  auto o = small(8192, 4, 60, 5);
  const auto r = simulate(m, o);
  EXPECT_EQ(r.kernel, "fast");  // f = 0.7: event thresholds of 4 bytes (0.7 is not dyadic)
  expect_agrees(r, "serial f_pot = 0.7");
  const Eigen::VectorXd p = r.stationary;
  EXPECT_NEAR(r.baseline, 0.4 * p.dot(m.weights), 1e-14);
  EXPECT_GT(std::abs(r.baseline), 0.05);
  for (Eigen::Index k = 0; k < r.time.size(); ++k) {
    EXPECT_NEAR(r.snr_theory[k], std::sqrt(8192.0) * (r.signal_theory[k] - r.baseline) / r.noise_std, 1e-9);
    EXPECT_LE(std::abs(r.snr_mean[k] - r.snr_theory[k]), kZ * r.snr_sem[k]);
  }
}

TEST(SynapsesSimulate, SameNumbersWithOneAndTwoThreadsAndBothKernels) {
  const int saved = thread_count();
  auto o = small(10000, 2, 30, 99);  // 3 blocks per repetition, the last one partial (1808 synapses)
  // Every random-number layout of the fast kernels: 2-bit (cascade x = 1/2), 4-byte (q = 0.3),
  // 0-bit (serial q = 1: deterministic moves), 1-bit (q = 1/2), 4-bit (3/8), 8-bit (5/256), 2-byte
  // (3/65536) transition uniforms; one-bit events, and 1- and 4-byte event uniforms (f_pot = 3/4, 0.7).
  auto f34 = serial(6, 0.5);
  f34.f_pot = 0.75;
  auto f07 = cascade(6, 0.5);
  f07.f_pot = 0.7;
  for (const auto& m : {cascade(8, 0.5), binary(0.3), multistate(5, 0.7), serial(8, 1.0), serial(6, 0.5), binary(0.375),
                        binary(5.0 / 256), binary(3.0 / 65536), f34, f07}) {
    set_thread_count(1);
    const auto one = simulate(m, o);
    set_thread_count(2);
    const auto two = simulate(m, o);
    auto op = o;
    op.kernel = "portable";  // scalar Philox (Random123's reference) and scalar update: the same bytes
    const auto portable = simulate(m, op);
    EXPECT_EQ(portable.kernel, "portable");
    for (Eigen::Index k = 0; k < one.time.size(); ++k) {
      EXPECT_EQ(one.signal_mean[k], two.signal_mean[k]) << m.name;
      EXPECT_EQ(one.signal_sem[k], two.signal_sem[k]) << m.name;
      EXPECT_EQ(one.signal_mean[k], portable.signal_mean[k]) << m.name;
    }
    EXPECT_EQ(one.occupancy_end, portable.occupancy_end);
    // A different seed gives different numbers.
    auto o2 = o;
    o2.seed = 100;
    EXPECT_NE(simulate(m, o2).signal_mean[0], one.signal_mean[0]);
  }
  set_thread_count(saved);
}

TEST(SynapsesSimulate, GeneralKernelAnyModel) {
  // A dense random 4-state model (every row has several targets, f_pot = 0.4): only the general
  // kernel applies; weights +-1 and one non-binary.
  markov_model m;
  m.name = "dense";
  m.f_pot = 0.4;
  m.weights = (Eigen::VectorXd(4) << -1, -0.5, 1, 1).finished();
  m.potentiation =
      (Eigen::MatrixXd(4, 4) << 0.5, 0.2, 0.2, 0.1, 0.1, 0.3, 0.4, 0.2, 0.0, 0.1, 0.6, 0.3, 0.05, 0.05, 0.1, 0.8)
          .finished();
  m.depression =
      (Eigen::MatrixXd(4, 4) << 0.9, 0.1, 0.0, 0.0, 0.5, 0.4, 0.1, 0.0, 0.3, 0.3, 0.3, 0.1, 0.2, 0.2, 0.2, 0.4)
          .finished();
  auto o = small(8192, 3, 30, 3);
  const auto r = simulate(m, o);
  EXPECT_EQ(r.kernel, "general");
  expect_agrees(r, "dense general");
  o.kernel = "fast";
  EXPECT_THROW(simulate(m, o), invalid_argument);
  // The general kernel on a built-in model agrees too (different random numbers than the fast one).
  auto og = small(8192, 3, 60, 4);
  og.kernel = "general";
  const auto rg = simulate(cascade(6, 0.5), og);
  EXPECT_EQ(rg.kernel, "general");
  expect_agrees(rg, "cascade general");
}

TEST(SynapsesSimulate, PoissonTimeAgreesWithExactCurve) {
  simulation_options o;
  o.time = "poisson";
  o.synapses = 4096;
  o.repetitions = 5;
  o.horizon = 40;
  o.rate = 1.5;
  o.times = {0, 0.5, 1, 2, 4, 8, 15, 25, 40};
  o.seed = 21;
  for (const auto& m : {serial(6, 0.5), cascade(6, 0.5)}) {
    const auto r = simulate(m, o);
    EXPECT_EQ(r.kernel, "poisson");
    expect_agrees(r, m.name.c_str());
  }
}

TEST(SynapsesSimulate, DefaultTimesAndValidation) {
  auto o = small(300, 2, 5, 1);
  o.block = 128;
  o.times.clear();
  const auto r = simulate(serial(4, 1.0), o);
  ASSERT_EQ(r.time.size(), 5);
  EXPECT_EQ(r.time[0], 1.0);
  EXPECT_EQ(r.time[4], 5.0);
  EXPECT_EQ(r.units, 6);  // 3 blocks (128, 128, 44) x 2 repetitions
  auto bad = [&](auto edit) {
    auto b = small(1000, 2, 10, 1);
    edit(b);
    EXPECT_THROW(simulate(serial(4, 1.0), b), invalid_argument);
  };
  bad([](simulation_options& b) { b.synapses = 0; });
  bad([](simulation_options& b) { b.repetitions = 0; });
  bad([](simulation_options& b) { b.horizon = 2.5; });
  bad([](simulation_options& b) { b.times = {1, 1}; });
  bad([](simulation_options& b) { b.times = {0}; });
  bad([](simulation_options& b) { b.times = {11}; });
  bad([](simulation_options& b) { b.time = "continuous"; });
  bad([](simulation_options& b) { b.kernel = "gpu"; });
  bad([](simulation_options& b) { b.block = 100; });
  bad([](simulation_options& b) { b.repetitions = 1; });  // one block: no standard error
  bad([](simulation_options& b) {
    b.time = "poisson";
    b.rate = -1;
  });
  auto broken = serial(4, 1.0);
  broken.potentiation(0, 0) = 0.5;  // row no longer stochastic
  EXPECT_THROW(simulate(broken, small(1000, 2, 10, 1)), invalid_argument);
}

TEST(SynapsesAssociative, RecallMatchesBinomialTheoryAndGrowsWithN) {
  associative_options o;
  o.outputs = 200;
  o.patterns = 150;
  o.max_age = 40;
  o.criterion = 0.9;
  o.seed = 8;
  int previous = -1;
  for (int n : {64, 512}) {
    o.inputs = n;
    const auto r = associative_memory(binary(0.2), o);
    EXPECT_TRUE(r.exact_theory);
    for (Eigen::Index a = 0; a < r.age.size(); ++a) {
      // Binomial standard error of 200 bits; where theory is ~1 the floor 1/200 covers one flipped bit.
      const double se = std::max(std::sqrt(r.recall_theory[a] * (1 - r.recall_theory[a]) / 200.0), 1.0 / 200.0);
      EXPECT_LE(std::abs(r.recall_mean[a] - r.recall_theory[a]), kZ * se) << "n " << n << " age " << r.age[a];
    }
    // Retrieval age from theory: binary switch SNR(a) = sqrt(n) q (1 - q)^(a - 1) (notes 1.3) over
    // the criterion's z; the measured count is within the few ages where recall crosses 0.9.
    EXPECT_LE(std::abs(r.retrieved - r.retrieved_theory), 2) << n;
    EXPECT_GT(r.retrieved_theory, previous);
    previous = r.retrieved_theory;
  }
  // Cascade (non-exponential memory): also agrees with its exact curve at n = 256.
  o.inputs = 256;
  const auto rc = associative_memory(cascade(8, 0.5), o);
  for (Eigen::Index a = 0; a < rc.age.size(); ++a) {
    const double se = std::max(std::sqrt(rc.recall_theory[a] * (1 - rc.recall_theory[a]) / 200.0), 1.0 / 200.0);
    EXPECT_LE(std::abs(rc.recall_mean[a] - rc.recall_theory[a]), kZ * se) << "cascade age " << rc.age[a];
  }
  // Linear weights: the normal approximation is flagged.
  o.inputs = 100;
  o.max_age = 10;
  EXPECT_FALSE(associative_memory(multistate(5, 0.5), o).exact_theory);
  o.criterion = 1.0;
  EXPECT_THROW(associative_memory(binary(0.2), o), invalid_argument);
}

}  // namespace
}  // namespace nt::synapses
