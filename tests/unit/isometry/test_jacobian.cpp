// Empirical Jacobian spectra [Pe17] against exact results. Statistical comparisons allow 5
// standard errors (from the spread over seeds, or from the known variance) plus a stated bound on
// the finite-width or finite-depth bias; a false alarm at 5 sigma is ~6e-7 per comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/isometry/jacobian.hpp"

#include "../test_support.hpp"

namespace {

namespace iso = nt::isometry;

iso::jacobian_options options(const char* activation, double sigma_w2, double sigma_b2, const char* weights, int width,
                              int depth, int seeds, const char* method) {
  iso::jacobian_options o;
  o.network = {activation, sigma_w2, sigma_b2, 0};
  o.weights = weights;
  o.width = width;
  o.depth = depth;
  o.seeds = seeds;
  o.method = method;
  o.seed = 7;
  return o;
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

// Per-seed moments (1/N) sum_i lambda_i^k from a result.
std::vector<double> seed_moments(const iso::jacobian_result& r, int k) {
  std::vector<double> m;
  for (Eigen::Index s = 0; s < r.lambda.rows(); ++s) m.push_back(r.lambda.row(s).pow(k).mean());
  return m;
}

TEST(Jacobian, BadOptionsNameTheField) {
  auto expect_field = [](const iso::jacobian_options& o, const std::string& field) {
    try {
      (void)iso::simulate_jacobian(o);
      ADD_FAILURE() << "no exception for bad " << field;
    } catch (const nt::invalid_argument& e) {
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  auto o = options("tanh", 1.0, 0.01, "orthogonal", 8, 2, 1, "auto");
  o.width = 0;
  expect_field(o, "width");
  o = options("tanh", 1.0, 0.01, "orthogonal", 8, 2, 1, "foo");
  expect_field(o, "method");
  o = options("tanh", 1.0, 0.01, "x", 8, 2, 1, "auto");
  expect_field(o, "weights");
  o = options("tanh", 1.0, 0.01, "orthogonal", 8, 0, 1, "auto");
  expect_field(o, "depth");
  o = options("tanh", 1.0, 0.01, "orthogonal", 8, 2, 0, "auto");
  expect_field(o, "seeds");
}

// Deep linear network with orthogonal weights, sigma_w2 = 1: J is orthogonal, every singular value
// is 1 [Sx14]. L = 1000 layers of rounding (~1e-16 each) stay far below 1e-10.
TEST(Jacobian, OrthogonalLinearNetworkIsAnIsometry) {
  for (const char* method : {"direct", "qr"}) {
    const auto r = iso::simulate_jacobian(options("linear", 1.0, 0.0, "orthogonal", 64, 1000, 1, method));
    EXPECT_EQ(r.method, method);
    EXPECT_LT(r.log_singular_values.abs().maxCoeff(), 1e-10) << method;
  }
}

// Gaussian linear network, sigma_w2 = 1, W_ij ~ N(0, 1/N). With A = J J^T after l layers,
// u = E (tr A)^2 and v = E tr A^2 obey exactly (Wick's theorem on W A W^T)
//   u' = u + 2 v / N,   v' = u / N + (1 + 1/N) v,   u_0 = N^2, v_0 = N,
// so m_2 = v_L / N (-> L + 1, Fuss-Catalan, as N -> infinity) and m_1 = 1 exactly.
TEST(Jacobian, GaussianLinearMomentsMatchTheExactFiniteWidthValues) {
  constexpr int n = 400, depth = 3, seeds = 8;
  const auto r = iso::simulate_jacobian(options("linear", 1.0, 0.0, "gaussian", n, depth, seeds, "direct"));
  double u = double(n) * n, v = n;
  for (int l = 0; l < depth; ++l) {
    const double u1 = u + 2.0 * v / n;
    v = u / n + (1.0 + 1.0 / n) * v;
    u = u1;
  }
  const double m2_exact = v / n;
  EXPECT_NEAR(m2_exact, depth + 1.0, 0.05);
  const auto m1 = nt::test::stats(seed_moments(r, 1));
  const auto m2 = nt::test::stats(seed_moments(r, 2));
  EXPECT_NEAR(m1.mean, 1.0, 5.0 * m1.sem);
  EXPECT_NEAR(m2.mean, m2_exact, 5.0 * m2.sem);
  EXPECT_NEAR(r.mean, m1.mean, 1e-12);
  EXPECT_NEAR(r.variance, m2.mean - m1.mean * m1.mean, 1e-10);
}

// Products of L Ginibre matrices (entries N(0, sigma_w2/N)): with QR along the product, log R_ii^2
// is a sum of L independent log(chi^2_{N-i+1} sigma_w2/N), so log s_i^2 / L has mean
// psi((N-i+1)/2) + ln(2 sigma_w2/N) and variance psi'((N-i+1)/2) / L, up to an O(1)/L bias
// (bounded here by 4/L). L = 2000 layers at N = 32 span ~e^{+-4700}: only qr can do this.
TEST(Jacobian, GaussianLinearLyapunovSpectrumMatchesGinibreProducts) {
  constexpr int n = 32, depth = 2000, seeds = 2;
  const double sw2 = 1.0;
  const auto r = iso::simulate_jacobian(options("linear", sw2, 0.0, "gaussian", n, depth, seeds, "auto"));
  EXPECT_EQ(r.method, "qr");
  ASSERT_TRUE(r.log_singular_values.isFinite().all());
  for (int i = 1; i <= n; ++i) {
    const double k = (n - i + 1) / 2.0;
    const double expected = boost::math::digamma(k) + std::log(2.0 * sw2 / n);
    const double sd = std::sqrt(boost::math::trigamma(k) / depth / seeds);
    const double measured = 2.0 * r.log_singular_values.col(i - 1).mean() / depth;
    EXPECT_NEAR(measured, expected, 5.0 * sd + 4.0 / depth) << "i = " << i;
  }
}

// Where the direct spectrum is exact (it spans a few decades), both methods give the same numbers
// from the same random streams, to rounding (relative 1e-9 on s).
TEST(Jacobian, QrAndDirectAgreeWhereBothAreValid) {
  for (auto o : {options("tanh", 1.2, 0.05, "orthogonal", 96, 24, 2, "direct"),
                 options("tanh", 1.5, 0.05, "gaussian", 96, 2, 2, "direct")}) {
    const auto direct = iso::simulate_jacobian(o);
    o.method = "qr";
    const auto qr = iso::simulate_jacobian(o);
    const double spread = (direct.log_singular_values.col(0) - direct.log_singular_values.col(o.width - 1)).maxCoeff();
    EXPECT_LT(spread, std::log(1e8)) << o.weights;
    EXPECT_LT((direct.log_singular_values - qr.log_singular_values).abs().maxCoeff(), 1e-9) << o.weights;
    o.method = "auto";
    EXPECT_EQ(iso::simulate_jacobian(o).method, "direct") << o.weights;
  }
}

// ReLU with orthogonal weights at criticality (sigma_w2 = 2, sigma_b2 = 0), [Pe17]: D^2 is
// Bernoulli(1/2), rank J = min_l n_l with n_l ~ Bin(N, 1/2) active units, so the zero fraction is
// 1/2 + max_l (1/2 - n_l/N): mean 1/2 + 1.267 / (2 sqrt N) for L = 6 (E max of 6 standard
// normals = 1.267), standard deviation 0.64 / (2 sqrt N) per seed. Nonzero spectrum: m_1 = 1,
// variance L (mu_2/mu_1^2 - 1 = 1); finite-width bias allowed: 2 L^2 / N.
TEST(Jacobian, ReluOrthogonalHasHalfZeroSingularValuesAndVarianceL) {
  constexpr int n = 256, depth = 6, seeds = 6;
  auto o = options("relu", 2.0, 0.0, "orthogonal", n, depth, seeds, "auto");
  o.q_input = 1.0;
  const auto r = iso::simulate_jacobian(o);
  EXPECT_EQ(r.method, "qr");  // exact zeros: s_min / s_max below the direct range
  std::vector<double> zero_fraction;
  for (Eigen::Index s = 0; s < seeds; ++s) {
    const double top = r.log_singular_values(s, 0);
    zero_fraction.push_back((r.log_singular_values.row(s) < top - std::log(1e8)).cast<double>().mean());
  }
  const auto z = nt::test::stats(zero_fraction);
  const double sd = 0.5 / std::sqrt(double(n));
  EXPECT_NEAR(z.mean, 0.5 + 1.267 * sd, 5.0 * 0.64 * sd / std::sqrt(double(seeds)));
  EXPECT_NEAR(r.mean, 1.0, 5.0 * r.mean_sem + 2.0 * depth / n);
  EXPECT_NEAR(r.variance, depth, 5.0 * r.variance_sem + 2.0 * depth * depth / n);
}

TEST(Jacobian, ResultsDoNotDependOnTheThreadCount) {
  // seeds = 1 and 3 with 2 threads: each network's column blocks shared between the threads; with
  // 1 thread, whole networks. seeds = 2: one network per thread.
  for (auto o : {options("tanh", 1.3, 0.05, "gaussian", 256, 5, 1, "direct"),
                 options("tanh", 1.3, 0.05, "orthogonal", 256, 5, 3, "direct"),
                 options("tanh", 1.3, 0.05, "gaussian", 256, 5, 2, "qr"),
                 options("tanh", 1.3, 0.05, "orthogonal", 256, 9, 1, "qr")}) {
    iso::jacobian_result one, two;
    {
      const thread_count_guard g(1);
      one = iso::simulate_jacobian(o);
    }
    {
      const thread_count_guard g(2);
      two = iso::simulate_jacobian(o);
    }
    EXPECT_TRUE((one.log_singular_values == two.log_singular_values).all()) << o.weights << " " << o.method;
  }
}

// --- stable_product and the row-scaled Jacobi SVD ------------------------------------------

Eigen::MatrixXd haar(std::uint64_t id, Eigen::Index n) {
  Eigen::MatrixXd o(n, n);
  nt::rng::stream s(99, {id});
  nt::haar_orthogonal_matrix(s, 1.0, o);
  return o;
}

// M_l = U_l diag(e^a) U_{l-1}^T multiply to U_L diag(e^{L a}) U_0^T: with a in [-4, 4] and
// L = 500 the singular values are e^{500 a}, spanning e^{+-2000}. (Each factor's own spread e^8
// keeps its singular values exact to ~1e-12 relative in floating point; rounding adds ~1e-11.)
TEST(StableProduct, RotatedDiagonalProductSpanningThousandsOfEFolds) {
  constexpr Eigen::Index n = 12;
  constexpr int depth = 500;
  const Eigen::ArrayXd a = Eigen::ArrayXd::LinSpaced(n, 4.0, -4.0);
  iso::stable_product p(n);
  Eigen::MatrixXd previous = haar(0, n);
  for (int l = 1; l <= depth; ++l) {
    const Eigen::MatrixXd u = haar(static_cast<std::uint64_t>(l), n);
    p.multiply(u * a.exp().matrix().asDiagonal() * previous.transpose());
    previous = u;
  }
  const Eigen::ArrayXd got = p.log_singular_values();
  ASSERT_TRUE(got.isFinite().all());
  EXPECT_LT((got - depth * a).abs().maxCoeff(), 1e-9);
}

TEST(StableProduct, MatchesTheExplicitProductAndDiagonalProducts) {
  constexpr Eigen::Index n = 10;
  iso::stable_product p(n);
  Eigen::MatrixXd explicit_product = Eigen::MatrixXd::Identity(n, n);
  for (std::uint64_t l = 0; l < 6; ++l) {
    Eigen::MatrixXd m(n, n);
    nt::rng::stream s(3, {l});
    nt::gaussian_matrix(s, 1.0, m);
    p.multiply(m);
    explicit_product = m * explicit_product;
  }
  // Eigen's SVD of the explicit product is exact to ~n eps s_max in absolute terms.
  const Eigen::ArrayXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(explicit_product).singularValues().array();
  const Eigen::ArrayXd got = p.log_singular_values();
  for (Eigen::Index i = 0; i < n; ++i) {
    EXPECT_NEAR(got[i], std::log(sv[i]), 1e-12 + 1e-14 * sv[0] / sv[i]) << "i = " << i;
  }

  // Unsorted diagonal factors: log s = sorted sums of the logs.
  iso::stable_product d(4);
  Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(4);
  for (int l = 0; l < 50; ++l) {
    Eigen::ArrayXd logs(4);
    logs << -30.0, 25.0, 0.5 * l - 10.0, 1e-3;
    sum += logs;
    d.multiply(logs.exp().matrix().asDiagonal().toDenseMatrix());
  }
  std::sort(sum.begin(), sum.end(), std::greater<>());
  EXPECT_LT((d.log_singular_values() - sum).abs().maxCoeff(), 1e-9);
  EXPECT_THROW(d.multiply(Eigen::MatrixXd::Identity(3, 3)), nt::invalid_argument);
}

TEST(RowScaledJacobi, MatchesEigenJacobiSvdAtModerateScales) {
  constexpr Eigen::Index m = 20, n = 30;
  Eigen::MatrixXd rows(m, n);
  nt::rng::stream s(11, {1});
  s.fill_normal({rows.data(), static_cast<std::size_t>(rows.size())});
  Eigen::ArrayXd scale(m);
  for (Eigen::Index i = 0; i < m; ++i) scale[i] = 6.0 * s.uniform() - 3.0;
  const Eigen::MatrixXd a = scale.exp().matrix().asDiagonal() * rows;
  const Eigen::ArrayXd want = Eigen::JacobiSVD<Eigen::MatrixXd>(a).singularValues().array().log();
  const Eigen::ArrayXd got = iso::row_scaled_log_singular_values(rows, scale);
  ASSERT_EQ(got.size(), m);
  EXPECT_LT((got - want).abs().maxCoeff(), 1e-11);
}

// diag(e^r) T V with T lower triangular, r decreasing in steps of 300, V orthogonal: the singular
// values are e^{r_i} |T_ii| up to relative e^{-600} (Gram-Schmidt of the graded rows in order),
// whatever the row order. Scales span e^{+-1500}, far beyond the double range.
TEST(RowScaledJacobi, HugeScalesGiveTheKnownAnswer) {
  constexpr Eigen::Index m = 10;
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(m, m);
  nt::rng::stream s(12, {1});
  Eigen::ArrayXd r(m), want(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    for (Eigen::Index j = 0; j < i; ++j) t(i, j) = s.normal();
    t(i, i) = 0.5 + 1.5 * s.uniform();
    r[i] = 1500.0 - 300.0 * static_cast<double>(i);
    want[i] = r[i] + std::log(t(i, i));
  }
  Eigen::MatrixXd rows = t * haar(1000, m);
  // Shuffle the rows (the answer does not depend on their order).
  const std::vector<Eigen::Index> perm = {3, 7, 0, 9, 1, 5, 2, 8, 6, 4};
  Eigen::MatrixXd shuffled(m, m);
  Eigen::ArrayXd shuffled_r(m);
  for (Eigen::Index k = 0; k < m; ++k) {
    shuffled.row(k) = rows.row(perm[static_cast<std::size_t>(k)]);
    shuffled_r[k] = r[perm[static_cast<std::size_t>(k)]];
  }
  const Eigen::ArrayXd got = iso::row_scaled_log_singular_values(shuffled, shuffled_r);
  EXPECT_LT((got - want).abs().maxCoeff(), 1e-10);

  // Zero rows and -inf scales give -inf; more rows than columns is refused.
  Eigen::MatrixXd z = Eigen::MatrixXd::Identity(3, 4);
  z.row(1).setZero();
  Eigen::ArrayXd zr(3);
  zr << 2.0, 0.0, -std::numeric_limits<double>::infinity();
  const Eigen::ArrayXd zs = iso::row_scaled_log_singular_values(z, zr);
  EXPECT_DOUBLE_EQ(zs[0], 2.0);
  EXPECT_EQ(zs[1], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(zs[2], -std::numeric_limits<double>::infinity());
  EXPECT_THROW((void)iso::row_scaled_log_singular_values(Eigen::MatrixXd::Identity(4, 3), Eigen::ArrayXd::Zero(4)),
               nt::invalid_argument);
}

}  // namespace
