#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"

#include "../test_support.hpp"

namespace {

TEST(Ensembles, GaussianEntriesHaveVarianceSigmaW2OverFanIn) {
  const Eigen::Index rows = 300, cols = 400;
  Eigen::MatrixXd w(rows, cols);
  nt::rng::stream s(1, {2});
  nt::gaussian_matrix(s, 2.5, w);
  const double n = static_cast<double>(w.size());
  const double mean = w.mean();
  const double var = (w.array() - mean).square().sum() / (n - 1.0);
  const double expected = 2.5 / cols;
  EXPECT_NEAR(mean, 0.0, 5.0 * std::sqrt(expected / n));
  EXPECT_NEAR(var, expected, 5.0 * expected * std::sqrt(2.0 / n));
}

TEST(Ensembles, OrthogonalColumnsOrRowsAreOrthonormalTimesSigmaW) {
  for (auto [rows, cols] : {std::pair{50, 50}, std::pair{80, 30}, std::pair{30, 80}}) {
    Eigen::MatrixXd w(rows, cols);
    nt::rng::stream s(3, {static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(cols)});
    nt::haar_orthogonal_matrix(s, 1.7, w);
    const Eigen::MatrixXd gram = rows >= cols ? Eigen::MatrixXd(w.transpose() * w) : Eigen::MatrixXd(w * w.transpose());
    EXPECT_LT((gram - 1.7 * Eigen::MatrixXd::Identity(gram.rows(), gram.cols())).cwiseAbs().maxCoeff(), 1e-12);
  }
}

// Haar measure on O(N): an entry squared is Beta(1/2, (N-1)/2); E[tr O] = 0, E[(tr O)^2] = 1
// (Diaconis & Shahshahani 1994). QR without the sign correction fails these.
TEST(Ensembles, OrthogonalMatricesAreHaarDistributed) {
  constexpr int n = 3;
  constexpr int samples = 20000;
  std::vector<double> entry2, trace, trace2, first;
  Eigen::MatrixXd o(n, n);
  for (int k = 0; k < samples; ++k) {
    nt::rng::stream s(17, {static_cast<std::uint64_t>(k)});
    nt::haar_orthogonal_matrix(s, 1.0, o);
    entry2.push_back(o(0, 0) * o(0, 0));
    first.push_back(o(0, 0));
    trace.push_back(o.trace());
    trace2.push_back(o.trace() * o.trace());
  }
  const auto t = nt::test::stats(trace);
  EXPECT_NEAR(t.mean, 0.0, 5.0 * t.sem);
  const auto t2 = nt::test::stats(trace2);
  EXPECT_NEAR(t2.mean, 1.0, 5.0 * t2.sem);
  const auto f = nt::test::stats(first);
  EXPECT_NEAR(f.mean, 0.0, 5.0 * f.sem);
  // N = 3: O_11^2 ~ Beta(1/2, 1), CDF sqrt(x).
  std::sort(entry2.begin(), entry2.end());
  EXPECT_LT(nt::test::ks_statistic(entry2, [](double x) { return std::sqrt(std::clamp(x, 0.0, 1.0)); }),
            nt::test::ks_critical(entry2.size()));
}

TEST(Ensembles, EnsembleNamesAndValidation) {
  EXPECT_EQ(nt::weight_ensemble_from_name("orthogonal"), nt::weight_ensemble::orthogonal);
  EXPECT_EQ(nt::to_string(nt::weight_ensemble::gaussian), "gaussian");
  EXPECT_THROW((void)nt::weight_ensemble_from_name("uniform"), nt::invalid_argument);
  Eigen::MatrixXd w(3, 3);
  nt::rng::stream s(1);
  EXPECT_THROW(nt::gaussian_matrix(s, -1.0, w), nt::invalid_argument);
}

}  // namespace
