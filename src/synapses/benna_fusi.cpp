#include "neurotheory/synapses/benna_fusi.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/tools/roots.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::synapses {
namespace {

// T = -S = C^-1/2 L C^-1/2 (positive definite tridiagonal): diagonal a, off-diagonal b (b_k > 0 up to
// sign, which does not matter: only b_k^2 enters).
struct tridiagonal {
  Eigen::VectorXd a, b2;
};

tridiagonal chain_matrix(const benna_fusi_options& o) {
  const int m = o.variables;
  std::vector<double> c(static_cast<std::size_t>(m)), g(static_cast<std::size_t>(m));
  for (int k = 0; k < m; ++k) {
    c[static_cast<std::size_t>(k)] = std::pow(o.capacity_ratio, k);             // C_{k+1}, C_1 = 1
    g[static_cast<std::size_t>(k)] = o.g12 * std::pow(o.conductance_ratio, k);  // g_{k+1,k+2}; the last leaks
  }
  tridiagonal t;
  t.a.resize(m);
  t.b2.resize(std::max(m - 1, 0));
  for (int k = 0; k < m; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    t.a[k] = (g[uk] + (k > 0 ? g[uk - 1] : 0.0)) / c[uk];
    if (k + 1 < m) t.b2[k] = g[uk] * g[uk] / (c[uk] * c[uk + 1]);
  }
  return t;
}

// Number of eigenvalues of T below x (Sturm count from the LDL^T pivots of T - x I).
int sturm_count(const tridiagonal& t, double x) {
  const auto m = t.a.size();
  int count = 0;
  double d = 1.0;
  for (Eigen::Index k = 0; k < m; ++k) {
    d = t.a[k] - x - (k > 0 ? t.b2[k - 1] / d : 0.0);
    if (d == 0.0) d = -std::numeric_limits<double>::min();
    if (d < 0.0) ++count;
  }
  return count;
}

// Residue of [(z - T)^-1]_11 at the eigenvalue z = lambda: 1 / D_1'(lambda) with the continued fraction
// D_k(z) = z - a_k - b_k^2 / D_{k+1}(z); D_k' = 1 + b_k^2 D_{k+1}' / D_{k+1}^2 is a sum of positive
// terms, so the weight keeps its relative accuracy for the slowest modes.
double first_weight(const tridiagonal& t, double z) {
  const auto m = t.a.size();
  double d = z - t.a[m - 1];
  double dp = 1.0;
  for (Eigen::Index k = m - 2; k >= 0; --k) {
    if (d == 0.0) return 0.0;  // z is an eigenvalue of the trailing block: no weight on u_1
    const double next = z - t.a[k] - t.b2[k] / d;
    dp = 1.0 + t.b2[k] * dp / (d * d);
    d = next;
  }
  return 1.0 / dp;
}

}  // namespace

void benna_fusi_options::validate() const {
  require_in_range("variables", variables, 1, 200);
  require_positive("g12", g12);
  require_in_range("capacity_ratio", capacity_ratio, 1e-3, 1e3);
  require_in_range("conductance_ratio", conductance_ratio, 1e-3, 1e3);
  require_positive("rate", rate);
  // The time scales must stay inside double range: C_m/g_m = (capacity_ratio/conductance_ratio)^(m-1)/g12.
  const double log_scale = (variables - 1) * std::log(capacity_ratio / conductance_ratio) - std::log(g12);
  if (!(std::abs(log_scale) < 600.0)) {
    throw invalid_argument("variables", format_value(variables),
                           "a chain whose time scales (capacity_ratio/conductance_ratio)^(m-1)/g12 stay below 1e260");
  }
}

benna_fusi_chain::benna_fusi_chain(const benna_fusi_options& options) : options_(options) {
  options.validate();
  const auto t = chain_matrix(options);
  const int m = options.variables;
  // Gershgorin bound on the spectrum.
  double hi = 0.0;
  for (int k = 0; k < m; ++k) {
    double row = t.a[k];
    if (k > 0) row += std::sqrt(t.b2[k - 1]);
    if (k + 1 < m) row += std::sqrt(t.b2[k]);
    hi = std::max(hi, row);
  }
  rates_.resize(m);
  weights_.resize(m);
  for (int j = 0; j < m; ++j) {
    double lo = 0.0;
    double up = hi;
    // Bisect to a relative width of a few ulps (T is positive definite: lo = 0 is a valid floor).
    for (int it = 0; it < 2000 && up - lo > 4.0 * std::numeric_limits<double>::epsilon() * up; ++it) {
      const double mid = 0.5 * (lo + up);
      if (sturm_count(t, mid) > j) {
        up = mid;
      } else {
        lo = mid;
      }
    }
    rates_[j] = 0.5 * (lo + up);
    weights_[j] = first_weight(t, rates_[j]);
  }
  // The weights sum to 1 (G(0) = 1); renormalise away the rounding.
  const double total = weights_.sum();
  if (!(total > 0.5 && total < 1.5)) throw internal_error("benna_fusi_chain: mode weights do not sum to 1");
  weights_ /= total;
}

double benna_fusi_chain::impulse_response(double t) const {
  if (!(t >= 0.0)) throw invalid_argument("time", format_value(t), "t >= 0");
  return (weights_.array() * (-rates_.array() * t).exp()).sum();
}

double benna_fusi_chain::log_slope(double t) const {
  if (!(t >= 0.0)) throw invalid_argument("time", format_value(t), "t >= 0");
  // Factor out the slowest surviving exponential so that late times do not give 0/0.
  const Eigen::ArrayXd e = (-(rates_.array() - rates_[0]) * t).exp() * weights_.array();
  const double g = e.sum();
  if (!(g > 0.0)) return -std::numeric_limits<double>::infinity();
  return -t * (e * rates_.array()).sum() / g;
}

double benna_fusi_chain::squared_integral() const {
  const auto m = rates_.size();
  double s = 0.0;
  for (Eigen::Index a = 0; a < m; ++a) {
    for (Eigen::Index b = 0; b < m; ++b) s += weights_[a] * weights_[b] / (rates_[a] + rates_[b]);
  }
  return s;
}

double benna_fusi_chain::variance() const { return options_.rate * squared_integral(); }

double benna_fusi_chain::snr(double t, double synapses) const {
  require_positive("synapses", synapses);
  return std::sqrt(synapses) * impulse_response(t) / std::sqrt(variance());
}

double benna_fusi_chain::lifetime(double synapses, double threshold) const {
  require_positive("synapses", synapses);
  require_positive("threshold", threshold);
  const double scale = std::sqrt(synapses / variance());
  const double target = threshold / scale;  // G(t*) = target; G decreases from 1 to 0
  if (target >= 1.0) return 0.0;
  // Bracket in log t: G(t) >= w_min exp(-lambda_max t) and G(t) <= exp(-lambda_min t).
  double lo = 0.0;
  double up = std::max(1.0, -std::log(target) / rates_[0]);
  while (impulse_response(up) > target) up *= 2.0;
  // G(lo) - target > 0 >= G(up) - target: TOMS 748 (Boost.Math) on the bracket.
  const auto excess = [&](double t) { return impulse_response(t) - target; };
  const double f_up = excess(up);
  if (f_up == 0.0) return up;
  boost::uintmax_t iterations = 400;
  const auto [a, b] = boost::math::tools::toms748_solve(excess, lo, up, excess(lo), f_up,
                                                        boost::math::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (a + b);
}

benna_fusi_curve benna_fusi_memory_curve(const benna_fusi_options& options, const Eigen::ArrayXd& time, double synapses,
                                         double threshold) {
  const benna_fusi_chain chain(options);
  require_positive("synapses", synapses);
  require_positive("threshold", threshold);
  benna_fusi_curve c;
  c.time = time;
  const auto n = time.size();
  c.impulse_response.resize(n);
  c.snr.resize(n);
  c.log_slope.resize(n);
  const double scale = std::sqrt(synapses / chain.variance());
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!(time[i] >= 0.0) || !std::isfinite(time[i])) {
      throw invalid_argument("time", format_value(time[i]), "finite t >= 0");
    }
    c.impulse_response[i] = chain.impulse_response(time[i]);
    c.snr[i] = scale * c.impulse_response[i];
    c.log_slope[i] = chain.log_slope(time[i]);
  }
  c.snr0 = scale;
  c.variance = chain.variance();
  c.lifetime = chain.lifetime(synapses, threshold);
  c.slowest_time = chain.slowest_time();
  return c;
}

void benna_fusi_curve_options::validate() const {
  chain.validate();
  require_in_range("N", N, 1.0, 1e300);
  require_positive("threshold", threshold);
  require_positive("t_min", t_min);
  if (!(t_max > t_min) || !std::isfinite(t_max)) {
    throw invalid_argument("t_max", format_value(t_max), "finite and > t_min = " + format_value(t_min));
  }
  require_in_range("points", points, 2, 10000000);
}

benna_fusi_curve benna_fusi_memory_curve(const benna_fusi_curve_options& options) {
  options.validate();
  const Eigen::ArrayXd grid =
      Eigen::ArrayXd::LinSpaced(options.points, std::log(options.t_min), std::log(options.t_max)).exp();
  return benna_fusi_memory_curve(options.chain, grid, options.N, options.threshold);
}

benna_fusi_best benna_fusi_best_variables(const benna_fusi_options& base, double synapses, double threshold,
                                          int max_variables) {
  base.validate();
  require_positive("synapses", synapses);
  require_positive("threshold", threshold);
  require_in_range("max_variables", max_variables, 1, 200);
  benna_fusi_best best;
  int worse_in_a_row = 0;
  for (int m = 1; m <= max_variables; ++m) {
    benna_fusi_options o = base;
    o.variables = m;
    try {
      o.validate();
    } catch (const invalid_argument&) {
      break;  // time scales out of range: deeper chains are not representable
    }
    const benna_fusi_chain chain(o);
    const double t = chain.lifetime(synapses, threshold);
    if (t > best.lifetime || best.variables == 0) {
      best = {m, t, chain.snr(0.0, synapses), chain.slowest_time()};
      worse_in_a_row = 0;
    } else if (++worse_in_a_row >= 6) {
      break;  // past the optimum: extra variables only dilute the initial SNR (~ sqrt(N/m))
    }
  }
  return best;
}

void benna_fusi_discrete_options::validate() const {
  chain.validate();
  if (levels != 0) require_in_range("levels", levels, 2, 1000000);
  require_positive("bound", bound);
  require_in_range("sim_synapses", synapses, 1, 1e9);
  require_in_range("steps", steps, 0, 1e8);
  require_in_range("burn_in", burn_in, 0, 1e9);
  require_in_range("repeats", repeats, 1, 1e6);
  // Per-block sums of the curve are kept (thread-count independence): bound their memory (~0.4 GB).
  const double blocks = std::ceil(synapses / 256.0) * repeats;
  if ((steps + 1.0) * blocks > 2.5e7) {
    throw invalid_argument("steps", std::to_string(steps),
                           "(steps + 1) * ceil(synapses / 256) * repeats <= 2.5e7 (memory bound)");
  }
  if (static_cast<double>(synapses) * repeats * (steps + burn_in + 1.0) * chain.variables > 1e13) {
    throw invalid_argument("sim_synapses", format_value(synapses),
                           "synapses * repeats * (steps + burn_in) * variables <= 1e13 (work bound)");
  }
}

benna_fusi_discrete_result benna_fusi_simulate(const benna_fusi_discrete_options& options) {
  options.validate();
  const benna_fusi_chain chain(options.chain);
  const auto& o = options.chain;
  const int m = o.variables;
  const double dt = 1.0 / o.rate;
  // Explicit Euler u <- u + h A u is a positive contraction in the symmetric frame when h lambda_max < 1.
  const int substeps = static_cast<int>(std::floor(chain.rates()[m - 1] * dt)) + 1;
  const double h = dt / substeps;
  std::vector<double> cap(static_cast<std::size_t>(m)), cond(static_cast<std::size_t>(m));
  for (int k = 0; k < m; ++k) {
    cap[static_cast<std::size_t>(k)] = std::pow(o.capacity_ratio, k);
    cond[static_cast<std::size_t>(k)] = o.g12 * std::pow(o.conductance_ratio, k);
  }
  const double spacing = options.levels > 0 ? 2.0 * options.bound / (options.levels - 1) : 0.0;
  const int steps = options.steps;

  // Work split in blocks of synapses, each with its own stream (seed, repeat, block): results do not
  // depend on the thread count. Per-block sums are combined in block order.
  constexpr int kBlock = 256;
  const int blocks_per_repeat = (options.synapses + kBlock - 1) / kBlock;
  const int blocks = blocks_per_repeat * options.repeats;
  Eigen::MatrixXd sum(steps + 1, blocks), sum2(steps + 1, blocks);
  Eigen::VectorXd var_sum(blocks), var_sum2(blocks);
  const blas_single_thread blas_guard;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (int blk = 0; blk < blocks; ++blk) {
    const int rep = blk / blocks_per_repeat;
    const int first = (blk % blocks_per_repeat) * kBlock;
    const int count = std::min(kBlock, options.synapses - first);
    rng::stream rs(options.seed,
                   {static_cast<std::uint64_t>(rep), static_cast<std::uint64_t>(blk % blocks_per_repeat)});
    Eigen::MatrixXd u = Eigen::MatrixXd::Zero(m, count);
    std::vector<double> flow(static_cast<std::size_t>(m));
    Eigen::VectorXd xi(count);
    auto store = [&](int col, double sign) { u(0, col) += sign; };
    auto evolve = [&](int col) {
      double* x = u.col(col).data();
      for (int s = 0; s < substeps; ++s) {
        // flow_k = g_{k,k+1} (u_{k+1} - u_k), u_{m+1} = 0
        for (int k = 0; k < m; ++k)
          flow[static_cast<std::size_t>(k)] = cond[static_cast<std::size_t>(k)] * ((k + 1 < m ? x[k + 1] : 0.0) - x[k]);
        for (int k = 0; k < m; ++k) {
          const double in = flow[static_cast<std::size_t>(k)] - (k > 0 ? flow[static_cast<std::size_t>(k) - 1] : 0.0);
          x[k] += h * in / cap[static_cast<std::size_t>(k)];
        }
      }
      for (int k = 0; k < m; ++k) {
        double v = x[k];
        if (spacing > 0.0) {
          // Unbiased stochastic rounding to the grid -bound + j spacing.
          const double pos = (v + options.bound) / spacing;
          const double fl = std::floor(pos);
          const double frac = pos - fl;
          v = -options.bound + (fl + (rs.uniform() < frac ? 1.0 : 0.0)) * spacing;
        }
        x[k] = std::clamp(v, -options.bound, options.bound);
      }
    };
    auto sign = [&rs]() { return rs.uniform() < 0.5 ? -1.0 : 1.0; };
    for (int n = 0; n < options.burn_in; ++n) {
      for (int col = 0; col < count; ++col) {
        store(col, sign());
        evolve(col);
      }
    }
    double vs = 0, vs2 = 0;
    for (int col = 0; col < count; ++col) {
      vs += u(0, col);
      vs2 += u(0, col) * u(0, col);
    }
    var_sum[blk] = vs;
    var_sum2[blk] = vs2;
    for (int col = 0; col < count; ++col) {
      xi[col] = sign();
      store(col, xi[col]);
    }
    for (int n = 0; n <= steps; ++n) {
      double s = 0, s2 = 0;
      for (int col = 0; col < count; ++col) {
        const double y = xi[col] * u(0, col);
        s += y;
        s2 += y * y;
      }
      sum(n, blk) = s;
      sum2(n, blk) = s2;
      if (n == steps) break;
      for (int col = 0; col < count; ++col) {
        evolve(col);
        store(col, sign());
      }
    }
  }
  benna_fusi_discrete_result r;
  r.substeps = substeps;
  const double total = static_cast<double>(options.synapses) * options.repeats;
  r.step = Eigen::ArrayXd::LinSpaced(steps + 1, 0.0, steps);
  const Eigen::ArrayXd mean = sum.rowwise().sum().array() / total;
  const Eigen::ArrayXd mean2 = sum2.rowwise().sum().array() / total;
  r.signal = mean;
  r.signal_stderr = ((mean2 - mean.square()).max(0.0) / std::max(total - 1.0, 1.0)).sqrt();
  const double vm = var_sum.sum() / total;
  r.variance = var_sum2.sum() / total - vm * vm;
  // Linear theory: rho_a = (1 - h lambda_a)^substeps per memory step.
  const Eigen::ArrayXd log_rho = substeps * (-h * chain.rates().array()).log1p();
  r.theory_signal.resize(steps + 1);
  for (int n = 0; n <= steps; ++n) r.theory_signal[n] = (chain.weights().array() * (n * log_rho).exp()).sum();
  // Before the tracked memory, after burn_in memories from u = 0: Var u_1 = sum_{n=1}^{B} G_d(n)^2.
  double v = 0;
  for (Eigen::Index a = 0; a < m; ++a) {
    for (Eigen::Index b = 0; b < m; ++b) {
      const double l = log_rho[a] + log_rho[b];
      const double one_minus = -std::expm1(l);
      v += chain.weights()[a] * chain.weights()[b] * std::exp(l) * -std::expm1(options.burn_in * l) / one_minus;
    }
  }
  r.theory_variance = v;
  return r;
}

}  // namespace nt::synapses
