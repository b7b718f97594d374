// Benna-Fusi chain against independent computations: RK4 of the ODE, Eigen's dense symmetric solver,
// quadrature of G^2, the notes' values (sec. 1.4, sec. 2) and a stochastic simulation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include <Eigen/Dense>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/synapses/benna_fusi.hpp"

namespace {

using nt::synapses::benna_fusi_chain;
using nt::synapses::benna_fusi_options;

benna_fusi_options chain_options(int m, double g12 = 0.25) {
  benna_fusi_options o;
  o.variables = m;
  o.g12 = g12;
  return o;
}

// Dense A = -C^-1 L, written from the beaker equations (not from the symmetric form).
Eigen::MatrixXd dense_generator(const benna_fusi_options& o) {
  const int m = o.variables;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(m, m);
  for (int k = 0; k < m; ++k) {
    const double c = std::pow(o.capacity_ratio, k);
    const double g_right = o.g12 * std::pow(o.conductance_ratio, k);
    a(k, k) -= g_right / c;
    if (k + 1 < m) a(k, k + 1) += g_right / c;
    if (k > 0) {
      const double g_left = o.g12 * std::pow(o.conductance_ratio, k - 1);
      a(k, k) -= g_left / c;
      a(k, k - 1) += g_left / c;
    }
  }
  return a;
}

// u_1(t) after a unit impulse, by classical RK4 with step h (global error O(h^4)).
double rk4_impulse(const Eigen::MatrixXd& a, double t, double h) {
  Eigen::VectorXd u = Eigen::VectorXd::Zero(a.rows());
  u[0] = 1.0;
  const int n = static_cast<int>(std::ceil(t / h));
  const double dt = t / n;
  for (int i = 0; i < n; ++i) {
    const Eigen::VectorXd k1 = a * u;
    const Eigen::VectorXd k2 = a * (u + 0.5 * dt * k1);
    const Eigen::VectorXd k3 = a * (u + 0.5 * dt * k2);
    const Eigen::VectorXd k4 = a * (u + dt * k3);
    u += dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return u[0];
}

TEST(BennaFusi, ImpulseResponseMatchesRungeKutta) {
  // m = 4: rates in [~4^-4, 0.4]; RK4 with h = 0.05 has error ~ (h lambda_max)^4 ~ 1e-8 per unit time.
  const auto o = chain_options(4);
  const benna_fusi_chain chain(o);
  const auto a = dense_generator(o);
  for (double t : {0.0, 0.5, 3.0, 20.0, 150.0}) {
    EXPECT_NEAR(chain.impulse_response(t), rk4_impulse(a, t, 0.05), 1e-8) << "t = " << t;
  }
  EXPECT_DOUBLE_EQ(chain.impulse_response(0.0), 1.0);
}

TEST(BennaFusi, ModesMatchDenseEigensolver) {
  // m = 12: the dense solver is accurate to ~eps ||T|| / lambda relative; lambda_min ~ 1e-8 -> 1e-7.
  const auto o = chain_options(12);
  const benna_fusi_chain chain(o);
  const auto a = dense_generator(o);
  Eigen::VectorXd c(12);
  for (int k = 0; k < 12; ++k) c[k] = std::pow(2.0, k);
  const Eigen::MatrixXd s = c.cwiseSqrt().asDiagonal() * a * c.cwiseSqrt().cwiseInverse().asDiagonal();
  ASSERT_LT((s - s.transpose()).norm(), 1e-14);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(-s);
  for (int j = 0; j < 12; ++j) {
    EXPECT_NEAR(chain.rates()[j] / es.eigenvalues()[j], 1.0, 1e-6);
    const double w = es.eigenvectors()(0, j) * es.eigenvectors()(0, j);
    EXPECT_NEAR(chain.weights()[j] / w, 1.0, 1e-6);
  }
  EXPECT_NEAR(chain.weights().sum(), 1.0, 1e-14);
}

TEST(BennaFusi, SquaredIntegralMatchesQuadrature) {
  // Trapezoid rule in u = ln t on [ln 1e-6, ln(60 tau_max)] with G^2 t: smooth, exponentially
  // decaying at both ends; 20000 nodes give relative error << 1e-6. Plus the [0, 1e-6] sliver ~ 1e-6.
  const auto o = chain_options(6);
  const benna_fusi_chain chain(o);
  const double lo = std::log(1e-6);
  const double hi = std::log(60.0 * chain.slowest_time());
  const int n = 20000;
  const double h = (hi - lo) / n;
  double s = 0.0;
  for (int i = 0; i <= n; ++i) {
    const double t = std::exp(lo + h * i);
    const double f = chain.impulse_response(t) * chain.impulse_response(t) * t;
    s += (i == 0 || i == n) ? 0.5 * f : f;
  }
  s = s * h + 1e-6;  // G ~ 1 on [0, 1e-6]
  EXPECT_NEAR(chain.squared_integral() / s, 1.0, 1e-6);
  // Campbell: the variance scales with the event rate.
  auto o2 = o;
  o2.rate = 3.0;
  EXPECT_NEAR(benna_fusi_chain(o2).variance(), 3.0 * chain.squared_integral(), 1e-12);
}

TEST(BennaFusi, PowerLawSlopeMinusHalf) {
  // Notes sec. 2: m = 20, C_k = 2^(k-1), g = (1/4) 2^-(k-1): log-slope -1/2 over t = 1e1..1e12. The
  // geometric chain gives a log-periodic ripple around -1/2 (measured range [-0.537, -0.462]); 0.05 allows it.
  const benna_fusi_chain chain(chain_options(20));
  for (double lt = 1.0; lt <= 11.0; lt += 0.25) {
    EXPECT_NEAR(chain.log_slope(std::pow(10.0, lt)), -0.5, 0.05) << "t = 1e" << lt;
  }
  // Independent check of the slope: finite differences of ln G over a decade.
  const double fd = std::log10(chain.impulse_response(1e8) / chain.impulse_response(1e4)) / 4.0;
  EXPECT_NEAR(fd, -0.5, 0.02);
  // Beyond the cutoff ~4^m the decay is exponential: slope far below -1.
  EXPECT_NEAR(chain.slowest_time() / std::pow(4.0, 20), 2.34, 0.5);  // 1/lambda_min = 2.56e12 measured
  EXPECT_LT(chain.log_slope(20.0 * chain.slowest_time()), -10.0);
  // G ~ c / sqrt(t) with c = 0.95 for g12 = 1/4 (notes 1.4).
  EXPECT_NEAR(chain.impulse_response(1e6) * 1e3, 0.95, 0.05);
}

TEST(BennaFusi, LifetimeSolvesThreshold) {
  const benna_fusi_chain chain(chain_options(10));
  const double n = 1e6;
  const double t = chain.lifetime(n);
  EXPECT_NEAR(chain.snr(t, n), 1.0, 1e-9);
  EXPECT_NEAR(chain.snr(0.0, n), std::sqrt(n / chain.variance()), 1e-9);
  EXPECT_EQ(chain.lifetime(1.0, 10.0), 0.0);  // SNR(0) < threshold
  // The CLI/Python form: a log grid, SNR = SNR(0) G(t), the same lifetime.
  nt::synapses::benna_fusi_curve_options co;
  co.chain = chain_options(10);
  co.N = n;
  co.t_min = 0.5;
  co.t_max = 5e5;
  co.points = 7;
  const auto c = nt::synapses::benna_fusi_memory_curve(co);
  ASSERT_EQ(c.time.size(), 7);
  EXPECT_NEAR(c.time[0], 0.5, 1e-14);
  EXPECT_NEAR(c.time[6], 5e5, 1e-8);
  EXPECT_NEAR(c.time[1] / c.time[0], 10.0, 1e-12);
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(c.snr[i], c.snr0 * chain.impulse_response(c.time[i]), 1e-12 * c.snr0);
  EXPECT_DOUBLE_EQ(c.lifetime, t);
  co.t_max = 0.1;
  EXPECT_THROW(nt::synapses::benna_fusi_memory_curve(co), nt::invalid_argument);
}

TEST(BennaFusi, BestVariablesLifetimeNearNOverLogN) {
  // Notes 1.4: with m optimal, t* ln N / N = 1.00-1.02 for N = 1e4..1e10; the notes allow [0.95, 1.05].
  for (double n : {1e4, 1e6, 1e8, 1e10}) {
    const auto best = nt::synapses::benna_fusi_best_variables(chain_options(1), n);
    const double ratio = best.lifetime * std::log(n) / n;
    EXPECT_GE(ratio, 0.95) << "N = " << n;
    EXPECT_LE(ratio, 1.05) << "N = " << n;
    // The optimum is interior: one variable fewer or more is no better.
    for (int dm : {-1, 1}) {
      const benna_fusi_chain other(chain_options(best.variables + dm));
      EXPECT_LE(other.lifetime(n), best.lifetime * (1 + 1e-12));
    }
  }
}

TEST(BennaFusi, SimulationMatchesDiscreteTimeTheory) {
  // Continuous values, no bound: the mean signal is exactly sum_a w_a rho_a^n; 2000 synapses x 2
  // repeats, checked within 4 standard errors at every step. The variance estimate over 4000
  // synapses has relative SE ~ sqrt(2/4000) = 2.2% (u_1 is a sum of many +-G(n): kurtosis <= Gaussian):
  // 10% tolerance. The theory counts the finite burn-in exactly.
  nt::synapses::benna_fusi_discrete_options o;
  o.chain = chain_options(4);
  o.synapses = 2000;
  o.repeats = 2;
  o.steps = 40;
  o.burn_in = 100;
  o.seed = 7;
  const auto r = nt::synapses::benna_fusi_simulate(o);
  ASSERT_EQ(r.signal.size(), 41);
  for (int n = 0; n <= 40; ++n) EXPECT_NEAR(r.signal[n], r.theory_signal[n], 4.0 * r.signal_stderr[n] + 1e-12);
  EXPECT_NEAR(r.variance / r.theory_variance, 1.0, 0.10);
  std::printf("variance: simulated %.4f theory %.4f\n", r.variance, r.theory_variance);
  // Discretised (stochastic rounding to 41 levels on [-20, 20], never clipped at these variances): the
  // mean signal is still the linear chain's (unbiased rounding), variance larger (rounding noise).
  o.levels = 41;
  o.bound = 20.0;
  const auto d = nt::synapses::benna_fusi_simulate(o);
  for (int n = 1; n <= 40; n += 3) EXPECT_NEAR(d.signal[n], d.theory_signal[n], 4.0 * d.signal_stderr[n]);
  // Rounding adds variance: measured 6.31 vs 4.06 (each with SE ~ 3%).
  EXPECT_GT(d.variance, 1.2 * r.theory_variance);
  std::printf("variance with 41 levels: %.4f\n", d.variance);
}

TEST(BennaFusi, SimulationIndependentOfThreadCount) {
  nt::synapses::benna_fusi_discrete_options o;
  o.chain = chain_options(3);
  o.levels = 5;
  o.bound = 2.0;
  o.synapses = 700;  // 3 blocks
  o.steps = 10;
  o.burn_in = 10;
  const int threads = nt::thread_count();
  nt::set_thread_count(1);
  const auto one = nt::synapses::benna_fusi_simulate(o);
  nt::set_thread_count(3);
  const auto three = nt::synapses::benna_fusi_simulate(o);
  nt::set_thread_count(threads);
  EXPECT_EQ((one.signal - three.signal).abs().maxCoeff(), 0.0);
  EXPECT_EQ(one.variance, three.variance);
}

TEST(BennaFusi, BadInputThrows) {
  auto bad = [](auto mutate) {
    auto o = chain_options(5);
    mutate(o);
    EXPECT_THROW(benna_fusi_chain{o}, nt::invalid_argument);
  };
  bad([](benna_fusi_options& o) { o.variables = 0; });
  bad([](benna_fusi_options& o) { o.g12 = 0.0; });
  bad([](benna_fusi_options& o) { o.g12 = std::nan(""); });
  bad([](benna_fusi_options& o) { o.capacity_ratio = -2.0; });
  bad([](benna_fusi_options& o) { o.rate = 0.0; });
  bad([](benna_fusi_options& o) {
    o.variables = 200;
    o.capacity_ratio = 100;
  });
  const benna_fusi_chain chain(chain_options(3));
  EXPECT_THROW((void)chain.impulse_response(-1.0), nt::invalid_argument);
  EXPECT_THROW((void)chain.lifetime(-5.0), nt::invalid_argument);
  EXPECT_THROW((void)chain.snr(1.0, std::nan("")), nt::invalid_argument);
  nt::synapses::benna_fusi_discrete_options d;
  d.levels = 1;
  EXPECT_THROW(nt::synapses::benna_fusi_simulate(d), nt::invalid_argument);
}

}  // namespace
