#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"

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

// CDF of Beta(1/2, b) (the law of O_ij^2 for Haar O on O(n), b = (n-1)/2): with t = u^2,
// I_x(1/2, b) = 2 int_0^sqrt(x) (1-u^2)^(b-1) du / B(1/2, b); the integrand is smooth, Simpson's
// rule with 4000 intervals is exact to ~1e-12 here.
double beta_half_cdf(double x, double b) {
  x = std::clamp(x, 0.0, 1.0);
  const double top = std::sqrt(x);
  constexpr int intervals = 4000;
  const double h = top / intervals;
  double sum = 0.0;
  for (int i = 0; i <= intervals; ++i) {
    const double u = i * h;
    const double f = std::pow(std::max(0.0, 1.0 - u * u), b - 1.0);
    sum += f * (i == 0 || i == intervals ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0));
  }
  const double beta = std::exp(std::lgamma(0.5) + std::lgamma(b) - std::lgamma(b + 0.5));
  return 2.0 * sum * h / 3.0 / beta;
}

TEST(Ensembles, HouseholderOrthogonalIsOrthogonalAndAppliesAsItsMatrix) {
  // 150 = two full blocks of 64 reflectors and a partial one.
  const Eigen::Index n = 150;
  nt::householder_orthogonal o;
  nt::rng::stream s(5, {1});
  o.sample(s, n);
  ASSERT_EQ(o.blocks(), 3);
  const Eigen::MatrixXd q = o.matrix();
  EXPECT_LT((q.transpose() * q - Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((q * q.transpose() - Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff(), 1e-12);
  Eigen::MatrixXd x(n, 37);
  nt::rng::stream xs(5, {2});
  xs.fill_normal({x.data(), static_cast<std::size_t>(x.size())});
  Eigen::MatrixXd y = x;
  o.apply(y);
  EXPECT_LT((y - q * x).cwiseAbs().maxCoeff(), 1e-12);
  y = x;
  o.apply_transpose(y);
  EXPECT_LT((y - q.transpose() * x).cwiseAbs().maxCoeff(), 1e-12);
  // Without the signs, with caller-provided workspace: Q^T x, so S Q^T x = O^T x.
  Eigen::MatrixXd work(nt::householder_orthogonal::block_size, x.cols());
  y = x;
  o.apply_reflectors(y, true, work);
  y = o.signs().asDiagonal() * y;
  EXPECT_LT((y - q.transpose() * x).cwiseAbs().maxCoeff(), 1e-12);
  Eigen::MatrixXd small(4, 4);
  EXPECT_THROW(o.apply_reflectors(y, false, small), nt::invalid_argument);
  // Rectangular: the first 40 columns of a Haar matrix of order 100.
  o.sample(s, 100, 40);
  const Eigen::MatrixXd thin = o.matrix();
  ASSERT_EQ(thin.rows(), 100);
  ASSERT_EQ(thin.cols(), 40);
  EXPECT_LT((thin.transpose() * thin - Eigen::MatrixXd::Identity(40, 40)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_THROW(o.resize(10, 11), nt::invalid_argument);
}

// The fast sampler as the Jacobian simulation uses it (each block of reflectors from its own
// stream), n = 80: O_11^2 and O_nn^2 ~ Beta(1/2, 79/2) (KS at alpha = 1e-3), E O_11 = E O_nn = 0,
// E tr O = 0, E (tr O)^2 = 1 (5 standard errors). O_nn depends on the last reflectors and on the
// sign fix of the 1 x 1 one: QR without Mezzadri's signs gives E tr O != 0.
TEST(Ensembles, HouseholderOrthogonalIsHaarDistributed) {
  constexpr Eigen::Index n = 80;
  constexpr int samples = 2000;
  std::vector<double> first2, last2, first, last, trace, trace2;
  nt::householder_orthogonal o;
  o.resize(n);
  const nt::blas_single_thread guard;  // 2000 small LAPACK calls: no thread hand-offs
  for (int k = 0; k < samples; ++k) {
    for (Eigen::Index b = 0; b < o.blocks(); ++b) {
      nt::rng::stream s(23, {static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(b)});
      o.sample_block(b, s);
    }
    const Eigen::MatrixXd q = o.matrix();
    first.push_back(q(0, 0));
    last.push_back(q(n - 1, n - 1));
    first2.push_back(q(0, 0) * q(0, 0));
    last2.push_back(q(n - 1, n - 1) * q(n - 1, n - 1));
    trace.push_back(q.trace());
    trace2.push_back(q.trace() * q.trace());
  }
  for (const auto* v : {&first, &last, &trace}) {
    const auto st = nt::test::stats(*v);
    EXPECT_NEAR(st.mean, 0.0, 5.0 * st.sem);
  }
  const auto t2 = nt::test::stats(trace2);
  EXPECT_NEAR(t2.mean, 1.0, 5.0 * t2.sem);
  const double b = (n - 1) / 2.0;
  for (auto* v : {&first2, &last2}) {
    std::sort(v->begin(), v->end());
    EXPECT_LT(nt::test::ks_statistic(*v, [b](double x) { return beta_half_cdf(x, b); }),
              nt::test::ks_critical(v->size()));
  }
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
