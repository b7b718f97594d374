// Data sets of the semantic-development theory [S19]: the known singular values and half-learning times of
// the notes (docs/theory/deeplinear.md sections 2.3, 4), the shipped CSV against the compiled table, the
// SVD conventions, and branching-diffusion data against the analytic item covariance (tolerances from the
// sampling statistics).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <Eigen/Eigenvalues>

#include "neurotheory/core/error.hpp"
#include "neurotheory/deeplinear/data.hpp"
#include "neurotheory/deeplinear/dynamics.hpp"

#include "../test_support.hpp"

namespace {

using namespace nt::deeplinear;

TEST(DeeplinearData, LivingThingsSingularValuesAndHalfTimes) {
  const auto d = living_things();
  ASSERT_EQ(d.items(), 8);
  ASSERT_EQ(d.features(), 36);
  EXPECT_EQ(d.item_names[5], "canary");
  EXPECT_EQ(d.feature_names[28], "leaves");
  const auto c = correlations(d);
  // Notes 2.3 / 4, four decimals: tolerance half a unit.
  const std::vector<double> s = {6.8059, 4.4732, 3.0440, 3.0035, 2.0431, 1.3806, 1.1411, 1.0000};
  const std::vector<double> half = {0.6484, 0.9395, 1.3174, 1.3330, 1.8653, 2.6183, 3.0842, 3.4534};
  ASSERT_EQ(c.s.size(), 8);
  for (int k = 0; k < 8; ++k) {
    EXPECT_NEAR(c.s(k), s[static_cast<std::size_t>(k)], 5e-5) << k;
    EXPECT_NEAR(half_learning_time(c.s(k), 1e-3), half[static_cast<std::size_t>(k)], 5e-5) << k;
  }
}

TEST(DeeplinearData, FourItemsToySingularValues) {
  const auto c = correlations(four_items());
  ASSERT_EQ(c.s.size(), 4);
  EXPECT_NEAR(c.s(0), std::sqrt(7.0), 1e-12);
  EXPECT_NEAR(c.s(1), std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(c.s(2), 1.0, 1e-12);
  EXPECT_NEAR(c.s(3), 1.0, 1e-12);
  // Mode 2 is animals (canary, salmon) vs plants (oak, rose); its sum is zero, so by the convention
  // the first clearly nonzero entry (canary) is positive.
  EXPECT_GT(c.v(0, 1), 0.0);
  EXPECT_NEAR(c.v(0, 1), 0.5, 1e-12);
  EXPECT_NEAR(c.v(2, 1), -0.5, 1e-12);
}

TEST(DeeplinearData, CorrelationsAndSignConvention) {
  for (const auto& d : {living_things(), four_items()}) {
    const auto c = correlations(d);
    EXPECT_TRUE(c.whitened);
    EXPECT_LT((c.sigma_yx - d.targets).cwiseAbs().maxCoeff(), 1e-15);  // Sigma_yx = Y for one-hot items
    const Eigen::MatrixXd rec = c.u * c.s.asDiagonal() * c.v.transpose();
    EXPECT_LT((rec - c.sigma_yx).cwiseAbs().maxCoeff(), 1e-12);
    const Eigen::Index r = c.s.size();
    EXPECT_LT((c.v.transpose() * c.v - Eigen::MatrixXd::Identity(r, r)).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((c.u.transpose() * c.u - Eigen::MatrixXd::Identity(r, r)).cwiseAbs().maxCoeff(), 1e-12);
    for (Eigen::Index a = 0; a < r; ++a) {
      if (a > 0) {
        EXPECT_LE(c.s(a), c.s(a - 1));
      }
      const double sum = c.v.col(a).sum();
      if (std::abs(sum) > 1e-6) {
        EXPECT_GT(sum, 0.0);
      } else {
        Eigen::Index i = 0;
        while (std::abs(c.v(i, a)) <= 1e-6) ++i;
        EXPECT_GT(c.v(i, a), 0.0);
      }
    }
    // Mode 1 of non-negative data is the Perron vector: every item positive.
    EXPECT_GT(c.v.col(0).minCoeff(), 0.0);
  }
  // Not whitened: inputs scaled by 2.
  auto d = four_items();
  d.inputs *= 2.0;
  EXPECT_FALSE(correlations(d).whitened);
}

std::filesystem::path find_data_file(const std::string& name) {
  std::vector<std::filesystem::path> starts = {std::filesystem::path(__FILE__).parent_path()};
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  for (auto dir : starts) {
    for (int up = 0; up < 6 && !dir.empty(); ++up, dir = dir.parent_path()) {
      if (std::filesystem::exists(dir / "data" / name)) return dir / "data" / name;
    }
  }
  return {};
}

TEST(DeeplinearData, ShippedCsvEqualsTheCompiledTable) {
  const auto path = find_data_file("living_things.csv");
  ASSERT_FALSE(path.empty()) << "data/living_things.csv not found above the test source or binary";
  const auto fromfile = read_item_table(path.string());
  const auto compiled = living_things();
  EXPECT_EQ(fromfile.item_names, compiled.item_names);
  EXPECT_EQ(fromfile.feature_names, compiled.feature_names);
  ASSERT_EQ(fromfile.targets.rows(), 36);
  ASSERT_EQ(fromfile.targets.cols(), 8);
  EXPECT_EQ((fromfile.targets - compiled.targets).cwiseAbs().maxCoeff(), 0.0);
}

TEST(DeeplinearData, NamesAndIndices) {
  const auto d = living_things();
  EXPECT_EQ(item_index(d, "pine"), 0);
  EXPECT_EQ(item_index(d, "Salmon"), 7);
  EXPECT_EQ(item_index(d, "3"), 3);
  EXPECT_EQ(feature_index(d, "living_thing"), 0);  // underscores and case are forgiven
  EXPECT_EQ(feature_index(d, "scales"), 35);
  EXPECT_THROW(item_index(d, "8"), nt::invalid_argument);
  EXPECT_THROW(item_index(d, "shark"), nt::invalid_argument);
  EXPECT_THROW(feature_index(d, "-1"), nt::invalid_argument);
  EXPECT_EQ(dataset_by_name("living_things").items(), 8);
  EXPECT_EQ(dataset_by_name("four-items").items(), 4);
  EXPECT_THROW(dataset_by_name("mnist"), nt::invalid_argument);
  EXPECT_THROW(read_item_table("/nonexistent/table.csv"), nt::io_error);
}

TEST(DeeplinearData, HierarchyEigenvaluesDiagonalizeTheAnalyticCovariance) {
  // The formula of notes 2.4 against a direct eigendecomposition of E[y_i y_j] = q^k (rounding only).
  for (const auto& [b, l, eps] : {std::tuple{2, 3, 0.15}, std::tuple{3, 2, 0.1}, std::tuple{2, 4, 0.3},
                                  std::tuple{4, 1, 0.2}, std::tuple{2, 2, 0.0}, std::tuple{2, 2, 0.5}}) {
    hierarchy_options o;
    o.branching = b;
    o.levels = l;
    o.flip = eps;
    const Eigen::VectorXd lambda = hierarchy_eigenvalues(o);
    const Eigen::VectorXi mult = hierarchy_multiplicities(o);
    ASSERT_EQ(lambda.size(), l + 1);
    EXPECT_EQ(mult.sum(), static_cast<int>(std::lround(std::pow(b, l))));
    std::vector<double> expected;
    for (int k = 0; k <= l; ++k) {
      for (int m = 0; m < mult(k); ++m) expected.push_back(lambda(k));
    }
    std::sort(expected.begin(), expected.end());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(hierarchy_covariance(o));
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(eig.eigenvalues()(static_cast<Eigen::Index>(i)), expected[i], 1e-12 * lambda(0))
          << "B=" << b << " L=" << l << " eps=" << eps;
    }
    // Coarse to fine: strictly decreasing for eps < 1/2 (notes 2.4).
    if (eps > 0.0 && eps < 0.5) {
      for (int k = 1; k <= l; ++k) EXPECT_LT(lambda(k), lambda(k - 1));
    }
    EXPECT_NEAR(hierarchy_singular_values(o)(0), std::sqrt(o.features * lambda(0)), 1e-12 * lambda(0) * 100);
  }
}

TEST(DeeplinearData, BranchingDiffusionSampleMatchesTheAnalyticCovariance) {
  // B = 2, L = 3, eps = 0.15 (S19 Fig. 4 setting), N_f = 2000 features x 4 seeds. For every level k,
  // lambda_hat_k = mean over the level's Haar eigenvectors e of (1/N_f) sum_f (e . y_f)^2; its standard
  // error comes from the sample variance of (e . y_f)^2 over features and seeds: |z| < 5.
  hierarchy_options o;
  o.features = 2000;
  const Eigen::VectorXd lambda = hierarchy_eigenvalues(o);
  const Eigen::VectorXi mult = hierarchy_multiplicities(o);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(hierarchy_covariance(o));
  // Eigenvectors grouped by level (eigenvalues ascending: finest level first).
  std::vector<std::vector<double>> per_level(static_cast<std::size_t>(o.levels + 1));
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    o.seed = seed;
    const auto d = branching_diffusion(o);
    ASSERT_EQ(d.items(), 8);
    ASSERT_EQ(d.features(), 2000);
    EXPECT_EQ(d.targets.cwiseAbs().minCoeff(), 1.0);              // entries are +-1
    const Eigen::MatrixXd proj = d.targets * eig.eigenvectors();  // features x 8
    Eigen::Index col = 0;
    for (int k = o.levels; k >= 0; --k) {
      for (int m = 0; m < mult(k); ++m, ++col) {
        for (Eigen::Index f = 0; f < proj.rows(); ++f) {
          per_level[static_cast<std::size_t>(k)].push_back(proj(f, col) * proj(f, col));
        }
      }
    }
  }
  for (int k = 0; k <= o.levels; ++k) {
    const auto st = nt::test::stats(per_level[static_cast<std::size_t>(k)]);
    EXPECT_NEAR(st.mean, lambda(k), 5 * st.sem) << "level " << k;
    EXPECT_LT(st.sem, 0.05 * lambda(k));  // the check resolves the eigenvalue to better than 25%
  }
  // Same seed, same data; another seed, other data (counter-based streams).
  o.seed = 1;
  EXPECT_EQ((branching_diffusion(o).targets - branching_diffusion(o).targets).cwiseAbs().maxCoeff(), 0.0);
  hierarchy_options o2 = o;
  o2.seed = 2;
  EXPECT_GT((branching_diffusion(o).targets - branching_diffusion(o2).targets).cwiseAbs().maxCoeff(), 0.0);
}

TEST(DeeplinearData, BranchingDiffusionSingularValuesFollowTheLevels) {
  // Large N_f: s_k^2 / N_f of the sampled Y approach lambda_k. Per level the mean of s^2/N_f over the
  // level's multiplicity fluctuates by ~lambda sqrt(2/N_f) (Wishart): 5 of those as tolerance.
  hierarchy_options o;
  o.features = 4000;
  o.seed = 7;
  const auto c = correlations(branching_diffusion(o));
  const Eigen::VectorXd lambda = hierarchy_eigenvalues(o);
  const Eigen::VectorXi mult = hierarchy_multiplicities(o);
  Eigen::Index idx = 0;
  for (int k = 0; k <= o.levels; ++k) {
    double mean = 0;
    for (int m = 0; m < mult(k); ++m, ++idx) mean += c.s(idx) * c.s(idx) / o.features;
    mean /= mult(k);
    EXPECT_NEAR(mean, lambda(k), 5 * lambda(k) * std::sqrt(2.0 / o.features) + 0.02 * lambda(k)) << "level " << k;
  }
}

TEST(DeeplinearData, BadHierarchyOptionsThrow) {
  auto bad = [](auto change) {
    hierarchy_options o;
    change(o);
    return o;
  };
  EXPECT_THROW(branching_diffusion(bad([](auto& o) { o.branching = 1; })), nt::invalid_argument);
  EXPECT_THROW(branching_diffusion(bad([](auto& o) { o.levels = 0; })), nt::invalid_argument);
  EXPECT_THROW(hierarchy_eigenvalues(bad([](auto& o) { o.flip = 0.6; })), nt::invalid_argument);
  EXPECT_THROW(hierarchy_eigenvalues(bad([](auto& o) { o.flip = -0.1; })), nt::invalid_argument);
  EXPECT_THROW(branching_diffusion(bad([](auto& o) { o.features = 0; })), nt::invalid_argument);
  EXPECT_THROW(branching_diffusion(bad([](auto& o) { o.levels = 40; })), nt::invalid_argument);
  dataset broken = four_items();
  broken.inputs = Eigen::MatrixXd::Identity(3, 3);
  EXPECT_THROW(correlations(broken), nt::invalid_argument);
}

}  // namespace
