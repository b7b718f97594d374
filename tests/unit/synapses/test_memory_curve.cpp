// Exact memory curves against independent computations: the notes' closed forms (sec. 1.3, 2), the
// ideal-observer definition evaluated with a long-double matrix exponential (scaling and squaring),
// the serial chain's analytic spectrum, and quadrature of the curve for the Laplace form and area.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"

namespace {

namespace syn = nt::synapses;
using MatL = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using VecL = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

// exp(t W) in long double: Taylor (30 terms) on t W / 2^s with ||t W / 2^s||_inf <= 1/2, then s
// squarings. Truncation 0.5^31/31! ~ 1e-44; squaring a stochastic matrix adds no cancellation, so the
// entries are good to ~ s * 1e-19.
MatL expm_ld(const Eigen::MatrixXd& W, double t) {
  const Eigen::Index M = W.rows();
  MatL A = W.cast<long double>() * static_cast<long double>(t);
  const long double norm = A.cwiseAbs().rowwise().sum().maxCoeff();
  int s = 0;
  while (norm / std::ldexp(1.0L, s) > 0.5L) ++s;
  A /= std::ldexp(1.0L, s);
  MatL E = MatL::Identity(M, M), term = MatL::Identity(M, M);
  for (int k = 1; k <= 30; ++k) {
    term = (term * A) / static_cast<long double>(k);
    E += term;
  }
  for (int k = 0; k < s; ++k) E = (E * E).eval();
  return E;
}

// The ideal observer's mean signal straight from its definition (notes 1.1):
// <xi w(t)> - <xi w(inf)> = f_pot p M_pot e^{tW} w - f_dep p M_dep e^{tW} w - (f_pot - f_dep) p w,
// per synapse; the library's formula c p (M_pot - M_dep) e^{tW} w uses p W_F = 0 to reach it.
long double signal_reference(const syn::markov_model& m, double t) {
  const VecL p = syn::stationary(m).cast<long double>();
  const MatL E = expm_ld(m.generator(), t);
  const VecL w = m.weights.cast<long double>();
  const VecL Ew = E * w;
  const long double fp = m.f_pot, fd = 1.0L - fp;
  return fp * p.dot(m.potentiation.cast<long double>() * Ew) - fd * p.dot(m.depression.cast<long double>() * Ew) -
         (fp - fd) * p.dot(w);
}

// Random valid models: dense rows, sparse rows or nearest-neighbour chains, random f_pot.
syn::markov_model random_model(int M, std::uint64_t id, bool half = false) {
  nt::rng::stream g(2024, {static_cast<std::uint64_t>(M), id});
  const int kind = static_cast<int>(id % 3);
  syn::markov_model m;
  m.name = "random";
  m.weights = Eigen::VectorXd::Ones(M);
  m.weights.head(M / 2).setConstant(-1.0);
  if (kind == 2 && M > 2) {
    for (int i = 0; i < M; ++i) m.weights(i) = g.uniform() < 0.5 ? -1.0 : 1.0;
    m.weights(0) = -1.0, m.weights(M - 1) = 1.0;
  }
  auto fill = [&](Eigen::MatrixXd& T, int dir) {
    T = Eigen::MatrixXd::Zero(M, M);
    for (int i = 0; i < M; ++i) {
      if (kind == 1) {  // chain: one step in the event's direction
        const int j = std::clamp(i + dir, 0, M - 1);
        const double u = g.uniform();
        T(i, j) += u;
        T(i, i) += 1 - u;
        continue;
      }
      for (int j = 0; j < M; ++j) {
        const double u = g.uniform();
        T(i, j) = (kind == 2 && g.uniform() < 0.6) ? 0.0 : u * u;
      }
      if (T.row(i).sum() == 0.0) T(i, i) = 1.0;
      T.row(i) /= T.row(i).sum();
    }
  };
  fill(m.potentiation, +1);
  fill(m.depression, -1);
  m.f_pot = half ? 0.5 : 0.2 + 0.6 * g.uniform();
  return m;
}

}  // namespace

TEST(SynapsesMemoryCurve, BinaryKnownValues) {
  // Notes sec. 2: q = 0.1, N = 1e4: SNR(t) = 100 q e^{-q t}; lifetime ln(q sqrt N)/q (notes 1.3).
  const auto b = syn::binary(0.1);
  EXPECT_NEAR(syn::snr(b, 0.0, 1e4), 10.0, 1e-12);
  EXPECT_NEAR(syn::snr(b, 10.0, 1e4), 3.678794, 5e-7);  // value quoted to 7 digits
  EXPECT_NEAR(syn::snr0(b, 1e4), 10.0, 1e-12);
  EXPECT_NEAR(syn::area(b, 1e4), 100.0, 1e-10);  // int sqrt(N) q e^{-q t} = sqrt(N)
  EXPECT_NEAR(syn::lifetime(b, 1e4) / (std::log(10.0) / 0.1), 1.0, 1e-10);
  // Rate r rescales time: SNR_r(t) = SNR_1(r t); lifetime and area scale as 1/r.
  EXPECT_NEAR(syn::snr(b, 5.0, 1e4, 2.0), syn::snr(b, 10.0, 1e4), 1e-12);
  EXPECT_NEAR(syn::lifetime(b, 1e4, 4.0), syn::lifetime(b, 1e4) / 4.0, 1e-10);
  const auto m = syn::eigenmodes(b);
  ASSERT_EQ(m.rate.size(), 1);
  EXPECT_NEAR(m.rate(0), 0.1, 1e-15);
  EXPECT_NEAR(m.weight(0), 0.1, 1e-15);
  EXPECT_TRUE(m.reversible);
}

TEST(SynapsesMemoryCurve, SerialChainClosedForms) {
  for (int M : {2, 4, 12, 20}) {
    for (double q : {0.1, 0.5, 1.0}) {
      const auto s = syn::serial(M, q);
      // p_inf uniform; SNR(0)/sqrt(N) = 2q/M; area/sqrt(N) = M/2 independent of q (notes 1.3).
      EXPECT_LE((syn::stationary(s).array() - 1.0 / M).abs().maxCoeff(), 1e-14);
      EXPECT_NEAR(syn::snr0(s, 1.0), 2 * q / M, 1e-14);
      EXPECT_NEAR(syn::area(s, 1.0) / (M / 2.0), 1.0, 1e-12);
      // Spectrum of the reflecting walk: rates q (1 - cos(pi k / M)), k = 1..M-1.
      const auto m = syn::eigenmodes(s);
      ASSERT_EQ(m.rate.size(), M - 1);
      for (int k = 1; k < M; ++k) EXPECT_NEAR(m.rate(k - 1), q * (1 - std::cos(std::numbers::pi * k / M)), 1e-14);
    }
  }
  // Slowest time constant 29.35/q for M = 12 (notes), and SNR_q(t) = q SNR_1(q t).
  EXPECT_NEAR(syn::eigenmodes(syn::serial(12, 0.5)).tau(0) * 0.5, 29.35, 0.005);
  for (double t : {0.0, 3.0, 70.0}) {
    EXPECT_NEAR(syn::snr(syn::serial(12, 0.25), t, 1.0), 0.25 * syn::snr(syn::serial(12, 1.0), 0.25 * t, 1.0), 1e-14);
  }
  EXPECT_NEAR(syn::snr0(syn::serial(12, 1.0), 1.0), 0.166667, 5e-7);  // notes sec. 2
}

TEST(SynapsesMemoryCurve, CascadeInitialSnrIsTwoOverN) {
  for (int n = 2; n <= 20; n += 3) {
    const auto c = syn::cascade(2 * n, 0.5);
    EXPECT_NEAR(syn::snr0(c, 1.0) * n / 2.0, 1.0, 1e-12) << n;
    // Through the modes too: sum_a I_a = SNR(0)/sqrt(N).
    EXPECT_NEAR(syn::eigenmodes(c).weight.sum() * n / 2.0, 1.0, 1e-9) << n;
  }
  // Slowest time constant ~ 2^n (notes: 510 for n = 10).
  EXPECT_NEAR(syn::eigenmodes(syn::cascade(20, 0.5)).tau(0), 510.0, 5.0);
}

TEST(SynapsesMemoryCurve, EigenmodesMatchLongDoubleMatrixExponential) {
  // Stiff chains up to the cascade with n = 20 (time constants 1 .. ~5e5) and random non-reversible
  // models with f_pot != 1/2. Tolerance: relative 1e-8 of the value plus 1e-12 of SNR(0): the mode
  // weights carry ~ cond * eps; the reference is good to ~1e-17.
  std::vector<syn::markov_model> models = {syn::serial(12, 0.5),  syn::sticky_serial(12, 0.01),
                                           syn::cascade(20, 0.5), syn::cascade(40, 0.5),
                                           syn::cascade(16, 0.3), syn::multistate(7, 0.4)};
  for (std::uint64_t k = 0; k < 30; ++k) models.push_back(random_model(3 + static_cast<int>(k % 10), k));
  double worst = 0.0;
  for (const auto& m : models) {
    const auto modes = syn::eigenmodes(m);
    const double slow = modes.tau(0);
    const double s0 = std::abs(syn::snr0(m, 1.0));
    for (double f : {0.0, 1e-3, 0.1, 1.0, 5.0}) {
      const double t = f == 0.0 ? 0.0 : f * slow;
      for (double tt : {t, f * 1.0}) {
        const double ref = static_cast<double>(signal_reference(m, tt));
        const double got = syn::snr(m, tt, 1.0);
        EXPECT_NEAR(got, ref, 1e-8 * std::abs(ref) + 1e-12 * s0) << m.name << " M=" << m.states() << " t=" << tt;
        worst = std::max(worst, std::abs(got - ref) / (std::abs(ref) + 1e-4 * s0));
      }
    }
  }
  std::printf("modes vs long-double expm: worst |error| / (|SNR| + 1e-4 SNR(0)) = %.2e\n", worst);
}

TEST(SynapsesMemoryCurve, NonNormalChainUsesTheMatrixExponential) {
  // A near-Jordan chain: both events walk 0 -> 1 -> 2 -> 3 (potentiation with probability 1, depression
  // 1/2) and leave 3 for 0 with delta = 1e-9 (potentiation) or 2 delta (depression). W_F has a triple
  // eigenvalue -3/4 split by ~delta^(1/3): eigenvector condition ~ delta^(-2/3). The curve must still
  // match the reference (the library switches to scaling and squaring; the signal is ~delta, so the
  // reference uses a long-double stationary distribution, GTH elimination below).
  const double delta = 1e-9;
  syn::markov_model m;
  m.name = "jordan";
  m.weights = Eigen::Vector4d(-1, -1, 1, 1);
  m.potentiation = Eigen::MatrixXd::Zero(4, 4);
  m.depression = Eigen::MatrixXd::Zero(4, 4);
  for (int i = 0; i < 3; ++i) {
    m.potentiation(i, i + 1) = 1.0;
    m.depression(i, i + 1) = 0.5;
    m.depression(i, i) = 0.5;
  }
  m.potentiation(3, 0) = delta;
  m.potentiation(3, 3) = 1.0 - delta;
  m.depression(3, 0) = 2 * delta;
  m.depression(3, 3) = 1.0 - 2 * delta;
  const auto modes = syn::eigenmodes(m);
  EXPECT_FALSE(modes.reversible);
  EXPECT_GT(modes.condition, 1e4);
  // Long-double p (GTH: the only nonzero rates are i -> i+1 and 3 -> 0, so p_i W_{i,i+1} = p_3 W_30).
  const MatL W = m.generator().cast<long double>();
  VecL p(4);
  p(3) = 1.0L;
  for (int i = 0; i < 3; ++i) p(i) = W(3, 0) / W(i, i + 1);
  p /= p.sum();
  const MatL delta_m = (m.potentiation - m.depression).cast<long double>();
  // w - (p.w) 1: Delta 1 = 0 for the exact model, but 1 - delta is rounded in the stored rows, and
  // that 1e-17 would otherwise show up as a constant offset against a signal of ~1e-9.
  const VecL w = m.weights.cast<long double>().array() - p.dot(m.weights.cast<long double>());
  const double s0 = std::abs(syn::snr0(m, 1.0));
  for (double t : {0.0, 0.5, 2.0, 10.0, 1e3, 1e8, 1e9}) {
    const long double ref = 0.5L * p.dot(delta_m * (expm_ld(m.generator(), t) * w));
    // Relative 1e-9: the squaring's absolute error ~ 30 eps on entries of size 1, against a ~ delta.
    EXPECT_NEAR(syn::snr(m, t, 1.0), static_cast<double>(ref), 1e-9 * std::abs(static_cast<double>(ref)) + 1e-12 * s0)
        << t;
  }
  const double threshold = 0.5 * syn::snr0(m, 1e4);
  const double T = syn::lifetime(m, 1e4, 1.0, threshold);
  EXPECT_NEAR(syn::snr(m, T, 1e4) / threshold, 1.0, 1e-9);
}

TEST(SynapsesMemoryCurve, LaplaceFormAndAreaMatchQuadrature) {
  // A(s) by the resolvent vs the trapezoid rule on t = e^u of e^{-st} SNR(t) (smooth in u, decaying at
  // both ends: spectrally accurate; h = 0.01 gives ~1e-10), and sum_a I_a tau_a for the area.
  for (const auto& m : {syn::cascade(20, 0.5), syn::sticky_serial(8, 0.05), random_model(5, 4)}) {
    const auto modes = syn::eigenmodes(m);
    const double u0 = std::log(1e-6 / modes.rate.maxCoeff()), u1 = std::log(80.0 * modes.tau(0));
    const double h = 0.01;
    const int n = static_cast<int>((u1 - u0) / h) + 1;
    Eigen::VectorXd t(n);
    for (int i = 0; i < n; ++i) t(i) = std::exp(u0 + h * i);
    const Eigen::VectorXd y = syn::snr(m, t, 1.0);
    for (double tau : {0.1, 10.0, 1000.0, std::numeric_limits<double>::infinity()}) {
      // [0, t_0]: SNR(0) t_0 (the rest is O(t_0^2) ~ 1e-12).
      double integral = t(0) * y(0);
      for (int i = 0; i < n; ++i)
        integral += (i == 0 || i == n - 1 ? 0.5 : 1.0) * std::exp(-t(i) / tau) * y(i) * t(i) * h;
      const double exact = std::isinf(tau) ? syn::area(m, 1.0) : syn::laplace(m, 1.0 / tau, 1.0);
      EXPECT_NEAR(exact, integral, 1e-8 * std::abs(integral) + 1e-12) << m.name << " tau=" << tau;
      if (!std::isinf(tau)) {
        EXPECT_NEAR(syn::running_average(m, tau, 1.0), exact / tau, 1e-13 * std::abs(exact / tau));
      }
    }
    double sum_itau = 0.0;
    for (Eigen::Index a = 0; a < modes.rate.size(); ++a) {
      sum_itau += (std::complex<double>(modes.weight(a), modes.weight_imag(a)) /
                   std::complex<double>(modes.rate(a), modes.rate_imag(a)))
                      .real();
    }
    EXPECT_NEAR(sum_itau, syn::area(m, 1.0), 1e-8 * std::abs(syn::area(m, 1.0)));
  }
  // SNRbar -> SNR(0) as tau -> 0 and ~ area/tau as tau -> inf.
  const auto c = syn::cascade(12, 0.5);
  EXPECT_NEAR(syn::running_average(c, 1e-9, 1.0), syn::snr0(c, 1.0), 1e-7);
  EXPECT_NEAR(syn::running_average(c, 1e9, 1.0) * 1e9 / syn::area(c, 1.0), 1.0, 1e-4);
}

TEST(SynapsesMemoryCurve, LifetimeIsTheFirstCrossing) {
  for (const auto& m :
       {syn::serial(12, 0.5), syn::cascade(20, 0.5), syn::sticky_serial(12, 0.01), syn::multistate(6, 1.0)}) {
    for (double N : {1e6, 1e8}) {  // sticky(12, 0.01) has SNR(0) ~ 0.01 sqrt(N)
      const double T = syn::lifetime(m, N);
      ASSERT_GT(T, 0.0);
      EXPECT_NEAR(syn::snr(m, T, N), 1.0, 1e-9) << m.name;
      // Above threshold before T (64 points).
      Eigen::VectorXd t = Eigen::VectorXd::LinSpaced(64, 0.0, T * (1 - 1e-6));
      EXPECT_GT(syn::snr(m, t, N).minCoeff(), 1.0) << m.name;
      // Other thresholds: SNR(lifetime(eps)) = eps.
      EXPECT_NEAR(syn::snr(m, syn::lifetime(m, N, 1.0, 3.0), N), 3.0, 3e-9);
    }
  }
  // SNR(0) <= threshold: lifetime 0.
  EXPECT_EQ(syn::lifetime(syn::serial(12, 0.5), 4.0), 0.0);         // SNR(0) = 2 * 1/12
  EXPECT_EQ(syn::lifetime(syn::binary(0.5), 16.0, 1.0, 2.0), 0.0);  // SNR(0) = 2 exactly
}

TEST(SynapsesMemoryCurve, NoiseNormalisation) {
  // Symmetric built-ins: the exact ideal observer and the paper's SNR coincide.
  EXPECT_NEAR(syn::noise_std(syn::cascade(10, 0.5)), 1.0, 1e-14);
  EXPECT_NEAR(syn::noise_std(syn::serial(6, 0.3)), 1.0, 1e-14);
  // Biased model: Var(xi w) by enumerating xi = +-1 and the states (notes 1.1).
  const auto m = random_model(5, 0);
  const Eigen::VectorXd p = syn::stationary(m);
  double e1 = 0, e2 = 0;
  for (int xi : {-1, 1}) {
    const double pxi = xi > 0 ? m.f_pot : 1 - m.f_pot;
    for (int i = 0; i < 5; ++i) {
      e1 += pxi * p(i) * xi * m.weights(i);
      e2 += pxi * p(i) * m.weights(i) * m.weights(i);
    }
  }
  EXPECT_NEAR(syn::noise_std(m), std::sqrt(e2 - e1 * e1), 1e-14);
  // p_inf solves p W_F = 0.
  EXPECT_LE((p.transpose() * m.generator()).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(SynapsesMemoryCurve, CurveBundleAndBadInput) {
  syn::curve_options o;
  o.model.model = "cascade";
  o.model.states = 10;
  o.N = 1e4;
  o.time = 100.0;
  const auto c = syn::compute_curve(o);
  const auto m = syn::cascade(10, 0.5);
  EXPECT_EQ(c.states, 10);
  EXPECT_DOUBLE_EQ(c.snr, syn::snr(m, 100.0, 1e4));
  EXPECT_DOUBLE_EQ(c.snr0, syn::snr0(m, 1e4));
  EXPECT_DOUBLE_EQ(c.area, syn::area(m, 1e4));
  EXPECT_DOUBLE_EQ(c.lifetime, syn::lifetime(m, 1e4));
  EXPECT_EQ(c.times.size(), o.points);
  EXPECT_NEAR(c.times(0), o.t_min, 1e-15);
  EXPECT_NEAR(c.times(o.points - 1), o.t_max, 1e-9);
  const auto b = syn::binary(0.5);
  EXPECT_THROW(syn::snr(b, -1.0, 100.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr(b, std::nan(""), 100.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr(b, 1.0, 0.0), nt::invalid_argument);
  EXPECT_THROW(syn::snr(b, 1.0, 100.0, -1.0), nt::invalid_argument);
  EXPECT_THROW(syn::lifetime(b, 100.0, 1.0, 0.0), nt::invalid_argument);
  EXPECT_THROW(syn::running_average(b, 0.0, 100.0), nt::invalid_argument);
  EXPECT_THROW(syn::laplace(b, -1.0, 100.0), nt::invalid_argument);
  o.t_max = o.t_min;
  EXPECT_THROW(syn::compute_curve(o), nt::invalid_argument);
  o = {};
  o.points = 1;
  EXPECT_THROW(o.validate(), nt::invalid_argument);
  o = {};
  o.N = -5;
  EXPECT_THROW(syn::compute_curve(o), nt::invalid_argument);
}
