#include "neurotheory/deeplinear/generalization.hpp"
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include <Eigen/Eigenvalues>
#include <boost/math/tools/minima.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/gaussian.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::deeplinear {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Quadrature for the continuous Marchenko-Pastur part: int rho(lambda) f(lambda) dlambda ~= sum_k w_k f(lambda_k).
// Notes 6: substitute lambda = x^2 (removes the 1/sqrt(lambda) singularity at alpha = 1), then
// x = c - h cos(theta) on theta in [0, pi] (removes the square-root edges, so Gauss-Legendre in theta
// converges spectrally): rho dlambda = h^2 sin^2(theta) sqrt((x_+ + x)(x + x_-)) / (pi x) dtheta.
struct mp_rule {
  Eigen::ArrayXd lambda, x, weight;
};

mp_rule mp_quadrature(double alpha, int n) {
  const double xm = std::abs(std::sqrt(alpha) - 1.0);
  const double xp = std::sqrt(alpha) + 1.0;
  const double h = 0.5 * (xp - xm);
  const auto& gl = gauss_legendre(n);
  mp_rule r{Eigen::ArrayXd(n), Eigen::ArrayXd(n), Eigen::ArrayXd(n)};
  for (int k = 0; k < n; ++k) {
    const double theta = 0.5 * std::numbers::pi * (gl.nodes[k] + 1.0);
    const double sn = std::sin(theta);
    // x - x_- = h (1 - cos theta) = 2 h sin^2(theta/2): no cancellation near the lower edge.
    const double s2 = std::sin(0.5 * theta);
    const double x = xm + 2.0 * h * s2 * s2;
    r.x[k] = x;
    r.lambda[k] = x * x;
    r.weight[k] = 0.5 * std::numbers::pi * gl.weights[k] * h * h * sn * sn * std::sqrt((xp + x) * (x + xm)) /
                  (std::numbers::pi * x);
  }
  return r;
}

// (1 - e^{-lambda t}) / lambda, with its lambda -> 0 limit t.
double relax_gain(double lambda, double t) {
  if (lambda * t < 1e-300 || lambda <= 0.0) return t;
  return -std::expm1(-lambda * t) / lambda;
}

void require_time(const char* field, double t) {
  if (!(t >= 0.0)) throw invalid_argument(field, format_value(t), "must be >= 0 (inf allowed)");
}

void require_quadrature(int n) {
  if (n < 8 || n > 20000) throw invalid_argument("quadrature", std::to_string(n), "must lie in [8, 20000]");
}

// E_t and E_g of AS at a finite time (notes 3.1) by the MP rule; sw0 = sigma_w^2 + sigma_0^2.
generalization_result as_errors(const mp_rule& r, double alpha, const teacher_variances& v, double s0, double t) {
  const double sw0 = v.signal + s0;
  const double pm = std::max(0.0, 1.0 - alpha);
  double eg = 0.0, et = 0.0;
  for (Eigen::Index k = 0; k < r.lambda.size(); ++k) {
    const double l = r.lambda[k];
    const double e2 = std::exp(-2.0 * l * t);
    const double g = relax_gain(l, t);  // (1 - e^{-lt})/l
    eg += r.weight[k] * (sw0 * e2 + v.noise * l * g * g);
    et += r.weight[k] * (l * sw0 + v.noise) * e2;
  }
  generalization_result out;
  out.test_error = eg + pm * sw0 + v.noise;
  out.train_error = et / alpha + std::max(0.0, 1.0 - 1.0 / alpha) * v.noise;
  return out;
}

// Brent's minimisation of f on [a, b] (Boost.Math), to full double precision in the abscissa.
template <class F>
double brent_minimize(F&& f, double a, double b) {
  boost::uintmax_t iterations = 200;
  return boost::math::tools::brent_find_minima(f, a, b, std::numeric_limits<double>::digits, iterations).first;
}

// Deep balanced mode ODE du/dt = D u^{2-2/D} (s - u) (notes 1.5) in v = ln u:
// dv/dt = D u^{1-2/D} (s - u). Adaptive RK4 with step doubling (local error < 1e-11 in v).
double deep_rate(double v, double s, int depth) {
  const double u = std::exp(v);
  return depth * std::exp(v * (1.0 - 2.0 / depth)) * (s - u);
}

Eigen::ArrayXd deep_mode_ode(double s, double a0, int depth, std::span<const double> times) {
  // Visit the times in increasing order, integrating forward from t = 0.
  std::vector<std::size_t> order(times.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
  Eigen::ArrayXd out(static_cast<Eigen::Index>(times.size()));
  const double vs = s > 0.0 ? std::log(s) : -kInf;
  double v = std::log(a0), t = 0.0;
  auto rk4 = [&](double y, double hstep) {
    const double k1 = deep_rate(y, s, depth);
    const double k2 = deep_rate(y + 0.5 * hstep * k1, s, depth);
    const double k3 = deep_rate(y + 0.5 * hstep * k2, s, depth);
    const double k4 = deep_rate(y + hstep * k3, s, depth);
    return y + hstep / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
  };
  double h = 1e-3;
  bool settled = false;
  for (std::size_t idx : order) {
    const double target = times[idx];
    if (std::isinf(target)) {
      out[static_cast<Eigen::Index>(idx)] = std::max(s, 0.0);
      continue;
    }
    while (t < target && !settled) {
      // Converged to the fixed point u = s within rounding: later values are s.
      if (s > 0.0 && std::abs(v - vs) < 1e-14) {
        settled = true;
        break;
      }
      const double rate = std::abs(deep_rate(v, s, depth));
      if (rate > 0.0) h = std::min(h, 0.5 / rate);  // at most ~0.5 change of ln u per step
      h = std::max(h, 1e-12);
      const double step = std::min(h, target - t);
      if (!(step > 0.0) || t + step == t) break;  // the remaining interval is below rounding of t
      const double full = rk4(v, step);
      const double half = rk4(rk4(v, 0.5 * step), 0.5 * step);
      const double err = std::abs(full - half);
      if (err > 1e-11 && step > 1e-12) {
        h = 0.5 * step;
        continue;
      }
      v = half + (half - full) / 15.0;  // Richardson
      // The fixed point cannot be crossed (uniqueness); guard against a rounding overshoot.
      if (s > 0.0 && ((std::log(a0) < vs && v > vs) || (std::log(a0) > vs && v < vs))) v = vs;
      t += step;
      if (err < 1e-13) h = 2.0 * step;
    }
    out[static_cast<Eigen::Index>(idx)] = settled ? s : std::exp(v);
  }
  return out;
}

void require_times(const std::vector<double>& times, bool allow_inf) {
  if (times.empty()) throw invalid_argument("times", "empty", "give at least one time");
  for (double t : times) {
    if (!(t >= 0.0) || (!allow_inf && std::isinf(t))) {
      throw invalid_argument("times", format_value(t), allow_inf ? "must be >= 0" : "must be finite and >= 0");
    }
  }
}

enum stream_tag : std::uint64_t { data_tag = 1, teacher_tag = 2, noise_tag = 3, init_tag = 4 };

}  // namespace

// ---------------------------------------------------------------------------------------------
// Advani & Saxe.

teacher_variances variances_from_snr(double snr) {
  require_nonnegative("snr", snr);
  return {snr / (1.0 + snr), 1.0 / (1.0 + snr)};
}

void generalization_options::validate() const {
  require_positive("alpha", alpha);
  require_nonnegative("snr", snr);
  require_time("time", time);
  require_nonnegative("init_variance", init_variance);
  require_quadrature(quadrature);
}

marchenko_pastur_law marchenko_pastur(double alpha) {
  require_positive("alpha", alpha);
  const double r = std::sqrt(alpha);
  return {(r - 1.0) * (r - 1.0), (r + 1.0) * (r + 1.0), std::max(0.0, 1.0 - alpha)};
}

Eigen::ArrayXd marchenko_pastur_density(double alpha, const Eigen::ArrayXd& lambda) {
  const auto law = marchenko_pastur(alpha);
  Eigen::ArrayXd rho(lambda.size());
  for (Eigen::Index i = 0; i < lambda.size(); ++i) {
    const double l = lambda[i];
    rho[i] = (l > law.lower && l < law.upper && l > 0.0)
                 ? std::sqrt((law.upper - l) * (l - law.lower)) / (2.0 * std::numbers::pi * l)
                 : 0.0;
  }
  return rho;
}

generalization_result generalization_asymptote(const generalization_options& options) {
  options.validate();
  const auto v = variances_from_snr(options.snr);
  const double a = options.alpha;
  generalization_result out;
  if (a > 1.0) {
    out.test_error = v.noise * a / (a - 1.0);
    out.train_error = (1.0 - 1.0 / a) * v.noise;
  } else if (a < 1.0) {
    out.test_error = (1.0 - a) * (v.signal + options.init_variance) + v.noise / (1.0 - a);
    out.train_error = 0.0;  // P < N: the data are interpolated
  } else {
    out.test_error = kInf;  // sigma_eps^2 > 0 for every finite SNR
    out.train_error = 0.0;
  }
  return out;
}

generalization_result generalization_error(const generalization_options& options) {
  options.validate();
  if (std::isinf(options.time)) return generalization_asymptote(options);
  const auto r = mp_quadrature(options.alpha, options.quadrature);
  return as_errors(r, options.alpha, variances_from_snr(options.snr), options.init_variance, options.time);
}

generalization_curve_result generalization_curve(const generalization_options& options, std::span<const double> times) {
  options.validate();
  for (double t : times) require_time("times", t);
  const auto r = mp_quadrature(options.alpha, options.quadrature);
  const auto v = variances_from_snr(options.snr);
  const auto n = static_cast<Eigen::Index>(times.size());
  generalization_curve_result out{Eigen::ArrayXd(n), Eigen::ArrayXd(n), Eigen::ArrayXd(n)};
  const auto inf = generalization_asymptote(options);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double t = times[static_cast<std::size_t>(i)];
    const auto e = std::isinf(t) ? inf : as_errors(r, options.alpha, v, options.init_variance, t);
    out.time[i] = t;
    out.train_error[i] = e.train_error;
    out.test_error[i] = e.test_error;
  }
  return out;
}

std::vector<double> log_time_grid(double t_min, double t_max, int points) {
  require_positive("t_min", t_min);
  require_positive("t_max", t_max);
  if (t_max < t_min) throw invalid_argument("t_max", format_value(t_max), "must be >= t_min");
  require_at_least("points", points, 1);
  if (points > 1000000) throw invalid_argument("points", std::to_string(points), "must be <= 1000000");
  std::vector<double> out(static_cast<std::size_t>(points));
  const double la = std::log(t_min), lb = std::log(t_max);
  for (int i = 0; i < points; ++i) {
    out[static_cast<std::size_t>(i)] = points == 1 ? t_min : std::exp(la + (lb - la) * i / (points - 1.0));
  }
  return out;
}

early_stopping_result optimal_early_stopping(const generalization_options& options) {
  options.validate();
  const auto r = mp_quadrature(options.alpha, options.quadrature);
  const auto v = variances_from_snr(options.snr);
  auto eg = [&](double t) { return as_errors(r, options.alpha, v, options.init_variance, t).test_error; };
  // Scan t = 0, a log grid over 1e-6..1e8 (8 points per decade) and t = inf, then refine the best
  // interior grid point by Brent on log t between its neighbours.
  const auto grid = log_time_grid(1e-6, 1e8, 113);
  std::vector<double> f(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) f[i] = eg(grid[i]);
  const auto best = static_cast<std::size_t>(std::min_element(f.begin(), f.end()) - f.begin());
  early_stopping_result out;
  const double e0 = eg(0.0);
  const auto asym = generalization_asymptote(options);
  if (e0 <= f[best] && e0 <= asym.test_error) {
    out.t_star = 0.0;
  } else if (asym.test_error < f[best]) {
    out.t_star = kInf;
  } else if (best == 0 || best + 1 == grid.size()) {
    out.t_star = grid[best];
  } else {
    const double lt =
        brent_minimize([&](double u) { return eg(std::exp(u)); }, std::log(grid[best - 1]), std::log(grid[best + 1]));
    out.t_star = std::exp(lt);
  }
  const auto e = std::isinf(out.t_star) ? asym : as_errors(r, options.alpha, v, options.init_variance, out.t_star);
  out.test_error = e.test_error;
  out.train_error = e.train_error;
  return out;
}

ridge_result ridge_error(const generalization_options& options, double ridge) {
  options.validate();
  if (!(ridge >= 0.0)) throw invalid_argument("ridge", format_value(ridge), "must be >= 0 (inf allowed)");
  const auto v = variances_from_snr(options.snr);
  const double a = options.alpha;
  const double pm = std::max(0.0, 1.0 - a);
  const double null_left = std::max(0.0, 1.0 - 1.0 / a);  // fraction of examples outside the row space
  ridge_result out;
  out.ridge = ridge;
  if (std::isinf(ridge)) {  // w = 0
    out.test_error = v.signal + v.noise;
    const double mass = std::min(1.0, a);
    out.train_error = (a * v.signal + mass * v.noise) / a + null_left * v.noise;  // int rho lambda = alpha
    return out;
  }
  if (ridge == 0.0 && a == 1.0) {
    out.test_error = v.noise > 0.0 ? kInf : 0.0;
    out.train_error = 0.0;
    return out;
  }
  const auto r = mp_quadrature(a, options.quadrature);
  double eg = 0.0, et = 0.0;
  for (Eigen::Index k = 0; k < r.lambda.size(); ++k) {
    const double l = r.lambda[k];
    const double d = 1.0 / ((l + ridge) * (l + ridge));
    // Per mode: e = -ridge wbar/(l + ridge) + sqrt(l) eps/(l + ridge); residual = ridge (sqrt(l) wbar + eps)/(l +
    // ridge).
    eg += r.weight[k] * (ridge * ridge * v.signal + l * v.noise) * d;
    et += r.weight[k] * ridge * ridge * (l * v.signal + v.noise) * d;
  }
  out.test_error = eg + pm * v.signal + v.noise;  // the null space stays at w = 0
  out.train_error = et / a + null_left * v.noise;
  return out;
}

ridge_result optimal_ridge(const generalization_options& options) {
  options.validate();
  return ridge_error(options, options.snr > 0.0 ? 1.0 / options.snr : kInf);
}

void teacher_student_options::validate() const {
  problem().validate();
  if (inputs < 2 || inputs > 4000) throw invalid_argument("inputs", std::to_string(inputs), "must lie in [2, 4000]");
  const double p = std::round(alpha * inputs);
  if (!(p >= 1.0) || p * inputs > 1.6e7) {
    throw invalid_argument("alpha", format_value(alpha),
                           "must give 1 <= P = round(alpha N) and P N <= 1.6e7 (N = " + std::to_string(inputs) + ")");
  }
  if (seeds < 1 || seeds > 100000) throw invalid_argument("seeds", std::to_string(seeds), "must lie in [1, 100000]");
  const double edge = (std::sqrt(alpha) + 1.0) * (std::sqrt(alpha) + 1.0);
  if (!(learning_rate >= 0.0) || learning_rate * edge > 1.0) {
    throw invalid_argument("learning_rate", format_value(learning_rate),
                           "must lie in [0, 1/(1 + sqrt(alpha))^2 = " + format_value(1.0 / edge) +
                               "] (stable GD below the top eigenvalue of X^T X)");
  }
  require_times(times, false);
}

generalization_options teacher_student_options::problem() const {
  generalization_options o;
  o.alpha = alpha;
  o.snr = snr;
  o.init_variance = init_variance;
  o.quadrature = quadrature;
  return o;
}

teacher_student_result simulate_teacher_student(const teacher_student_options& options) {
  options.validate();
  const Eigen::Index n = options.inputs;
  const auto p = static_cast<Eigen::Index>(std::round(options.alpha * static_cast<double>(n)));
  const auto v = variances_from_snr(options.snr);
  const auto nt = static_cast<Eigen::Index>(options.times.size());
  const double eta = options.learning_rate;
  Eigen::ArrayXXd train(nt, options.seeds), test(nt, options.seeds);

  const blas_single_thread blas_guard;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (int rep = 0; rep < options.seeds; ++rep) {
    const auto urep = static_cast<std::uint64_t>(rep);
    Eigen::MatrixXd x(p, n);
    rng::stream(options.seed, {urep, data_tag}).fill_normal({x.data(), static_cast<std::size_t>(x.size())});
    x /= std::sqrt(static_cast<double>(n));
    Eigen::VectorXd wbar(n), eps(p), w0(n);
    rng::stream(options.seed, {urep, teacher_tag}).fill_normal({wbar.data(), static_cast<std::size_t>(n)});
    rng::stream(options.seed, {urep, noise_tag}).fill_normal({eps.data(), static_cast<std::size_t>(p)});
    rng::stream(options.seed, {urep, init_tag}).fill_normal({w0.data(), static_cast<std::size_t>(n)});
    wbar *= std::sqrt(v.signal);
    eps *= std::sqrt(v.noise);
    w0 *= std::sqrt(options.init_variance);
    // Gradient flow on e = w - wbar: de/dt = X^T eps - X^T X e; exact per eigenmode of X^T X.
    Eigen::MatrixXd xtx(n, n);
    xtx.setZero();
    xtx.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(xtx);
    const Eigen::MatrixXd& basis = eig.eigenvectors();
    const Eigen::VectorXd lam = eig.eigenvalues();
    const Eigen::VectorXd e0 = basis.transpose() * (w0 - wbar);
    const Eigen::VectorXd b = basis.transpose() * (x.transpose() * eps);
    Eigen::VectorXd e(n), r(p);
    for (Eigen::Index j = 0; j < nt; ++j) {
      const double t = options.times[static_cast<std::size_t>(j)];
      for (Eigen::Index i = 0; i < n; ++i) {
        const double l = std::max(lam[i], 0.0);
        double decay = 0.0, gain = 0.0;
        if (eta > 0.0) {
          // n steps of GD: e <- (1 - eta l) e + eta b, so e_n = g e0 + b (1 - g)/l with g = (1 - eta l)^n.
          const double steps = std::round(t / eta);
          decay = std::pow(1.0 - eta * l, steps);
          gain = l * steps * eta > 1e-300 ? (1.0 - decay) / l : steps * eta;
        } else {
          decay = std::exp(-l * t);
          gain = relax_gain(l, t);
        }
        e[i] = decay * e0[i] + gain * b[i];
      }
      test(j, rep) = e.squaredNorm() / static_cast<double>(n) + v.noise;
      r.noalias() = x * (basis * e);
      r = eps - r;
      train(j, rep) = r.squaredNorm() / static_cast<double>(p);
    }
  }

  teacher_student_result out;
  out.examples = static_cast<int>(p);
  out.replicates = options.seeds;
  out.time = Eigen::Map<const Eigen::ArrayXd>(options.times.data(), nt);
  const double s = options.seeds;
  auto reduce = [&](const Eigen::ArrayXXd& a, Eigen::ArrayXd& mean, Eigen::ArrayXd& sem) {
    mean = a.rowwise().mean();
    if (options.seeds > 1) {
      sem = ((a.colwise() - mean).square().rowwise().sum() / (s - 1.0) / s).sqrt();
    } else {
      sem = Eigen::ArrayXd::Constant(nt, std::numeric_limits<double>::quiet_NaN());
    }
  };
  reduce(train, out.train_mean, out.train_sem);
  reduce(test, out.test_mean, out.test_sem);
  const auto theory = generalization_curve(options.problem(), options.times);
  out.train_theory = theory.train_error;
  out.test_theory = theory.test_error;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lampinen & Ganguli.

double spiked_threshold(double aspect) {
  require_positive("aspect", aspect);
  return std::pow(aspect, 0.25);
}

double spiked_singular_value(double sbar, double aspect) {
  require_nonnegative("sbar", sbar);
  if (!(sbar > spiked_threshold(aspect))) return 1.0 + std::sqrt(aspect);
  const double s2 = sbar * sbar;
  return std::sqrt((1.0 + s2) * (aspect + s2)) / sbar;
}

double spiked_overlap(double sbar, double aspect) {
  require_nonnegative("sbar", sbar);
  if (!(sbar > spiked_threshold(aspect))) return 0.0;
  const double s2 = sbar * sbar;
  const double left = 1.0 - aspect * (1.0 + s2) / (s2 * (aspect + s2));
  const double right = 1.0 - (aspect + s2) / (s2 * (1.0 + s2));
  return std::sqrt(std::max(0.0, left) * std::max(0.0, right));
}

Eigen::ArrayXd spiked_bulk_density(double aspect, const Eigen::ArrayXd& s) {
  require_positive("aspect", aspect);
  const Eigen::ArrayXd rho = marchenko_pastur_density(aspect, s.square());
  return 2.0 * s.abs() * rho / std::min(1.0, aspect);
}

Eigen::ArrayXd spiked_mode_strength(double s, double a0, int depth, std::span<const double> times) {
  require_nonnegative("s", s);
  require_positive("a0", a0);
  require_at_least("depth", depth, 1);
  if (depth > 1000) throw invalid_argument("depth", std::to_string(depth), "must be <= 1000");
  for (double t : times) require_time("times", t);
  const auto n = static_cast<Eigen::Index>(times.size());
  Eigen::ArrayXd out(n);
  if (depth >= 3) return deep_mode_ode(s, a0, depth, times);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double t = times[static_cast<std::size_t>(i)];
    if (depth == 1) {
      // Shallow: du/dt = s - u (notes 1.3).
      out[i] = std::isinf(t) ? s : s + (a0 - s) * std::exp(-t);
    } else if (std::isinf(t)) {
      out[i] = s;
    } else {
      // S14 sigmoid u = s / (1 + (s/a0 - 1) e^{-2st}), written as s / ((s/a0) e^{-2st} - expm1(-2st)) so that
      // s -> 0 gives a0 / (1 + 2 a0 t) without cancellation (notes 1.3, 6).
      const double e = std::exp(-2.0 * s * t);
      out[i] = s > 0.0 ? s / ((s / a0) * e - std::expm1(-2.0 * s * t)) : a0 / (1.0 + 2.0 * a0 * t);
    }
  }
  return out;
}

void spiked_options::validate() const {
  if (teacher.empty()) throw invalid_argument("teacher", "empty", "give at least one teacher singular value");
  for (double s : teacher) require_nonnegative("teacher", s);
  if (inputs < 1 || inputs > 20000) throw invalid_argument("inputs", std::to_string(inputs), "must lie in [1, 20000]");
  if (outputs < 1 || outputs > 20000) {
    throw invalid_argument("outputs", std::to_string(outputs), "must lie in [1, 20000]");
  }
  if (static_cast<int>(teacher.size()) > std::min(inputs, outputs)) {
    throw invalid_argument("teacher", std::to_string(teacher.size()) + " modes",
                           "must be at most min(inputs, outputs) modes");
  }
  require_at_least("depth", depth, 1);
  if (depth > 1000) throw invalid_argument("depth", std::to_string(depth), "must be <= 1000");
  require_positive("a0", a0);
  require_quadrature(quadrature);
}

spiked_curve_result spiked_curve(const spiked_options& options, std::span<const double> times) {
  options.validate();
  for (double t : times) require_time("times", t);
  const double aspect = options.aspect();
  const auto nt = static_cast<Eigen::Index>(times.size());
  spiked_curve_result out;
  out.bulk_lower = std::abs(1.0 - std::sqrt(aspect));
  out.bulk_upper = 1.0 + std::sqrt(aspect);
  out.time = Eigen::Map<const Eigen::ArrayXd>(times.data(), nt);
  out.train_error.setZero(nt);
  out.test_error.setZero(nt);
  for (double sbar : options.teacher) {
    spiked_mode m;
    m.sbar = sbar;
    m.visible = sbar > spiked_threshold(aspect);
    m.shat = spiked_singular_value(sbar, aspect);
    m.overlap = spiked_overlap(sbar, aspect);
    out.teacher_norm2 += sbar * sbar;
    if (m.visible) {
      ++out.visible;
      const Eigen::ArrayXd a = spiked_mode_strength(m.shat, options.a0, options.depth, times);
      out.train_error += (m.shat - a).square();
      out.test_error += sbar * sbar + a.square() - 2.0 * sbar * m.overlap * a;
    } else {
      out.test_error += sbar * sbar;  // never learned: its signal is lost in the bulk
    }
    out.modes.push_back(m);
  }
  // The remaining min(N1, N3) - #visible modes are noise modes with the bulk law of singular values:
  // int p(s) F(s) ds = int rho_MP(lambda; A) F(sqrt(lambda)) dlambda / min(1, A).
  const double bulk_modes = std::min(options.inputs, options.outputs) - out.visible;
  if (bulk_modes > 0) {
    const auto r = mp_quadrature(aspect, options.quadrature);
    const double scale = bulk_modes / std::min(1.0, aspect);
    for (Eigen::Index k = 0; k < r.x.size(); ++k) {
      const double s = r.x[k];
      const Eigen::ArrayXd a = spiked_mode_strength(s, options.a0, options.depth, times);
      out.train_error += scale * r.weight[k] * (s - a).square();
      out.test_error += scale * r.weight[k] * a.square();
    }
  }
  return out;
}

early_stopping_result spiked_optimal_stopping(const spiked_options& options) {
  options.validate();
  auto test_at = [&](double t) { return spiked_curve(options, std::span<const double>(&t, 1)).test_error[0]; };
  const auto grid = log_time_grid(1e-4, 1e6, 81);
  const auto c = spiked_curve(options, grid);
  Eigen::Index best = 0;
  c.test_error.minCoeff(&best);
  early_stopping_result out;
  const double e0 = test_at(0.0);
  if (e0 <= c.test_error[best]) {
    out.t_star = 0.0;
  } else if (best == 0 || best + 1 == c.test_error.size()) {
    out.t_star = grid[static_cast<std::size_t>(best)];
  } else {
    const auto b = static_cast<std::size_t>(best);
    out.t_star = std::exp(
        brent_minimize([&](double u) { return test_at(std::exp(u)); }, std::log(grid[b - 1]), std::log(grid[b + 1])));
  }
  const auto at = spiked_curve(options, std::span<const double>(&out.t_star, 1));
  out.test_error = at.test_error[0];
  out.train_error = at.train_error[0];
  return out;
}

double spiked_shrinkage(double shat, double aspect) {
  require_nonnegative("shat", shat);
  require_positive("aspect", aspect);
  if (!(shat > 1.0 + std::sqrt(aspect))) return 0.0;
  const double b = shat * shat - 1.0 - aspect;
  const double sbar2 = 0.5 * (b + std::sqrt(std::max(0.0, b * b - 4.0 * aspect)));
  const double sbar = std::sqrt(sbar2);
  return sbar * spiked_overlap(sbar, aspect);
}

double spiked_shrinkage_error(const spiked_options& options) {
  options.validate();
  double e = 0.0;
  for (double sbar : options.teacher) {
    const double o = spiked_overlap(sbar, options.aspect());
    e += sbar * sbar * (1.0 - o * o);  // ||sbar u v^T - sbar O uhat vhat^T||^2, minimised over the scale
  }
  return e;
}

void spiked_simulation_options::validate() const {
  model.validate();
  if (static_cast<double>(model.inputs) * model.outputs > 1.6e7) {
    throw invalid_argument("inputs", std::to_string(model.inputs),
                           "inputs x outputs must be <= 1.6e7 (a dense matrix and its SVD per seed)");
  }
  if (seeds < 1 || seeds > 100000) throw invalid_argument("seeds", std::to_string(seeds), "must lie in [1, 100000]");
  require_times(times, false);
}

spiked_simulation_result simulate_spiked(const spiked_simulation_options& options) {
  options.validate();
  const auto& m = options.model;
  const Eigen::Index n1 = m.inputs, n3 = m.outputs;
  const Eigen::Index rank = std::min(n1, n3);
  const auto modes = static_cast<Eigen::Index>(m.teacher.size());
  const auto nt = static_cast<Eigen::Index>(options.times.size());
  // Teacher modes sorted by decreasing sbar are matched to the empirical modes of the same rank. The
  // noise is rotation invariant, so the teacher's singular vectors can be the coordinate axes.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(modes));
  for (Eigen::Index i = 0; i < modes; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return m.teacher[static_cast<std::size_t>(a)] > m.teacher[static_cast<std::size_t>(b)];
  });
  Eigen::ArrayXd sorted(modes);
  for (Eigen::Index i = 0; i < modes; ++i)
    sorted[i] = m.teacher[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
  const double norm2 = sorted.square().sum();

  Eigen::ArrayXXd shat(modes, options.seeds), overlap(modes, options.seeds);
  Eigen::ArrayXXd train(nt, options.seeds), test(nt, options.seeds);
  const blas_single_thread blas_guard;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (int rep = 0; rep < options.seeds; ++rep) {
    Eigen::MatrixXd y(n3, n1);
    rng::stream(options.seed, {static_cast<std::uint64_t>(rep), noise_tag})
        .fill_normal({y.data(), static_cast<std::size_t>(y.size())});
    y /= std::sqrt(static_cast<double>(n1));
    for (Eigen::Index i = 0; i < modes; ++i) y(i, i) += sorted[i];
    // Thin SVD by LAPACK's divide and conquer (dgesdd; several times faster than Eigen's BDCSVD here).
    Eigen::VectorXd sv(rank);
    Eigen::MatrixXd u(n3, rank), vt(rank, n1);
    const auto ln3 = static_cast<lapack_int>(n3), ln1 = static_cast<lapack_int>(n1);
    std::vector<lapack_int> iwork(static_cast<std::size_t>(8 * rank));
    double query = 0.0;
    LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', ln3, ln1, y.data(), ln3, sv.data(), u.data(), ln3, vt.data(),
                        static_cast<lapack_int>(rank), &query, -1, iwork.data());
    std::vector<double> work(static_cast<std::size_t>(query) + 1);
    const lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', ln3, ln1, y.data(), ln3, sv.data(), u.data(),
                                                ln3, vt.data(), static_cast<lapack_int>(rank), work.data(),
                                                static_cast<lapack_int>(work.size()), iwork.data());
    if (info != 0) {  // no convergence: this replicate is reported as NaN (never thrown inside the parallel loop)
      const double nan = std::numeric_limits<double>::quiet_NaN();
      shat.col(rep).setConstant(nan);
      overlap.col(rep).setConstant(nan);
      train.col(rep).setConstant(nan);
      test.col(rep).setConstant(nan);
      continue;
    }
    const Eigen::MatrixXd vv = vt.transpose();
    for (Eigen::Index i = 0; i < modes; ++i) {
      shat(i, rep) = sv[i];
      overlap(i, rep) = std::abs(u(i, i) * vv(i, i));
    }
    // Student W(t) = sum_beta a_beta(t) uhat_beta vhat_beta^T:
    //   ||Y - W||^2 = sum (shat_beta - a_beta)^2,  ||W - Wbar||^2 = sum a^2 - 2 sum a uhat^T Wbar vhat + ||Wbar||^2.
    Eigen::ArrayXd proj(rank);
    for (Eigen::Index b = 0; b < rank; ++b) {
      double acc = 0.0;
      for (Eigen::Index i = 0; i < modes; ++i) acc += sorted[i] * u(i, b) * vv(i, b);
      proj[b] = acc;
    }
    Eigen::ArrayXd tr = Eigen::ArrayXd::Zero(nt), te = Eigen::ArrayXd::Constant(nt, norm2);
    for (Eigen::Index b = 0; b < rank; ++b) {
      const Eigen::ArrayXd a = spiked_mode_strength(sv[b], m.a0, m.depth, options.times);
      tr += (sv[b] - a).square();
      te += a.square() - 2.0 * proj[b] * a;
    }
    train.col(rep) = tr;
    test.col(rep) = te;
  }

  spiked_simulation_result out;
  out.replicates = options.seeds;
  const double s = options.seeds;
  auto reduce = [&](const Eigen::ArrayXXd& a, Eigen::ArrayXd& mean, Eigen::ArrayXd& sem) {
    mean = a.rowwise().mean();
    sem = options.seeds > 1 ? ((a.colwise() - mean).square().rowwise().sum() / (s - 1.0) / s).sqrt().eval()
                            : Eigen::ArrayXd::Constant(a.rows(), std::numeric_limits<double>::quiet_NaN());
  };
  Eigen::ArrayXd sh_mean, sh_sem, ov_mean, ov_sem;
  reduce(shat, sh_mean, sh_sem);
  reduce(overlap, ov_mean, ov_sem);
  // Back to the order of options.model.teacher.
  out.shat_mean.resize(modes);
  out.shat_sem.resize(modes);
  out.overlap_mean.resize(modes);
  out.overlap_sem.resize(modes);
  out.shat_theory.resize(modes);
  out.overlap_theory.resize(modes);
  const double aspect = m.aspect();
  for (Eigen::Index i = 0; i < modes; ++i) {
    const Eigen::Index k = order[static_cast<std::size_t>(i)];
    out.shat_mean[k] = sh_mean[i];
    out.shat_sem[k] = sh_sem[i];
    out.overlap_mean[k] = ov_mean[i];
    out.overlap_sem[k] = ov_sem[i];
    out.shat_theory[k] = spiked_singular_value(sorted[i], aspect);
    out.overlap_theory[k] = spiked_overlap(sorted[i], aspect);
  }
  out.time = Eigen::Map<const Eigen::ArrayXd>(options.times.data(), nt);
  reduce(train, out.train_mean, out.train_sem);
  reduce(test, out.test_mean, out.test_sem);
  const auto theory = spiked_curve(m, options.times);
  out.train_theory = theory.train_error;
  out.test_theory = theory.test_error;
  return out;
}

}  // namespace nt::deeplinear
