// Generalization dynamics (Advani & Saxe 2017; Lampinen & Ganguli 2019): every formula against an
// independent computation (closed forms, a second integration method, a finite simulation, or a
// value stated in shared/theory/deeplinear.md).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/deeplinear/generalization.hpp"

namespace nt::deeplinear {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

generalization_options problem(double alpha, double snr, double time = kInf, double init_variance = 0.0) {
  generalization_options o;
  o.alpha = alpha;
  o.snr = snr;
  o.time = time;
  o.init_variance = init_variance;
  return o;
}

// Midpoint rule on a uniform grid: an integration method independent of the Gauss-Legendre rule
// (never evaluates the endpoints, where the plotted densities are set to 0).
template <class F>
double midpoint(F&& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += f(a + (i + 0.5) * h);
  return sum * h;
}

// Notes 4: asymptotic test error at SNR 4 (sigma_w^2 = 0.8, sigma_eps^2 = 0.2).
TEST(DeeplinearGeneralization, KnownAsymptoticValues) {
  EXPECT_NEAR(generalization_error(problem(0.5, 4.0)).test_error, 0.8, 1e-14);
  EXPECT_NEAR(generalization_error(problem(2.0, 4.0)).test_error, 0.4, 1e-14);
  const auto v = variances_from_snr(4.0);
  EXPECT_NEAR(v.signal, 0.8, 1e-15);
  EXPECT_NEAR(v.noise, 0.2, 1e-15);
  // The quadrature at a time where every mode has relaxed (e^{-2 lambda_- t} < 1e-300 for both loads)
  // reaches the same values: Gauss-Legendre in theta is spectrally accurate for these smooth
  // integrands, so 1e-11 leaves room for rounding only.
  EXPECT_NEAR(generalization_error(problem(0.5, 4.0, 1e5)).test_error, 0.8, 1e-11);
  EXPECT_NEAR(generalization_error(problem(2.0, 4.0, 1e5)).test_error, 0.4, 1e-11);
  // Training error at t -> inf: interpolation (0) for alpha < 1, (1 - 1/alpha) sigma_eps^2 for alpha > 1.
  EXPECT_NEAR(generalization_error(problem(0.5, 4.0, 1e5)).train_error, 0.0, 1e-11);
  EXPECT_NEAR(generalization_error(problem(2.0, 4.0, 1e5)).train_error, 0.1, 1e-11);
  EXPECT_EQ(generalization_error(problem(1.0, 4.0)).test_error, kInf);
}

// At t = 0 nothing has been learned: E_g = sigma_w^2 + sigma_0^2 + sigma_eps^2 and E_t = 1 (sigma_0 = 0);
// this checks the continuous MP mass min(1, alpha), the point mass and int rho lambda = alpha together.
TEST(DeeplinearGeneralization, InitialErrorsCheckMarchenkoPasturMasses) {
  for (double alpha : {0.3, 1.0, 3.0}) {
    const auto e = generalization_error(problem(alpha, 2.0, 0.0, 0.5));
    EXPECT_NEAR(e.test_error, 1.5, 1e-12) << "alpha " << alpha;
    EXPECT_NEAR(generalization_error(problem(alpha, 2.0, 0.0)).train_error, 1.0, 1e-12) << "alpha " << alpha;
    // The plotted density integrates to min(1, alpha) by the midpoint rule in x = sqrt(lambda)
    // (rho dlambda = 2 x rho(x^2) dx is bounded; the square-root edges limit the midpoint error to
    // O(h^1.5) ~ 1e-5 at 20000 panels).
    const auto law = marchenko_pastur(alpha);
    const double a = std::sqrt(law.lower), b = std::sqrt(law.upper);
    const double mass = midpoint(
        [&](double x) {
          Eigen::ArrayXd l(1);
          l[0] = x * x;
          return 2.0 * x * marchenko_pastur_density(alpha, l)[0];
        },
        a, b, 20000);
    EXPECT_NEAR(mass, std::min(1.0, alpha), 2e-5) << "alpha " << alpha;
    EXPECT_NEAR(law.point_mass, std::max(0.0, 1.0 - alpha), 1e-15);
  }
}

// Closed-form asymptotes (alpha < 1 with the frozen init error, alpha > 1) against the t -> large limit of
// the curves, for several loads and init variances; the remaining transient is e^{-2 lambda_- t}
// (lambda_- >= 0.05 here, t = 1e4: below 1e-300), so the tolerance is quadrature rounding.
TEST(DeeplinearGeneralization, AsymptoteIsTheLargeTimeLimit) {
  for (double alpha : {0.2, 0.5, 0.7, 1.5, 2.0, 4.0}) {
    for (double s0 : {0.0, 0.25, 1.0}) {
      const auto inf = generalization_asymptote(problem(alpha, 4.0, kInf, s0));
      const auto big = generalization_error(problem(alpha, 4.0, 1e4, s0));
      EXPECT_NEAR(big.test_error, inf.test_error, 1e-10 * inf.test_error) << alpha << " " << s0;
      EXPECT_NEAR(big.train_error, inf.train_error, 1e-10) << alpha << " " << s0;
    }
  }
  // Frozen subspace [AS]: for alpha < 1 the init variance adds (1 - alpha) sigma_0^2 forever.
  const double d = generalization_asymptote(problem(0.5, 4.0, kInf, 1.0)).test_error -
                   generalization_asymptote(problem(0.5, 4.0, kInf, 0.0)).test_error;
  EXPECT_NEAR(d, 0.5, 1e-14);
  // Double descent: the asymptote rises towards alpha = 1 from both sides (for alpha < 1 only near the
  // peak: as alpha -> 0 it returns to sigma_w^2 + sigma_eps^2 = 1, the minimum is at alpha ~ 0.5).
  double previous = 0.0;
  for (double alpha : {0.5, 0.8, 0.95, 0.99}) {
    const double e = generalization_asymptote(problem(alpha, 4.0)).test_error;
    EXPECT_GT(e, previous);
    previous = e;
  }
  previous = 0.0;
  for (double alpha : {5.0, 2.0, 1.2, 1.05, 1.01}) {
    const double e = generalization_asymptote(problem(alpha, 4.0)).test_error;
    EXPECT_GT(e, previous);
    previous = e;
  }
}

// Notes 3.1: at alpha = 1 the error diverges in time, E_g(t) ~ 0.6610 sigma_eps^2 sqrt(t). The next
// order is O(1) (the sigma_w^2 and sigma_eps^2 terms that stay bounded), so E_g/sqrt(t) approaches the
// constant like 1/sqrt(t): at t = 1e6 the relative gap is below 1e-2 (measured 2e-3).
TEST(DeeplinearGeneralization, AlphaOneGrowsLikeSquareRootOfTime) {
  auto o = problem(1.0, 4.0, 1e6);
  o.quadrature = 2000;
  const double ratio = generalization_error(o).test_error / std::sqrt(1e6);
  const double expected = (4.0 - 2.0 * std::numbers::sqrt2) / std::sqrt(std::numbers::pi) * 0.2;
  EXPECT_NEAR(ratio, expected, 1e-2 * expected);
  EXPECT_NEAR((4.0 - 2.0 * std::numbers::sqrt2) / std::sqrt(std::numbers::pi), 0.6610, 1e-4);
}

// The curve at a finite time against an independent integration: the midpoint rule in x = sqrt(lambda) of the
// same integrand, for a load at which the edges are soft (error O(h^1.5) with 40000 panels).
TEST(DeeplinearGeneralization, QuadratureAgreesWithMidpointRule) {
  for (double alpha : {0.5, 1.0, 2.0}) {
    const double t = 3.0, sw = 0.8, se = 0.2;
    const auto law = marchenko_pastur(alpha);
    auto integrand = [&](double x) {
      Eigen::ArrayXd l(1);
      l[0] = x * x;
      const double rho = 2.0 * x * marchenko_pastur_density(alpha, l)[0];
      const double lam = x * x;
      const double g = lam > 0 ? -std::expm1(-lam * t) / lam : t;
      return rho * (sw * std::exp(-2.0 * lam * t) + se * lam * g * g);
    };
    const double eg = midpoint(integrand, std::sqrt(law.lower), std::sqrt(law.upper), 40000) + law.point_mass * sw + se;
    EXPECT_NEAR(generalization_error(problem(alpha, 4.0, t)).test_error, eg, 1e-5) << alpha;
  }
}

// Theory against the finite teacher-student simulation (exact gradient flow on each sampled data set).
// Tolerance: 4 standard errors of the seed mean plus a finite-size bias. The bias of these MP
// functionals is O(1/N): e.g. the exact finite-N asymptote for alpha > 1 is sigma_eps^2 (P - 1)/(P - N - 1)
// against sigma_eps^2 P/(P - N), relative 1/(P - N) = 1/N at alpha = 2. Measured over 3000 seeds at N = 200,
// alpha = 0.5: test error within 0.4% of theory for all t <= 100; train error within 0.3% for t <= 2 but
// +3.8% at t = 8, where e^{-2 lambda t} weights the smallest eigenvalues, which fluctuate on the soft-edge
// scale N^{-2/3}. Hence relative bias 2/N (test) and 2/N + t N^{-2/3}/4 (train: 5.8% at t = 8, N = 200).
TEST(DeeplinearGeneralization, TheoryMatchesTeacherStudentSimulation) {
  struct cfg {
    double alpha, snr, s0;
  };
  for (const cfg c : {cfg{0.5, 4.0, 0.25}, cfg{2.0, 4.0, 0.0}, cfg{1.0, 1.0, 0.0}}) {
    teacher_student_options o;
    o.alpha = c.alpha;
    o.snr = c.snr;
    o.init_variance = c.s0;
    o.inputs = 100;
    o.seeds = 24;
    o.seed = 1;
    o.times = {0.0, 0.5, 2.0, 8.0};
    const auto r = simulate_teacher_student(o);
    EXPECT_EQ(r.examples, static_cast<int>(std::round(c.alpha * o.inputs)));
    double worst = 0.0;
    for (Eigen::Index i = 0; i < r.time.size(); ++i) {
      const double bias = 2.0 / o.inputs;
      const double edge = r.time[i] * std::pow(o.inputs, -2.0 / 3.0) / 4.0;
      EXPECT_NEAR(r.test_mean[i], r.test_theory[i], 4.0 * r.test_sem[i] + bias * r.test_theory[i])
          << "alpha " << c.alpha << " t " << r.time[i];
      EXPECT_NEAR(r.train_mean[i], r.train_theory[i], 4.0 * r.train_sem[i] + (bias + edge) * r.train_theory[i])
          << "alpha " << c.alpha << " t " << r.time[i];
      if (r.test_sem[i] > 0) worst = std::max(worst, std::abs(r.test_mean[i] - r.test_theory[i]) / r.test_sem[i]);
      if (r.train_sem[i] > 0) {
        worst = std::max(worst, std::abs(r.train_mean[i] - r.train_theory[i]) / r.train_sem[i]);
      }
    }
    std::cout << "alpha " << c.alpha << ": worst |sim - theory| / sem = " << worst << "\n";
  }
}

// The simulation against an exact finite-N identity: for P < N, the flow from w(0) converges to
// w(0)'s null-space part plus the minimum-norm interpolant, whose expected test error is
// (1 - alpha)(sigma_w^2 + sigma_0^2) + sigma_eps^2 (1 + P/(N - P - 1)) (inverse Wishart mean
// E[(X X^T)^{-1}] = N/(N - P - 1) I). At t = 1e4 every mode has relaxed (lambda_min ~ 0.05 at N = 60).
// Tolerance 4 sem; the large-N theory differs from it by sigma_eps^2 P/((N - P)(N - P - 1)) = 0.7%.
TEST(DeeplinearGeneralization, SimulationMatchesFiniteSizeAsymptote) {
  teacher_student_options o;
  o.alpha = 0.5;
  o.snr = 4.0;
  o.init_variance = 0.5;
  o.inputs = 60;
  o.seeds = 100;
  o.seed = 5;
  o.times = {1e4};
  const auto r = simulate_teacher_student(o);
  const double exact = 0.5 * (0.8 + 0.5) + 0.2 * (1.0 + 30.0 / 29.0);
  EXPECT_NEAR(r.test_mean[0], exact, 4.0 * r.test_sem[0]);
  EXPECT_NEAR(r.train_mean[0], 0.0, 1e-12);  // interpolation
  std::cout << "finite-N asymptote " << exact << ", simulated " << r.test_mean[0] << " +- " << r.test_sem[0]
            << ", large-N theory " << r.test_theory[0] << "\n";
}

// Discrete GD of step eta against the flow on the same data (same seeds): per mode the decay
// (1 - eta lambda)^{t/eta} differs from e^{-lambda t} by ~ eta lambda^2 t e^{-lambda t} / 2 <= eta lambda / e,
// so the errors agree to a few eta lambda_max (notes 6: 2-3 eta s_max).
TEST(DeeplinearGeneralization, DiscreteGradientDescentApproachesFlow) {
  teacher_student_options o;
  o.alpha = 2.0;
  o.inputs = 100;
  o.seeds = 2;
  o.times = {1.0, 4.0};
  const auto flow = simulate_teacher_student(o);
  o.learning_rate = 1e-3;
  const auto gd = simulate_teacher_student(o);
  const double lmax = (std::sqrt(2.0) + 1.0) * (std::sqrt(2.0) + 1.0);
  for (Eigen::Index i = 0; i < 2; ++i) {
    EXPECT_NEAR(gd.test_mean[i], flow.test_mean[i], 3.0 * 1e-3 * lmax * flow.test_mean[i]);
    EXPECT_NEAR(gd.train_mean[i], flow.train_mean[i], 3.0 * 1e-3 * lmax * flow.train_mean[i]);
    EXPECT_NE(gd.test_mean[i], flow.test_mean[i]);  // it really is a different update
  }
}

// Results depend on the seed only, never on the thread count.
TEST(DeeplinearGeneralization, SimulationIndependentOfThreadCount) {
  teacher_student_options o;
  o.inputs = 60;
  o.seeds = 5;
  const int before = thread_count();
  set_thread_count(1);
  const auto one = simulate_teacher_student(o);
  set_thread_count(2);
  const auto two = simulate_teacher_student(o);
  set_thread_count(before);
  for (Eigen::Index i = 0; i < one.time.size(); ++i) {
    EXPECT_EQ(one.test_mean[i], two.test_mean[i]);
    EXPECT_EQ(one.train_mean[i], two.train_mean[i]);
  }
}

// t* minimises the curve: no neighbour on a fine log scan is lower, and the Brent refinement is a
// stationary point (relative changes at t* (1 +- 1e-3) are second order, below 1e-6).
TEST(DeeplinearGeneralization, OptimalStoppingMinimisesTestError) {
  for (double alpha : {0.5, 1.0, 2.0}) {
    for (double snr : {1.0, 4.0}) {
      const auto o = problem(alpha, snr);
      const auto es = optimal_early_stopping(o);
      ASSERT_TRUE(std::isfinite(es.t_star) && es.t_star > 0.0) << alpha << " " << snr;
      auto at = [&](double t) { return generalization_error(problem(alpha, snr, t)).test_error; };
      EXPECT_NEAR(es.test_error, at(es.t_star), 1e-14);
      for (const double t : log_time_grid(1e-3, 1e4, 141)) EXPECT_GE(at(t), es.test_error - 1e-13) << t;
      EXPECT_GE(at(es.t_star * 1.001), es.test_error);
      EXPECT_GE(at(es.t_star / 1.001), es.test_error);
      EXPECT_LT(at(es.t_star * 1.001) - es.test_error, 1e-6);
      // Early stopping beats the asymptote (strictly, since the curve turns up).
      EXPECT_LT(es.test_error, generalization_asymptote(o).test_error);
    }
  }
  // Pure noise (SNR = 0) and no init error: every step fits noise, so t* = 0 and the error is sigma_eps^2 = 1.
  const auto noise = optimal_early_stopping(problem(2.0, 0.0));
  EXPECT_EQ(noise.t_star, 0.0);
  EXPECT_NEAR(noise.test_error, 1.0, 1e-14);
}

// Optimal ridge 1/SNR is the Bayes posterior mean, so it is never worse than early stopping, and
// [AS, notes 3.1] a single global stopping time comes within ~1-3% of it.
TEST(DeeplinearGeneralization, RidgeOptimumBoundsEarlyStopping) {
  for (double alpha : {0.5, 1.0, 2.0}) {
    for (double snr : {1.0, 4.0, 16.0}) {
      const auto o = problem(alpha, snr);
      const auto ridge = optimal_ridge(o);
      const auto es = optimal_early_stopping(o);
      EXPECT_NEAR(ridge.ridge, 1.0 / snr, 1e-15);
      EXPECT_LE(ridge.test_error, es.test_error + 1e-12) << alpha << " " << snr;
      EXPECT_LE(es.test_error, 1.03 * ridge.test_error) << alpha << " " << snr;  // measured <= 2.2%
      // Ridge is optimal at 1/SNR: perturbing the penalty raises the error.
      EXPECT_GT(ridge_error(o, 1.2 / snr).test_error, ridge.test_error);
      EXPECT_GT(ridge_error(o, 0.8 / snr).test_error, ridge.test_error);
    }
  }
  // Ridge -> 0 is the minimum-norm least-squares solution, i.e. the gradient-flow asymptote from w = 0
  // (closed forms, a different code path); the penalty 1e-9 shifts it by O(1e-9 / lambda_-^2).
  for (double alpha : {0.5, 2.0}) {
    const auto o = problem(alpha, 4.0);
    EXPECT_NEAR(ridge_error(o, 1e-9).test_error, generalization_asymptote(o).test_error, 1e-6);
    EXPECT_NEAR(ridge_error(o, 1e-9).train_error, generalization_asymptote(o).train_error, 1e-6);
  }
  // Infinite penalty: w = 0, test error sigma_w^2 + sigma_eps^2 = 1, matching a huge finite penalty.
  EXPECT_NEAR(ridge_error(problem(2.0, 4.0), kInf).test_error, 1.0, 1e-15);
  EXPECT_NEAR(ridge_error(problem(2.0, 4.0), 1e12).test_error, 1.0, 1e-9);
  EXPECT_NEAR(ridge_error(problem(0.5, 4.0), 1e12).train_error, ridge_error(problem(0.5, 4.0), kInf).train_error, 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Lampinen & Ganguli spiked model.

// Notes 3.2: at A = 1, shat = sbar + 1/sbar and O = 1 - 1/sbar^2 (the general formulas reduce to these);
// threshold A^{1/4}; below it the mode sits at the bulk edge with no overlap.
TEST(DeeplinearGeneralizationSpiked, AspectOneClosedForms) {
  for (double sbar : {1.01, 1.5, 2.0, 5.0}) {
    EXPECT_NEAR(spiked_singular_value(sbar, 1.0), sbar + 1.0 / sbar, 1e-14);
    EXPECT_NEAR(spiked_overlap(sbar, 1.0), 1.0 - 1.0 / (sbar * sbar), 1e-14);
  }
  EXPECT_NEAR(spiked_threshold(16.0), 2.0, 1e-15);
  EXPECT_EQ(spiked_singular_value(0.9, 1.0), 2.0);
  EXPECT_EQ(spiked_overlap(0.9, 1.0), 0.0);
  // Continuity at the threshold: shat -> bulk edge 1 + sqrt(A), O -> 0.
  for (double aspect : {0.25, 1.0, 4.0}) {
    const double th = spiked_threshold(aspect) * (1.0 + 1e-9);
    EXPECT_NEAR(spiked_singular_value(th, aspect), 1.0 + std::sqrt(aspect), 1e-6);
    EXPECT_NEAR(spiked_overlap(th, aspect), 0.0, 1e-3);
  }
  // Bulk density: quarter circle at A = 1 and unit mass for any A (midpoint rule, O(h^1.5) edges).
  Eigen::ArrayXd s(3);
  s << 0.5, 1.0, 1.7;
  const Eigen::ArrayXd q = spiked_bulk_density(1.0, s);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(q[i], std::sqrt(4.0 - s[i] * s[i]) / std::numbers::pi, 1e-14);
  for (double aspect : {0.5, 2.0}) {
    const double lo = std::abs(1.0 - std::sqrt(aspect)), hi = 1.0 + std::sqrt(aspect);
    const double mass = midpoint(
        [&](double x) {
          Eigen::ArrayXd a(1);
          a[0] = x;
          return spiked_bulk_density(aspect, a)[0];
        },
        lo, hi, 20000);
    EXPECT_NEAR(mass, 1.0, 2e-5) << aspect;
  }
}

// Mode strength of the deep student: D = 2 values from notes 4 (six digits given, so 1e-6), the
// shallow exponential, and for D >= 3 the notes' transition times t(0.1 -> 0.9) at s = 1 (four digits:
// a time error of 5e-4 moves u by du/dt * 5e-4 <= 3e-4).
TEST(DeeplinearGeneralizationSpiked, ModeStrengthKnownValues) {
  const std::vector<double> t = {0.5, 1.0, 2.0};
  const auto a = spiked_mode_strength(3.0, 1e-3, 2, t);
  EXPECT_NEAR(a[0], 0.019959, 1e-6);
  EXPECT_NEAR(a[1], 0.355712, 1e-6);
  EXPECT_NEAR(a[2], 2.945721, 1e-6);
  const auto shallow = spiked_mode_strength(2.0, 0.5, 1, t);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(shallow[i], 2.0 - 1.5 * std::exp(-t[static_cast<std::size_t>(i)]), 1e-15);
  // s = 0 (pure-noise direction): du/dt = -2 u^2 -> a0 / (1 + 2 a0 t).
  EXPECT_NEAR(spiked_mode_strength(0.0, 0.1, 2, t)[2], 0.1 / 1.4, 1e-15);
  struct known {
    int depth;
    double time;
  };
  for (const known k : {known{3, 2.009}, known{4, 1.800}, known{6, 1.452}}) {
    const std::vector<double> tt = {k.time, 1e3};
    const auto u = spiked_mode_strength(1.0, 0.1, k.depth, tt);
    EXPECT_NEAR(u[0], 0.9, 3e-4) << "D = " << k.depth;
    EXPECT_NEAR(u[1], 1.0, 1e-12) << "D = " << k.depth;  // converged to s
  }
  // The ODE path against the exact learning time t(a0 -> u1) = (1/D) int_{ln a0}^{ln u1} u^{2/D - 1}/(s - u) d ln u
  // (notes 1.5) by the midpoint rule in ln u (smooth integrand, 2e5 panels: relative error ~1e-10);
  // the RK4 local tolerance 1e-11 in ln u keeps |u(t1) - u1| below 1e-8 (measured 2e-10).
  for (int depth : {3, 5}) {
    const double s = 2.0, a0 = 1e-2, u1 = 1.5;
    const double d = depth;
    const double t1 =
        midpoint([&](double lu) { return std::pow(std::exp(lu), 2.0 / d - 1.0) / (s - std::exp(lu)) / d; },
                 std::log(a0), std::log(u1), 200000);
    EXPECT_NEAR(spiked_mode_strength(s, a0, depth, std::vector<double>{t1})[0], u1, 1e-8) << "D = " << depth;
  }
  // A mode started above s decays to it monotonically.
  const auto down = spiked_mode_strength(1.0, 2.0, 3, t);
  EXPECT_LT(down[2], down[1]);
  EXPECT_GT(down[2], 1.0);
}

// The LG bookkeeping counts min(N1,N3) - #visible bulk modes of mean square max(1, A) next to the
// outliers shat^2, while E||Wbar + Z||^2 = ||Wbar||^2 + N3 exactly: the outliers repel the bulk, an
// O(#visible) absolute (O(#visible/N) relative) correction the large-N theory drops. This mass offset
// is the bias of the t = 0 train error, and the learned bulk carries it into the late test error.
// Tolerance for the curves at every time: 4 sem + 2 x offset (measured deviations <= 1.5 x offset).
// It is loose mid-transition (offset ~ 3.6 against test errors ~ 10-30 at N = 400); the visible
// modes are held tightly by the shat and overlap checks instead.
double spiked_mass_offset(spiked_options m) {
  m.a0 = 1e-12;
  double norm2 = 0.0;
  for (double s : m.teacher) norm2 += s * s;
  const auto c = spiked_curve(m, std::vector<double>{0.0});
  return std::abs(c.train_error[0] - norm2 - m.outputs);
}

// Spiked formulas and the LG curves against Monte Carlo (noisy low-rank matrices, SVD). shat
// fluctuates by O(1/sqrt(N)) per sample and has an O(1/N) bias; the overlap also has O(1/N) bias:
// tolerance 4 sem + 3/N. The curves: 4 sem + 2 x the mass offset above.
void expect_curves_match(const spiked_simulation_options& o, const spiked_simulation_result& r) {
  const double offset = spiked_mass_offset(o.model);
  for (Eigen::Index i = 0; i < r.time.size(); ++i) {
    EXPECT_NEAR(r.test_mean[i], r.test_theory[i], 4.0 * r.test_sem[i] + 2.0 * offset) << r.time[i];
    EXPECT_NEAR(r.train_mean[i], r.train_theory[i], 4.0 * r.train_sem[i] + 2.0 * offset) << r.time[i];
    std::cout << "t " << r.time[i] << ": test " << r.test_mean[i] << " +- " << r.test_sem[i] << " (theory "
              << r.test_theory[i] << "), train " << r.train_mean[i] << " +- " << r.train_sem[i] << " (theory "
              << r.train_theory[i] << "), offset " << offset << "\n";
  }
}

TEST(DeeplinearGeneralizationSpiked, FormulasMatchMonteCarlo) {
  spiked_simulation_options o;
  o.model.teacher = {4.0, 2.0, 1.4, 0.5};
  o.model.inputs = 400;
  o.model.outputs = 400;
  o.model.a0 = 1e-3;
  o.seeds = 4;
  o.seed = 3;
  o.times = {0.0, 1.0, 2.0, 4.0, 8.0};
  const auto r = simulate_spiked(o);
  const double n = 400;
  std::cout << "mass offset " << spiked_mass_offset(o.model) << "\n";
  for (Eigen::Index i = 0; i < 3; ++i) {  // the visible modes (threshold 1 at A = 1)
    EXPECT_NEAR(r.shat_mean[i], r.shat_theory[i], 4.0 * r.shat_sem[i] + 3.0 / n) << "mode " << i;
    EXPECT_NEAR(r.overlap_mean[i], r.overlap_theory[i], 4.0 * r.overlap_sem[i] + 3.0 / n) << "mode " << i;
    std::cout << "sbar " << o.model.teacher[static_cast<std::size_t>(i)] << ": shat " << r.shat_mean[i] << " +- "
              << r.shat_sem[i] << " (theory " << r.shat_theory[i] << "), overlap " << r.overlap_mean[i] << " +- "
              << r.overlap_sem[i] << " (theory " << r.overlap_theory[i] << ")\n";
  }
  // The invisible mode: its rank sits at the bulk edge 2 (Tracy-Widom scale N^{-2/3} ~ 0.02) with
  // overlap O(1/sqrt(N)).
  EXPECT_NEAR(r.shat_mean[3], 2.0, 0.05);
  EXPECT_LT(r.overlap_mean[3], 0.2);
  expect_curves_match(o, r);
}

// A non-square case (A = N3/N1 = 1/2, threshold 2^{-1/4}) with a deep student (D = 3, ODE path).
TEST(DeeplinearGeneralizationSpiked, NonSquareDeepStudentMatchesMonteCarlo) {
  spiked_simulation_options o;
  o.model.teacher = {3.0, 1.2};
  o.model.inputs = 300;
  o.model.outputs = 150;
  o.model.depth = 3;
  o.model.a0 = 1e-2;
  o.seeds = 4;
  o.seed = 11;
  o.times = {0.0, 2.0, 5.0, 20.0};
  const auto r = simulate_spiked(o);
  for (Eigen::Index i = 0; i < 2; ++i) {
    EXPECT_NEAR(r.shat_mean[i], r.shat_theory[i], 4.0 * r.shat_sem[i] + 3.0 / 150) << i;
    EXPECT_NEAR(r.overlap_mean[i], r.overlap_theory[i], 4.0 * r.overlap_sem[i] + 3.0 / 150) << i;
  }
  expect_curves_match(o, r);
}

// The LG curve bookkeeping: at t = 0 (a0 -> 0) the test error is ||Wbar||^2 and the train error the
// total squared singular value mass of Wbar + Z, E||Wbar + Z||_F^2 = ||Wbar||^2 + N3 (units sigma_z = 1).
TEST(DeeplinearGeneralizationSpiked, CurveBookkeeping) {
  spiked_options o;
  o.teacher = {3.0, 0.5};
  o.inputs = 300;
  o.outputs = 150;
  o.a0 = 1e-12;
  const std::vector<double> t = {0.0};
  const auto c = spiked_curve(o, t);
  EXPECT_EQ(c.visible, 1);
  EXPECT_NEAR(c.teacher_norm2, 9.25, 1e-14);
  EXPECT_NEAR(c.test_error[0], 9.25, 1e-9);
  // Visible shat^2 replaces sbar^2 plus one bulk mode's worth: the exact identity holds only in
  // expectation up to O(1) (the outlier's own share), so compare to 1%.
  EXPECT_NEAR(c.train_error[0], 9.25 + 150.0, 0.01 * 159.25);
}

// The shrinkage estimator [LG]: at A = 1 it is sqrt(shat^2 - 4) = sbar - 1/sbar (notes 3.2), it inverts
// shat(sbar) for any A, and its error is below the early-stopped error of GD, whose minimum t*
// really is a minimum of the LG test curve. LG [P]: the early-stopped error hardly depends on depth.
TEST(DeeplinearGeneralizationSpiked, ShrinkageBeatsEarlyStopping) {
  for (double sbar : {1.2, 2.0, 5.0}) {
    const double shat = spiked_singular_value(sbar, 1.0);
    EXPECT_NEAR(spiked_shrinkage(shat, 1.0), std::sqrt(shat * shat - 4.0), 1e-12);
    EXPECT_NEAR(spiked_shrinkage(shat, 1.0), sbar - 1.0 / sbar, 1e-12);
    for (double aspect : {0.3, 2.5}) {
      if (sbar <= spiked_threshold(aspect)) continue;
      const double sh = spiked_singular_value(sbar, aspect);
      EXPECT_NEAR(spiked_shrinkage(sh, aspect), sbar * spiked_overlap(sbar, aspect), 1e-10) << aspect;
    }
  }
  EXPECT_EQ(spiked_shrinkage(1.9, 1.0), 0.0);
  spiked_options o;
  o.teacher = {4.0, 2.0, 1.2};
  o.inputs = 200;
  o.outputs = 100;
  o.quadrature = 128;  // the bulk integrand is smooth in theta: 128 nodes agree with 256 to ~1e-12
  double previous = 0.0;
  for (int depth : {2, 3}) {
    o.depth = depth;
    const auto es = spiked_optimal_stopping(o);
    auto at = [&](double t) { return spiked_curve(o, std::vector<double>{t}).test_error[0]; };
    EXPECT_GE(at(es.t_star * 1.01), es.test_error - 1e-12);
    EXPECT_GE(at(es.t_star / 1.01), es.test_error - 1e-12);
    EXPECT_LT(spiked_shrinkage_error(o), es.test_error) << depth;
    std::cout << "D = " << depth << ": t* " << es.t_star << ", test(t*) " << es.test_error << ", shrinkage "
              << spiked_shrinkage_error(o) << " (||Wbar||^2 = 21.44)\n";
    if (previous > 0.0) {
      EXPECT_NEAR(es.test_error, previous, 0.1 * previous);
    }
    previous = es.test_error;
  }
}

TEST(DeeplinearGeneralization, BadInputThrows) {
  EXPECT_THROW(generalization_error(problem(0.0, 4.0)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(-1.0, 4.0)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(std::nan(""), 4.0)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(0.5, -0.1)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(0.5, kInf)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(0.5, 4.0, -1.0)), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(0.5, 4.0, std::nan(""))), nt::invalid_argument);
  EXPECT_THROW(generalization_error(problem(0.5, 4.0, 1.0, -0.5)), nt::invalid_argument);
  auto q = problem(0.5, 4.0);
  q.quadrature = 2;
  EXPECT_THROW(generalization_error(q), nt::invalid_argument);
  const std::vector<double> bad_times = {1.0, -2.0};
  EXPECT_THROW(generalization_curve(problem(0.5, 4.0), bad_times), nt::invalid_argument);
  EXPECT_THROW(ridge_error(problem(0.5, 4.0), -1.0), nt::invalid_argument);
  EXPECT_THROW(log_time_grid(0.0, 1.0, 5), nt::invalid_argument);
  EXPECT_THROW(log_time_grid(2.0, 1.0, 5), nt::invalid_argument);
  teacher_student_options ts;
  ts.alpha = 0.001;  // P = round(0.2) = 0
  EXPECT_THROW(simulate_teacher_student(ts), nt::invalid_argument);
  ts = {};
  ts.learning_rate = 1.0;  // beyond the stability edge
  EXPECT_THROW(simulate_teacher_student(ts), nt::invalid_argument);
  ts = {};
  ts.times = {kInf};
  EXPECT_THROW(simulate_teacher_student(ts), nt::invalid_argument);
  ts = {};
  ts.seeds = 0;
  EXPECT_THROW(simulate_teacher_student(ts), nt::invalid_argument);
  spiked_options sp;
  sp.teacher = {-1.0};
  EXPECT_THROW(spiked_curve(sp, std::vector<double>{1.0}), nt::invalid_argument);
  sp = {};
  sp.depth = 0;
  EXPECT_THROW(spiked_curve(sp, std::vector<double>{1.0}), nt::invalid_argument);
  sp = {};
  sp.a0 = 0.0;
  EXPECT_THROW(spiked_curve(sp, std::vector<double>{1.0}), nt::invalid_argument);
  sp = {};
  sp.teacher = {1.0, 2.0, 3.0};
  sp.outputs = 2;
  EXPECT_THROW(spiked_curve(sp, std::vector<double>{1.0}), nt::invalid_argument);
  EXPECT_THROW(spiked_threshold(0.0), nt::invalid_argument);
  EXPECT_THROW(spiked_mode_strength(1.0, -1.0, 2, std::vector<double>{1.0}), nt::invalid_argument);
  spiked_simulation_options ss;
  ss.times = {-1.0};
  EXPECT_THROW(simulate_spiked(ss), nt::invalid_argument);
}

}  // namespace
}  // namespace nt::deeplinear
