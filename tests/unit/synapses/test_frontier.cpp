// The memory frontier (LG13 sec. 3-5, notes 1.2): the notes' known values, the bounds' algebra
// (continuity, lifetime bound = crossing of the envelope), models that saturate them, and random valid
// models that must never exceed them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/synapses/frontier.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"

namespace {

namespace syn = nt::synapses;

// Random valid +-1 models: dense rows, sparse rows with random weight signs, nearest-neighbour chains
// with random step probabilities (reversible, the family that reaches the frontier), random f_pot.
syn::markov_model random_model(int M, std::uint64_t id) {
  nt::rng::stream g(77, {static_cast<std::uint64_t>(M), id});
  const int kind = static_cast<int>(id % 3);
  syn::markov_model m;
  m.name = "random" + std::to_string(kind);
  m.weights = Eigen::VectorXd::Ones(M);
  m.weights.head(M / 2).setConstant(-1.0);
  if (kind == 1) {
    for (int i = 0; i < M; ++i) m.weights(i) = g.uniform() < 0.5 ? -1.0 : 1.0;
  }
  auto fill = [&](Eigen::MatrixXd& T, int dir) {
    T = Eigen::MatrixXd::Zero(M, M);
    for (int i = 0; i < M; ++i) {
      if (kind == 2) {
        const int j = std::clamp(i + dir, 0, M - 1);
        const double u = std::pow(g.uniform(), 3.0);  // often small: sticky, slow chains
        T(i, j) += u;
        T(i, i) += 1 - u;
        continue;
      }
      for (int j = 0; j < M; ++j) T(i, j) = (kind == 1 && g.uniform() < 0.7) ? 0.0 : std::pow(g.uniform(), 4.0);
      if (T.row(i).sum() == 0.0) T(i, i) = 1.0;
      T.row(i) /= T.row(i).sum();
    }
  };
  fill(m.potentiation, +1);
  fill(m.depression, -1);
  m.f_pot = (id % 2 == 0) ? 0.5 : 0.1 + 0.8 * g.uniform();
  return m;
}

}  // namespace

TEST(SynapsesFrontier, KnownEnvelopeValues) {
  // Notes sec. 2: N = 100, M = 12 (values quoted to 7 significant digits).
  EXPECT_NEAR(syn::snr_max(1.0, 12, 100.0), 9.131007, 5e-6);
  EXPECT_NEAR(syn::snr_max(20.0, 12, 100.0), 2.023337, 5e-7);
  EXPECT_NEAR(syn::snr_max(1000.0, 12, 100.0), 0.0404667, 5e-8);
  // Continuous at r t = M - 1 with value sqrt(N)/e; rate rescales time.
  EXPECT_NEAR(syn::snr_max(11.0, 12, 100.0), 10.0 / std::numbers::e, 1e-14);
  EXPECT_NEAR(syn::snr_max(11.0 * (1 + 1e-12), 12, 100.0), 10.0 / std::numbers::e, 1e-10);
  EXPECT_DOUBLE_EQ(syn::snr_max(10.0, 12, 100.0, 2.0), syn::snr_max(20.0, 12, 100.0));
  EXPECT_DOUBLE_EQ(syn::area_bound(12, 100.0), 110.0);
  EXPECT_DOUBLE_EQ(syn::initial_snr_bound(100.0), 10.0);
  EXPECT_DOUBLE_EQ(syn::running_average_max(0.0, 12, 100.0), 10.0);
  EXPECT_DOUBLE_EQ(syn::running_average_max(11.0, 12, 100.0), 5.0);
  const auto f = syn::frontier({12, 100.0, 20.0, 1.0, 1.0});
  EXPECT_DOUBLE_EQ(f.snr_max, syn::snr_max(20.0, 12, 100.0));
  EXPECT_DOUBLE_EQ(f.lifetime_bound, syn::lifetime_bound(12, 100.0));
  EXPECT_DOUBLE_EQ(f.area_bound, 110.0);
}

TEST(SynapsesFrontier, LifetimeBoundIsTheEnvelopeCrossing) {
  // Independent: bisection of snr_max(t) = eps (the envelope decreases), both branches.
  for (double N : {1.5, 2.0, 100.0, 1e6}) {
    for (double eps : {0.5, 1.0, 3.0}) {
      const double bound = syn::lifetime_bound(12, N, 1.0, eps);
      if (std::sqrt(N) <= eps) {
        EXPECT_EQ(bound, 0.0);
        continue;
      }
      double lo = 0.0, hi = 1e12;
      for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (syn::snr_max(mid, 12, N) > eps ? lo : hi) = mid;
      }
      EXPECT_NEAR(bound / lo, 1.0, 1e-12) << N << " " << eps;
    }
  }
  // sqrt(N)(M-1)/(eps e r) on the power-law branch.
  EXPECT_DOUBLE_EQ(syn::lifetime_bound(12, 1e4, 2.0, 1.0), 100.0 * 11.0 / (std::numbers::e * 2.0));
}

TEST(SynapsesFrontier, SaturatingModels) {
  // Binary q = 1: SNR(0) = sqrt(N) = the flux bound (deterministic switch, LG13 sec. 3).
  const auto b1 = syn::binary(1.0);
  EXPECT_NEAR(syn::snr0(b1, 100.0), 10.0, 1e-13);
  EXPECT_NEAR(syn::flux_bound(b1, 100.0), 10.0, 1e-13);
  // Binary with q* = e/sqrt(N): lifetime sqrt(N)/(e r) = the M = 2 lifetime bound (notes 1.3).
  const double N = 1e6;
  const auto bopt = syn::binary(std::numbers::e / std::sqrt(N));
  EXPECT_NEAR(syn::lifetime(bopt, N) / syn::lifetime_bound(2, N), 1.0, 1e-9);
  // Sticky serial chain: area -> sqrt(N)(M-1)/r as epsilon -> 0 (notes 1.3), from below.
  double previous = 0.0;
  for (double eps : {1e-1, 1e-2, 1e-3, 1e-4}) {
    const double a = syn::area(syn::sticky_serial(12, eps), 1.0);
    EXPECT_LT(a, syn::area_bound(12, 1.0));
    EXPECT_GT(a, previous);
    previous = a;
  }
  EXPECT_NEAR(previous / 11.0, 1.0, 2e-3);
}

TEST(SynapsesFrontier, RandomModelsNeverExceedTheBounds) {
  // 600 models, M = 2..13, three families, f_pot = 1/2 or random. Tolerances: 1e-9 relative (the
  // curves are exact to ~1e-10, EigenmodesMatchLongDoubleMatrixExponential).
  int checked = 0;
  double closest_area = 0.0, closest_env = 0.0, worst_condition = 1.0;
  Eigen::VectorXd times(40);
  for (int k = 0; k < 40; ++k) times(k) = std::pow(10.0, -2.0 + 6.0 * k / 39.0);
  for (int M = 2; M <= 13; ++M) {
    for (std::uint64_t id = 0; id < 50; ++id) {
      const auto m = random_model(M, id);
      if (m.weights.minCoeff() > 0 || m.weights.maxCoeff() < 0) continue;  // one efficacy only
      syn::modes modes;
      try {
        modes = syn::eigenmodes(m);
      } catch (const nt::invalid_argument&) {
        continue;  // several closed classes
      }
      ++checked;
      const double N = 1.0;
      const double s0 = syn::snr0(m, N);
      EXPECT_LE(s0, syn::flux_bound(m, N) * (1 + 1e-9) + 1e-14) << m.name << " M=" << M << " id=" << id;
      EXPECT_LE(s0, syn::initial_snr_bound(N) * (1 + 1e-9));
      const double a = syn::area(m, N);
      EXPECT_LE(a, syn::area_bound(M, N) * (1 + 1e-9)) << m.name << " M=" << M << " id=" << id;
      closest_area = std::max(closest_area, a / syn::area_bound(M, N));
      const auto c = syn::check_modes(modes, M);
      EXPECT_TRUE(c.satisfied) << m.name << " M=" << M << " id=" << id << " " << c.sum_weight << " "
                               << c.sum_weight_tau;
      // The mode weights carry ~ condition * eps relative error (non-normal chains), and both the slow
      // modes and the area's linear solve ~ eps * (fastest rate / slowest rate) (stiff chains; the
      // chain family draws step probabilities down to ~1e-9).
      const double stiffness = modes.rate.maxCoeff() / modes.rate.minCoeff();
      const double mode_tol = 1e-10 + 1e-15 * (modes.condition + stiffness);
      EXPECT_NEAR(c.sum_weight, s0, mode_tol) << modes.condition;
      EXPECT_NEAR(c.sum_weight_tau, a, mode_tol * std::max(1.0, a)) << modes.condition;
      worst_condition = std::max(worst_condition, modes.condition);
      const Eigen::VectorXd curve = syn::snr(m, times, N);
      for (Eigen::Index k = 0; k < times.size(); ++k) {
        const double env = syn::snr_max(times(k), M, N);
        EXPECT_LE(curve(k), env * (1 + 1e-9)) << m.name << " M=" << M << " id=" << id << " t=" << times(k);
        closest_env = std::max(closest_env, curve(k) / env);
        EXPECT_LE(syn::running_average(m, times(k), N), syn::running_average_max(times(k), M, N) * (1 + 1e-9))
            << m.name << " M=" << M << " id=" << id << " tau=" << times(k);
      }
    }
  }
  EXPECT_GT(checked, 500);
  // The sample must come near the bounds for the test to mean something.
  EXPECT_GT(closest_area, 0.3);
  EXPECT_GT(closest_env, 0.3);
  std::printf("random models: %d checked; max area/bound %.3f; max SNR/envelope %.3f; worst mode condition %.3g\n",
              checked, closest_area, closest_env, worst_condition);
}

TEST(SynapsesFrontier, BuiltinsUnderTheEnvelope) {
  // Fig. 1c / 5a models against the M-state envelope over 1e-2 .. 1e7.
  Eigen::VectorXd times(50);
  for (int k = 0; k < 50; ++k) times(k) = std::pow(10.0, -2.0 + 9.0 * k / 49.0);
  for (const auto& m : {syn::serial(12, 0.5), syn::sticky_serial(12, 1e-3), syn::cascade(12, 0.5),
                        syn::cascade(20, 0.5), syn::binary(0.3)}) {
    const Eigen::VectorXd curve = syn::snr(m, times, 100.0);
    const Eigen::VectorXd env = syn::snr_max(times, m.states(), 100.0);
    EXPECT_TRUE((curve.array() <= env.array() * (1 + 1e-9)).all()) << m.name;
    EXPECT_TRUE(syn::check_modes(syn::eigenmodes(m), m.states()).satisfied) << m.name;
  }
}

TEST(SynapsesFrontier, ConjecturedEnvelope) {
  // Continuous at both corners (r tau = gamma and (M-1)^2/gamma) and below the proven envelope.
  const int M = 12;
  const double g = 2.0, N = 100.0;
  for (double corner : {g, 121.0 / g}) {
    EXPECT_NEAR(syn::running_average_conjectured(corner * (1 - 1e-12), M, N, g),
                syn::running_average_conjectured(corner * (1 + 1e-12), M, N, g), 1e-9);
  }
  for (double tau : {0.0, 0.5, 3.0, 30.0, 1e3, 1e6}) {
    EXPECT_LE(syn::running_average_conjectured(tau, M, N, g), syn::running_average_max(tau, M, N) * (1 + 1e-12));
  }
  EXPECT_THROW(syn::running_average_conjectured(1.0, 3, N, 2.0), nt::invalid_argument);
}

TEST(SynapsesFrontier, BadParameters) {
  EXPECT_THROW(syn::snr_max(1.0, 1, 100.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr_max(-1.0, 12, 100.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr_max(1.0, 12, 0.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr_max(1.0, 12, 100.0, 0.0), nt::invalid_argument);
  EXPECT_THROW(syn::lifetime_bound(12, 100.0, 1.0, -1.0), nt::invalid_argument);
  EXPECT_THROW(syn::area_bound(12, std::nan("")), nt::invalid_argument);
  EXPECT_THROW(syn::flux(syn::multistate(4, 0.5)), nt::invalid_argument);  // graded weights
  syn::frontier_options o;
  o.states = 0;
  EXPECT_THROW(syn::frontier(o), nt::invalid_argument);
  o = {};
  o.time = -1.0;
  EXPECT_THROW(syn::frontier(o), nt::invalid_argument);
}
