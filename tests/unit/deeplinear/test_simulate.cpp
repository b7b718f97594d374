// Gradient descent of deep (linear) networks against the exact learning dynamics [S14, S19]. Tolerances
// follow from the step size: forward Euler (gradient descent) deviates from the flow by about
// 2-3 x eta * s_max relative along a learning curve (notes sec. 6), and the deviation is first order in eta,
// which the tests check by halving eta; RK4 is fourth order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/SVD>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/deeplinear/data.hpp"
#include "neurotheory/deeplinear/dynamics.hpp"
#include "neurotheory/deeplinear/simulate.hpp"

namespace {

namespace dl = nt::deeplinear;

dl::network_options network(std::vector<int> widths, const char* init, double scale, const char* act = "linear") {
  dl::network_options o;
  o.widths = std::move(widths);
  o.init = init;
  o.init_scale = scale;
  o.activation = act;
  o.seed = 7;
  return o;
}

dl::training_options training(double eta, long steps, long every = 0) {
  dl::training_options o;
  o.learning_rate = eta;
  o.steps = steps;
  o.record_every = every;
  return o;
}

// Largest |a_sim - a_theory| / s_alpha over records and the first `modes` modes.
double max_relative_deviation(const dl::simulation_result& r, double a0, int depth, Eigen::Index modes) {
  double worst = 0;
  for (Eigen::Index k = 0; k < r.times.size(); ++k) {
    for (Eigen::Index a = 0; a < modes; ++a) {
      const double s = r.singular_values[a];
      const double th = dl::mode_strength(r.times[k], s, a0, depth);
      worst = std::max(worst, std::abs(r.mode_strengths(k, a) - th) / s);
    }
  }
  return worst;
}

// The scalar balanced-mode flow du/dt = D u^{2-2/D} (s - u) [S14 sec. 5] by RK4 with step h, at the given
// ascending times: an integration independent of the theory module's inversion of the learning-time integral.
std::vector<double> deep_mode_rk4(const std::vector<double>& times, double s, double a0, int depth, double h) {
  const auto f = [&](double u) { return depth * std::pow(u, 2.0 - 2.0 / depth) * (s - u); };
  double u = a0;
  long done = 0;
  std::vector<double> out;
  for (double t : times) {
    for (const long n = std::lround(t / h); done < n; ++done) {
      const double k1 = f(u), k2 = f(u + 0.5 * h * k1), k3 = f(u + 0.5 * h * k2), k4 = f(u + h * k3);
      u += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    out.push_back(u);
  }
  return out;
}

// Time at which a recorded curve first crosses `level` (linear interpolation between records).
double crossing_time(const dl::simulation_result& r, Eigen::Index mode, double level) {
  for (Eigen::Index k = 1; k < r.times.size(); ++k) {
    const double a = r.mode_strengths(k - 1, mode), b = r.mode_strengths(k, mode);
    if (a < level && b >= level) return r.times[k - 1] + (level - a) / (b - a) * (r.times[k] - r.times[k - 1]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

TEST(DeeplinearSimulate, TwoLayerBalancedGradientDescentFollowsTheClosedForm) {
  // Living things (s_max = 6.806), 16 hidden units, a0 = 1e-3; until t = 5 every mode but the last two
  // has finished (half times 0.65 ... 3.45, notes 2.3).
  const auto data = dl::living_things();
  const double a0 = 1e-3, t_end = 5.0;
  double previous = 0;
  for (double eta : {2e-3, 1e-3}) {
    const auto r = dl::simulate(data, network({8, 16, 36}, "balanced", a0), training(eta, std::lround(t_end / eta)));
    ASSERT_EQ(r.status, "completed");
    EXPECT_NEAR(r.mode_strengths(0, 0), a0, 1e-15);  // decoupled start at a0 on every mode
    EXPECT_NEAR(r.mode_strengths(0, 7), a0, 1e-15);
    const double dev = max_relative_deviation(r, a0, 2, 8);
    const double s_max = r.singular_values[0];
    // notes sec. 6: worst relative deviation about 2-3 x eta s_max.
    EXPECT_LT(dev, 3.0 * eta * s_max) << "eta " << eta;
    EXPECT_GT(dev, 0.1 * eta * s_max) << "eta " << eta;  // a real Euler error, not an identity
    // First order in eta: halving the step halves the deviation (within 15%: O(eta^2) remainder).
    if (previous > 0) {
      EXPECT_NEAR(previous / dev, 2.0, 0.3);
    }
    previous = dev;
    // The loss is the closed form's 1/2 sum (s - a)^2 (one-hot items: Y lies in the span of the modes).
    const Eigen::Index last = r.times.size() - 1;
    double loss = 0;
    for (Eigen::Index a = 0; a < 8; ++a) loss += 0.5 * std::pow(r.singular_values[a] - r.mode_strengths(last, a), 2);
    EXPECT_NEAR(r.loss[last], loss, 1e-12 * r.loss[0]);
    // Hidden representations: W1 = R A^{1/2} V^T, so h_i . h_j = [V A(t) V^T]_ij [S19 eq. for h_i(t)].
    const Eigen::MatrixXd& h = r.hidden[static_cast<std::size_t>(last)][0];
    const Eigen::MatrixXd rsm = h.transpose() * h;
    const Eigen::MatrixXd expect = r.v * r.mode_strengths.row(last).transpose().asDiagonal() * r.v.transpose();
    EXPECT_LT((rsm - expect).cwiseAbs().maxCoeff(), 1e-10 * expect.cwiseAbs().maxCoeff());
  }
}

TEST(DeeplinearSimulate, DeepBalancedNetworksFollowTheDeepModeEquation) {
  // Four items (s = sqrt7, sqrt3, 1, 1), composite a0 = 0.01, depths 3 and 4, until t = 10 (all learned);
  // depth 1 is the shallow network, u = s + (a0 - s) e^{-t} [S19 Fig. ~3: no plateaus].
  const auto data = dl::four_items();
  const double a0 = 0.01, eta = 2e-3;
  for (int depth : {1, 3, 4}) {
    std::vector<int> widths = {4};
    for (int l = 1; l < depth; ++l) widths.push_back(6);
    widths.push_back(7);
    const auto r = dl::simulate(data, network(widths, "balanced", a0), training(eta, 5000, 50));
    ASSERT_EQ(r.status, "completed");
    const double s_max = r.singular_values[0];
    EXPECT_LT(max_relative_deviation(r, a0, depth, 4), 3.0 * eta * s_max) << "depth " << depth;
    // The theory's u(t) against an independent RK4 of the scalar ODE (step 5e-4: (h s)^4 ~ 3e-12).
    const std::vector<double> times = {1.0, 3.0, 6.0};
    for (Eigen::Index a = 0; a < 3; ++a) {
      const double s = r.singular_values[a];
      const auto u = deep_mode_rk4(times, s, a0, depth, 5e-4);
      for (std::size_t k = 0; k < times.size(); ++k) {
        EXPECT_NEAR(dl::mode_strength(times[k], s, a0, depth), u[k], 1e-8 * s) << depth << " " << times[k] << " " << s;
      }
    }
  }
}

TEST(DeeplinearSimulate, Rk4GradientFlowMatchesTheClosedFormTo1e8) {
  // RK4 of the full weight flow: global error O(h^4); h = 2e-3 with s_max = 2.65 gives (h s)^4 ~ 1e-9.
  const auto data = dl::four_items();
  const double a0 = 1e-3, h = 2e-3;
  auto t = training(h, 4000, 100);
  t.integrator = "rk4";
  const auto r = dl::simulate(data, network({4, 5, 7}, "balanced", a0), t);
  ASSERT_EQ(r.status, "completed");
  EXPECT_LT(max_relative_deviation(r, a0, 2, 4), 1e-8);
  auto t3 = t;
  const auto r3 = dl::simulate(data, network({4, 5, 5, 7}, "balanced", 0.05), t3);
  EXPECT_LT(max_relative_deviation(r3, 0.05, 3, 4), 1e-8);
}

TEST(DeeplinearSimulate, SmallRandomInitIsDelayedAsTheEffectiveA0Predicts) {
  // Small iid init (sigma0 = 1e-3, 32 hidden units): each mode's half-learning time follows
  // t_half = ln(s/a0_eff - 1)/(2s) with a0_eff from the initial weights (notes 1.4: to ~1-5%), and
  // halving sigma0 (a0_eff / 4) delays every mode by ln(4)/(2s) [S14: plateau ~ ln(1/a0)/s].
  // Measured: half times within 0.3-0.7% (Euler at eta s_max = 6.8e-3 plus the a0_eff approximation),
  // delays within 0.3%; allowed 2%. Records every 5 steps: interpolation error < (5 eta)^2 s^2 ~ 1e-3 %.
  const auto data = dl::living_things();
  const double eta = 1e-3;
  std::vector<Eigen::VectorXd> half(2);
  for (int k = 0; k < 2; ++k) {
    const double sigma0 = k == 0 ? 1e-3 : 0.5e-3;
    const auto r = dl::simulate(data, network({8, 32, 36}, "small_gaussian", sigma0), training(eta, 6000, 5));
    const auto a0 = dl::effective_a0(r.initial_weights[0], r.initial_weights[1], r.u, r.v);
    half[k].resize(8);
    for (Eigen::Index a : {0, 1, 4, 5}) {  // distinct singular values (3 and 4 are nearly degenerate)
      const double s = r.singular_values[a];
      half[k][a] = crossing_time(r, a, s / 2);
      const double predicted = std::log(s / a0[a] - 1.0) / (2.0 * s);
      EXPECT_NEAR(half[k][a], predicted, 0.02 * predicted) << "mode " << a << " sigma0 " << sigma0;
    }
  }
  for (Eigen::Index a : {0, 1, 4, 5}) {
    const double s = dl::correlations(data).s[a];
    EXPECT_NEAR(half[1][a] - half[0][a], std::log(4.0) / (2.0 * s), 0.02 * std::log(4.0) / (2.0 * s)) << a;
  }
}

TEST(DeeplinearSimulate, OrthogonalInitGivesAnIsometricProductAtEveryDepth) {
  // [S14 sec. 5, Fig. ~4]: a product of orthogonal matrices has all singular values exactly 1; a product
  // of Gaussian N(0, 1/N) matrices spreads.
  dl::dataset data;
  data.inputs = Eigen::MatrixXd::Identity(16, 16);
  data.targets = Eigen::MatrixXd::Identity(16, 16);
  for (int depth : {1, 3, 8}) {
    const std::vector<int> widths(static_cast<std::size_t>(depth) + 1, 16);
    const auto w = dl::initial_weights(data, network(widths, "orthogonal", 1.0));
    Eigen::MatrixXd prod = Eigen::MatrixXd::Identity(16, 16);
    for (const auto& m : w) prod = m * prod;
    const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(prod).singularValues();
    EXPECT_LT((s.array() - 1.0).abs().maxCoeff(), 1e-13 * depth) << depth;
    if (depth == 8) {
      const auto g = dl::initial_weights(data, network(widths, "small_gaussian", 0.25));  // variance 1/16
      Eigen::MatrixXd pg = Eigen::MatrixXd::Identity(16, 16);
      for (const auto& m : g) pg = m * pg;
      const Eigen::VectorXd sg = Eigen::JacobiSVD<Eigen::MatrixXd>(pg).singularValues();
      EXPECT_GT(sg[0] / sg[15], 1e3);
    }
  }
  // The run records the same: all mode strengths of W_tot = I targets' modes are 1 at t = 0.
  const auto r = dl::simulate(data, network({16, 16, 16, 16}, "orthogonal", 1.0), training(0.01, 0));
  ASSERT_EQ(r.times.size(), 1);
  const Eigen::MatrixXd& w3 = r.weights[2];
  const Eigen::MatrixXd tot = w3 * r.weights[1] * r.weights[0];
  EXPECT_LT((tot.transpose() * tot - Eigen::MatrixXd::Identity(16, 16)).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(DeeplinearSimulate, LossDecreasesMonotonicallyAndDivergenceIsAStatus) {
  const auto data = dl::living_things();
  const auto r = dl::simulate(data, network({8, 12, 12, 36}, "small_gaussian", 0.1), training(5e-3, 2000, 1));
  ASSERT_EQ(r.status, "completed");
  ASSERT_EQ(r.loss.size(), 2001);
  // eta = 5e-3 is far below the stability limit 2/(D s_max^{2-2/D}) = 0.019 at the solution (D = 3).
  for (Eigen::Index k = 1; k < r.loss.size(); ++k) EXPECT_LE(r.loss[k], r.loss[k - 1] * (1 + 1e-14)) << k;
  EXPECT_LT(r.loss[r.loss.size() - 1], 1e-3 * r.loss[0]);
  // Far above the limit the run diverges: a status, finite records, never NaN in the curves.
  const auto bad = dl::simulate(data, network({8, 12, 36}, "small_gaussian", 0.5), training(1.0, 1000, 1));
  EXPECT_EQ(bad.status, "diverged");
  EXPECT_LT(bad.steps_done, 1000);
  EXPECT_TRUE(bad.loss.allFinite());
  EXPECT_TRUE(bad.mode_strengths.allFinite());
  EXPECT_EQ(bad.loss.size(), bad.times.size());
}

TEST(DeeplinearSimulate, BackpropagationMatchesFiniteDifferencesForEveryActivation) {
  // One gradient step W' = W + eta g gives g = -dL/dW; central differences of the loss along g and
  // along a random direction must give -|g|^2 and -<g, d>: truncation O(eps^2) ~ 1e-10 and rounding
  // ~ 1e-16 L / eps ~ 1e-9 (measured 1e-11 and 1e-9 relative to |g|^2, |g|); allowed 1e-6.
  const auto data = dl::four_items();
  for (const char* act : {"linear", "tanh", "relu"}) {
    const auto net = network({4, 6, 5, 7}, "small_gaussian", 0.7, act);
    const auto w0 = dl::initial_weights(data, net);
    auto given = net;
    given.init = "given";
    const double eta = 1e-7;
    const auto step = dl::simulate(data, given, training(eta, 1), w0);
    std::vector<Eigen::MatrixXd> g(w0.size()), dir(w0.size());
    nt::rng::stream s(3);
    double gg = 0, gd = 0;
    for (std::size_t l = 0; l < w0.size(); ++l) {
      g[l] = (step.weights[l] - w0[l]) / eta;
      dir[l].resizeLike(w0[l]);
      s.fill_normal({dir[l].data(), static_cast<std::size_t>(dir[l].size())});
      gg += g[l].squaredNorm();
      gd += (g[l].array() * dir[l].array()).sum();
    }
    const auto loss_at = [&](const std::vector<Eigen::MatrixXd>& d, double eps) {
      std::vector<Eigen::MatrixXd> w = w0;
      for (std::size_t l = 0; l < w.size(); ++l) w[l] += eps * d[l];
      return dl::simulate(data, given, training(eta, 0), w).loss[0];
    };
    const double eps = 1e-5;
    const double along_g =
        (loss_at(g, eps / std::sqrt(gg)) - loss_at(g, -eps / std::sqrt(gg))) / (2 * eps / std::sqrt(gg));
    const double along_d = (loss_at(dir, eps) - loss_at(dir, -eps)) / (2 * eps);
    // g itself carries the O(eta) error of the one-step difference quotient (eta |H| ~ 1e-7 relative).
    EXPECT_NEAR(along_g, -gg, 1e-6 * gg) << act;
    EXPECT_NEAR(along_d, -gd, 1e-6 * std::sqrt(gg)) << act;
  }
}

TEST(DeeplinearSimulate, LastLayerReductionIsExact) {
  // 200 outputs, 5 items, 8 hidden: the last layer lives in a 13-dimensional span. Reduced and plain runs
  // agree to rounding (1e-11 relative over 300 steps), for linear and tanh networks.
  dl::dataset data;
  data.inputs = Eigen::MatrixXd::Identity(5, 5);
  data.targets.resize(200, 5);
  nt::rng::stream s(11);
  s.fill_normal({data.targets.data(), static_cast<std::size_t>(data.targets.size())});
  data.targets /= std::sqrt(200.0);
  for (const char* act : {"linear", "tanh"}) {
    auto t = training(0.05, 300, 10);
    const auto reduced = dl::simulate(data, network({5, 8, 200}, "small_gaussian", 0.1, act), t);
    t.reduce = false;
    const auto plain = dl::simulate(data, network({5, 8, 200}, "small_gaussian", 0.1, act), t);
    EXPECT_TRUE(reduced.reduced_output);
    EXPECT_EQ(reduced.reduced_rank, 13);
    EXPECT_FALSE(plain.reduced_output);
    EXPECT_LT(((reduced.loss - plain.loss).array() / plain.loss.array()).abs().maxCoeff(), 1e-11) << act;
    EXPECT_LT((reduced.mode_strengths - plain.mode_strengths).cwiseAbs().maxCoeff(), 1e-11) << act;
    for (std::size_t l = 0; l < 2; ++l) {
      EXPECT_LT((reduced.weights[l] - plain.weights[l]).cwiseAbs().maxCoeff(), 1e-12) << act << l;
    }
    EXPECT_GT(plain.loss[0] - plain.loss[plain.loss.size() - 1], 0.1 * plain.loss[0]);  // it did learn
  }
}

TEST(DeeplinearSimulate, ResultsDoNotDependOnTheThreadCount) {
  // Large enough that OpenBLAS threads its GEMMs (256 x 256 x 64); the step loop itself is serial.
  dl::dataset data;
  data.inputs.resize(64, 64);
  data.targets.resize(256, 64);
  nt::rng::stream s(5);
  s.fill_normal({data.inputs.data(), static_cast<std::size_t>(data.inputs.size())});
  s.fill_normal({data.targets.data(), static_cast<std::size_t>(data.targets.size())});
  data.inputs /= 8.0;
  data.targets /= 16.0;
  const auto net = network({64, 256, 256}, "small_gaussian", 0.05, "tanh");
  const int before = nt::thread_count();
  nt::set_thread_count(1);
  dl::simulation_result one;
  {
    nt::blas_single_thread guard;
    one = dl::simulate(data, net, training(0.01, 10, 5));
  }
  nt::set_thread_count(2);
  const auto two = dl::simulate(data, net, training(0.01, 10, 5));
  nt::set_thread_count(before);
  // OpenBLAS splits a GEMM's output among threads, never a dot product, so the sums are the same.
  EXPECT_LE((one.loss - two.loss).cwiseAbs().maxCoeff(), 1e-12 * one.loss[0]);
  EXPECT_LE((one.weights[1] - two.weights[1]).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(DeeplinearSimulate, BadOptionsAreRejected) {
  const auto data = dl::four_items();
  const auto ok_net = network({4, 5, 7}, "small_gaussian", 0.01);
  const auto ok_train = training(0.01, 10);
  EXPECT_NO_THROW(dl::simulate(data, ok_net, ok_train));
  const auto bad_net = [&](auto change) {
    auto n = ok_net;
    change(n);
    EXPECT_THROW(dl::simulate(data, n, ok_train), nt::invalid_argument);
  };
  bad_net([](dl::network_options& n) { n.widths = {4}; });
  bad_net([](dl::network_options& n) { n.widths = {4, 0, 7}; });
  bad_net([](dl::network_options& n) { n.widths = {4, 5, 8}; });  // N_out != data
  bad_net([](dl::network_options& n) { n.widths = {3, 5, 7}; });  // N_in != data
  bad_net([](dl::network_options& n) { n.activation = "sigmoid"; });
  bad_net([](dl::network_options& n) { n.init = "xavier"; });
  bad_net([](dl::network_options& n) { n.init = "given"; });  // no weights passed
  bad_net([](dl::network_options& n) { n.init_scale = -1; });
  bad_net([](dl::network_options& n) { n.init_scale = std::numeric_limits<double>::quiet_NaN(); });
  const auto bad_train = [&](auto change) {
    auto t = ok_train;
    change(t);
    EXPECT_THROW(dl::simulate(data, ok_net, t), nt::invalid_argument);
  };
  bad_train([](dl::training_options& t) { t.learning_rate = 0; });
  bad_train([](dl::training_options& t) { t.learning_rate = std::numeric_limits<double>::infinity(); });
  bad_train([](dl::training_options& t) { t.steps = -1; });
  bad_train([](dl::training_options& t) { t.record_every = -2; });
  bad_train([](dl::training_options& t) { t.record_steps = {0, 11}; });
  bad_train([](dl::training_options& t) { t.integrator = "euler"; });
  bad_train([](dl::training_options& t) {
    t.steps = 100000000;
    t.record_every = 1;  // 1e8 records: refused before anything is allocated
  });
  {
    auto t = ok_train;  // 1e6 records of a 200-unit hidden layer: 8e8 numbers, too much memory
    t.steps = 1000000;
    t.record_every = 1;
    EXPECT_THROW(dl::simulate(data, network({4, 200, 7}, "small_gaussian", 0.01), t), nt::invalid_argument);
  }
  // Weights: wrong count, wrong shape, non-finite, or passed without init = given.
  auto given = ok_net;
  given.init = "given";
  auto w = dl::initial_weights(data, ok_net);
  EXPECT_NO_THROW(dl::simulate(data, given, ok_train, w));
  EXPECT_THROW(dl::simulate(data, ok_net, ok_train, w), nt::invalid_argument);
  EXPECT_THROW(dl::simulate(data, given, ok_train, std::vector<Eigen::MatrixXd>{w[0]}), nt::invalid_argument);
  auto wrong = w;
  wrong[1].resize(7, 4);
  EXPECT_THROW(dl::simulate(data, given, ok_train, wrong), nt::invalid_argument);
  auto nan = w;
  nan[0](0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(dl::simulate(data, given, ok_train, nan), nt::invalid_argument);
  // Data: non-finite targets, mismatched item counts.
  auto bad_data = data;
  bad_data.targets(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(dl::simulate(bad_data, ok_net, ok_train), nt::invalid_argument);
  bad_data = data;
  bad_data.inputs.conservativeResize(4, 3);
  EXPECT_THROW(dl::simulate(bad_data, ok_net, ok_train), nt::invalid_argument);
}

}  // namespace
