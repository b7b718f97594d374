#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "neurotheory/core/random.hpp"

#include "../test_support.hpp"

namespace {

using nt::rng::stream;

TEST(RandomStream, SameKeyGivesSameNumbers) {
  stream a(42, {3, 7});
  stream b(42, {3, 7});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.normal(), b.normal());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.uniform(), b.uniform());
}

TEST(RandomStream, DifferentSeedsOrIdsDiffer) {
  stream base(42, {3, 7});
  stream other_seed(43, {3, 7});
  stream other_id(42, {3, 8});
  stream swapped(42, {7, 3});
  const double x = base.uniform();
  EXPECT_NE(x, other_seed.uniform());
  EXPECT_NE(x, other_id.uniform());
  EXPECT_NE(x, swapped.uniform());
  EXPECT_EQ(stream(42, {3}).child(7).uniform(), stream(42, {3, 7}).uniform());
}

TEST(RandomStream, BulkAndSingleDrawsAgreeHoweverSplit) {
  std::vector<double> whole(1001);
  stream(5, {1}).fill_normal(whole);
  stream pieces(5, {1});
  std::vector<double> parts;
  for (std::size_t len : {1U, 3U, 8U, 13U, 400U}) {
    std::vector<double> chunk(len);
    pieces.fill_normal(chunk);
    parts.insert(parts.end(), chunk.begin(), chunk.end());
  }
  while (parts.size() < whole.size()) parts.push_back(pieces.normal());
  for (std::size_t i = 0; i < whole.size(); ++i) ASSERT_EQ(whole[i], parts[i]) << "index " << i;
}

TEST(RandomStream, ResultsDoNotDependOnThreadCount) {
  // Each task draws from its own stream keyed by the task index.
  auto run = [](int threads) {
    std::vector<double> out(64 * 100);
    omp_set_num_threads(threads);
#pragma omp parallel for schedule(dynamic, 1)
    for (int task = 0; task < 64; ++task) {
      stream s(9, {static_cast<std::uint64_t>(task)});
      s.fill_normal({out.data() + task * 100, 100});
    }
    return out;
  };
  const auto one = run(1);
  const auto two = run(2);
  const auto three = run(3);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
  omp_set_num_threads(omp_get_num_procs());
}

TEST(RandomStream, UniformIsUniformOnOpenInterval) {
  constexpr std::size_t n = 200000;
  std::vector<double> u(n);
  stream(11).fill_uniform(u);
  EXPECT_GT(*std::min_element(u.begin(), u.end()), 0.0);
  EXPECT_LT(*std::max_element(u.begin(), u.end()), 1.0);
  const auto s = nt::test::stats(u);
  EXPECT_NEAR(s.mean, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
  std::sort(u.begin(), u.end());
  EXPECT_LT(nt::test::ks_statistic(u, [](double x) { return x; }), nt::test::ks_critical(n));
}

TEST(RandomStream, NormalHasGaussianMomentsAndDistribution) {
  constexpr std::size_t n = 200000;
  std::vector<double> z(n);
  stream(12, {1, 2, 3}).fill_normal(z);
  const auto s = nt::test::stats(z);
  EXPECT_NEAR(s.mean, 0.0, 5.0 / std::sqrt(double(n)));
  EXPECT_NEAR(s.variance, 1.0, 5.0 * std::sqrt(2.0 / n));
  double m4 = 0.0;
  for (double v : z) m4 += v * v * v * v;
  EXPECT_NEAR(m4 / n, 3.0, 5.0 * std::sqrt(96.0 / n));  // var(z^4) = 105 - 9
  std::sort(z.begin(), z.end());
  EXPECT_LT(nt::test::ks_statistic(z, [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }),
            nt::test::ks_critical(n));
  // Consecutive draws are uncorrelated (pairs share a Box-Muller radius).
  stream t(13);
  double cross = 0.0;
  double prev = t.normal();
  for (std::size_t i = 0; i < n; ++i) {
    const double cur = t.normal();
    cross += prev * cur;
    prev = cur;
  }
  EXPECT_NEAR(cross / n, 0.0, 5.0 / std::sqrt(double(n)));
}

}  // namespace
