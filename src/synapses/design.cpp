#include "neurotheory/synapses/design.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>

#include <Eigen/Dense>
#include <boost/math/tools/minima.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/synapses/benna_fusi.hpp"
#include "neurotheory/synapses/frontier.hpp"
#include "neurotheory/synapses/memory_curve.hpp"

namespace nt::synapses {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

bool is_markov_family(const std::string& m) {
  return m == "binary" || m == "serial" || m == "sticky" || m == "multistate" || m == "cascade";
}

// The family's parameter name and range (log-scale search). The cascade is kept at x >= 1e-2: below,
// its slowest rate x^(n-1) leaves double range for the chain sizes of interest and the lifetime
// there is 0 anyway (SNR(0) = 2/n stays, but the fast modes carry no signal).
struct family {
  std::string parameter;
  double lo = 0, hi = 1;
};
family family_of(const design_options& o) {
  if (o.model == "sticky") return {"epsilon", o.parameter_min, 1.0};
  if (o.model == "cascade") return {"x", std::max(o.parameter_min, 1e-2), 0.5};
  return {"q", o.parameter_min, 1.0};
}

markov_model build(const std::string& model, int states, double p) {
  if (model == "binary") return binary(p);
  if (model == "serial") return serial(states, p);
  if (model == "sticky") return sticky_serial(states, p);
  if (model == "multistate") return multistate(states, p);
  return cascade(states, p);
}

// The maximum of f on [a, b] (f unimodal there) by Brent's method (Boost.Math); counts evaluations.
template <class F>
double brent_max(F&& f, double a, double b, int* evaluations) {
  boost::uintmax_t iterations = 200;
  const double x = boost::math::tools::brent_find_minima([&](double p) { return -f(p); }, a, b,
                                                         std::numeric_limits<double>::digits, iterations)
                       .first;
  *evaluations += static_cast<int>(iterations);
  return x;
}

}  // namespace

void design_options::validate() const {
  if (!is_markov_family(model) && model != "benna-fusi") {
    throw invalid_argument("model", model, "binary, serial, sticky, multistate, cascade or benna-fusi");
  }
  if (model != "binary" && model != "benna-fusi") {
    require_in_range("states", states, 2, 400);
    if ((model == "serial" || model == "sticky") && states % 2 != 0) {
      throw invalid_argument("states", std::to_string(states), "an even number >= 2 for serial and sticky");
    }
    if (model == "cascade" && (states < 4 || states % 2 != 0)) {
      throw invalid_argument("states", std::to_string(states), "an even number >= 4 for the cascade");
    }
  }
  require_in_range("N", N, 1.0, 1e300);
  if (target != "lifetime" && target != "snr") throw invalid_argument("target", target, "lifetime or snr");
  require_positive("time", time);
  require_positive("threshold", threshold);
  require_positive("rate", rate);
  require_in_range("parameter_min", parameter_min, 1e-300, 0.5);
  require_in_range("grid", grid, 5, 100000);
  require_in_range("max_variables", max_variables, 1, 200);
}

design_result design(const design_options& options) {
  options.validate();
  const auto& o = options;
  design_result res;
  res.model = o.model;
  const bool want_lifetime = o.target == "lifetime";

  if (o.model == "benna-fusi") {
    // Integer m: scan (the lifetime and SNR(t0) are unimodal in m: extra variables extend the cutoff
    // 4^m but dilute SNR(0) ~ sqrt(N/m)); stop 6 past the best.
    res.parameter = "variables";
    benna_fusi_options base;
    base.rate = o.rate;
    double best = kNegInf;
    int worse = 0;
    for (int m = 1; m <= o.max_variables; ++m) {
      benna_fusi_options bo = base;
      bo.variables = m;
      const benna_fusi_chain chain(bo);
      ++res.evaluations;
      const double value = want_lifetime ? chain.lifetime(o.N, o.threshold) : chain.snr(o.time, o.N);
      if (value > best) {
        best = value;
        res.value = m;
        res.lifetime = chain.lifetime(o.N, o.threshold);
        res.snr = chain.snr(o.time, o.N);
        res.snr0 = chain.snr(0.0, o.N);
        worse = 0;
      } else if (++worse >= 6) {
        break;
      }
    }
    res.objective = best;
    res.at_boundary = res.value == o.max_variables;
    return res;
  }

  const auto fam = family_of(o);
  res.parameter = fam.parameter;
  const int states = o.model == "binary" ? 2 : o.states;
  auto objective = [&](double log_p) {
    const double p = std::clamp(std::exp(log_p), fam.lo, fam.hi);
    try {
      const auto model = build(o.model, states, p);
      const double v = want_lifetime ? lifetime(model, o.N, o.rate, o.threshold) : snr(model, o.time, o.N, o.rate);
      return std::isfinite(v) ? v : kNegInf;
    } catch (const nt::error&) {
      return kNegInf;  // a parameter where the family degenerates (e.g. no unique p_inf): not a candidate
    }
  };
  // Bracket: log-spaced grid, best point, its two neighbours.
  const double a = std::log(fam.lo), b = std::log(fam.hi);
  std::vector<double> grid(static_cast<std::size_t>(o.grid)), values(grid.size());
  std::size_t best = 0;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    grid[i] = a + (b - a) * static_cast<double>(i) / static_cast<double>(grid.size() - 1);
    values[i] = objective(grid[i]);
    ++res.evaluations;
    if (values[i] > values[best]) best = i;
  }
  double log_best = grid[best];
  if (values[best] > 0.0 || (!want_lifetime && std::isfinite(values[best]))) {
    const double lo = grid[best == 0 ? 0 : best - 1];
    const double hi = grid[std::min(best + 1, grid.size() - 1)];
    const double refined = brent_max(objective, lo, hi, &res.evaluations);
    if (objective(refined) >= values[best]) log_best = refined;
    ++res.evaluations;
  }
  res.value = std::clamp(std::exp(log_best), fam.lo, fam.hi);
  res.at_boundary = best == 0 || best + 1 == grid.size();
  const auto model = build(o.model, states, res.value);
  res.lifetime = lifetime(model, o.N, o.rate, o.threshold);
  res.snr = snr(model, o.time, o.N, o.rate);
  res.snr0 = snr0(model, o.N);
  res.objective = want_lifetime ? res.lifetime : res.snr;
  res.lifetime_bound = lifetime_bound(states, o.N, o.rate, o.threshold);
  res.snr_bound = snr_max(o.time, states, o.N, o.rate);
  return res;
}

namespace {

// A(s)/sqrt(N) without the 2 f_pot f_dep factor: p Delta (s I - r W)^-1 w. Returns also p, b = R w and
// the matrix s I - r W (for the gradient).
double laplace_value(const markov_model& m, double s, double N, double r, Eigen::VectorXd* p_out,
                     Eigen::VectorXd* b_out, Eigen::MatrixXd* lu_out) {
  const Eigen::MatrixXd w_f = m.generator();
  const Eigen::Index n = w_f.rows();
  const Eigen::VectorXd p = stationary(m);
  const Eigen::MatrixXd delta = m.potentiation - m.depression;
  const Eigen::MatrixXd a = s * Eigen::MatrixXd::Identity(n, n) - r * w_f;
  const Eigen::VectorXd b = a.partialPivLu().solve(m.weights);
  if (p_out != nullptr) *p_out = p;
  if (b_out != nullptr) *b_out = b;
  if (lu_out != nullptr) *lu_out = a;
  return std::sqrt(N) * 2.0 * m.f_pot * m.f_dep() * p.dot(delta * b);
}

}  // namespace

laplace_gradient_result laplace_gradient(const markov_model& model, double tau, double N, double r) {
  model.validate();
  require_positive("tau", tau);
  require_in_range("N", N, 1.0, 1e300);
  require_positive("r", r);
  const double s = 1.0 / tau;
  Eigen::VectorXd p, b;
  Eigen::MatrixXd a;
  laplace_gradient_result g;
  g.value = laplace_value(model, s, N, r, &p, &b, &a) / tau;
  const Eigen::Index n = p.size();
  const Eigen::MatrixXd delta = model.potentiation - model.depression;
  const Eigen::MatrixXd w_f = model.generator();
  // Z = (1 p - W)^-1, the fundamental matrix (dp = p dW Z for row-sum-preserving dW).
  const Eigen::MatrixXd zinv = Eigen::VectorXd::Ones(n) * p.transpose() - w_f;
  const Eigen::VectorXd za = zinv.partialPivLu().solve(delta * b);
  // (p Delta R)^T = R^T Delta^T p
  const Eigen::VectorXd pdr = a.transpose().partialPivLu().solve(delta.transpose() * p);
  const double c = std::sqrt(N) * 2.0 * model.f_pot * model.f_dep() / tau;
  const Eigen::MatrixXd common = p * za.transpose();      // p_i (Z a)_j
  const Eigen::MatrixXd resolvent = pdr * b.transpose();  // (p Delta R)_i b_j
  const Eigen::MatrixXd direct = p * b.transpose();       // p_i b_j
  g.potentiation = c * (model.f_pot * (common + r * resolvent) + direct);
  g.depression = c * (model.f_dep() * (common + r * resolvent) - direct);
  return g;
}

void optimise_options::validate() const {
  require_in_range("states", states, 2, 200);
  if (states % 2 != 0) throw invalid_argument("states", std::to_string(states), "an even number >= 2");
  require_in_range("N", N, 1.0, 1e300);
  require_positive("tau", tau);
  require_in_range("tau", tau, 1e-6, 1e12);
  require_positive("rate", rate);
  require_in_range("restarts", restarts, 1, 10000);
  require_in_range("iterations", iterations, 0, 10000000);
  require_in_range("step", step, 1e-8, 10.0);
  require_in_range("init_scale", init_scale, 0.0, 100.0);
}

optimise_result optimise_model(const optimise_options& options) {
  options.validate();
  const auto& o = options;
  const int m = o.states;
  Eigen::VectorXd weights(m);
  for (int i = 0; i < m; ++i) weights[i] = i < m / 2 ? -1.0 : 1.0;
  auto softmax_rows = [](const Eigen::MatrixXd& logits) {
    Eigen::MatrixXd out(logits.rows(), logits.cols());
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
      const Eigen::RowVectorXd e = (logits.row(i).array() - logits.row(i).maxCoeff()).exp().matrix();
      out.row(i) = e / e.sum();
    }
    return out;
  };
  // dF/dtheta_ik = M_ik (G_ik - sum_j M_ij G_ij) (softmax Jacobian, row by row).
  auto pull_back = [](const Eigen::MatrixXd& prob, const Eigen::MatrixXd& grad) {
    const Eigen::VectorXd inner = (prob.array() * grad.array()).rowwise().sum().matrix();
    return Eigen::MatrixXd(prob.array() * (grad.colwise() - inner).array());
  };
  auto make = [&](const Eigen::MatrixXd& lp, const Eigen::MatrixXd& ld) {
    markov_model model;
    model.potentiation = softmax_rows(lp);
    model.depression = softmax_rows(ld);
    model.weights = weights;
    model.f_pot = 0.5;
    model.name = "optimised";
    return model;
  };
  auto value_of = [&](const markov_model& model) {
    try {
      return laplace_gradient(model, o.tau, o.N, o.rate).value;
    } catch (const nt::error&) {
      return kNegInf;
    }
  };

  optimise_result res;
  res.envelope = running_average_max(o.tau, m, o.N, o.rate);
  res.start_values.resize(o.restarts);
  res.final_values.resize(o.restarts);
  res.running_average = kNegInf;
  for (int restart = 0; restart < o.restarts; ++restart) {
    rng::stream rs(o.seed, {static_cast<std::uint64_t>(restart)});
    Eigen::MatrixXd lp(m, m), ld(m, m);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < m; ++j) lp(i, j) = o.init_scale * rs.normal();
    }
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < m; ++j) ld(i, j) = o.init_scale * rs.normal();
    }
    if (o.hand_designed_starts && restart < 2) {
      // Hand-designed starts (LG13 Fig. 5): the serial chain (q = 1) and the sticky chain whose end
      // states hold for ~ r tau, each blurred by the random logits (entries floored at 1e-3).
      const auto seed_model =
          restart == 0 ? serial(m, 1.0) : sticky_serial(m, std::min(1.0, (m - 1.0) / (o.rate * o.tau)));
      lp += (seed_model.potentiation.array() + 1e-3).log().matrix() * 1.0;
      ld += (seed_model.depression.array() + 1e-3).log().matrix() * 1.0;
    }
    auto model = make(lp, ld);
    double best_value = value_of(model);
    res.start_values[restart] = best_value;
    markov_model best_model = model;
    // Adam (Kingma & Ba 2015) on the logits, ascending.
    Eigen::MatrixXd m1p = Eigen::MatrixXd::Zero(m, m), m2p = m1p, m1d = m1p, m2d = m1p;
    const double beta1 = 0.9, beta2 = 0.999, eps = 1e-12;
    for (int it = 1; it <= o.iterations; ++it) {
      laplace_gradient_result g;
      try {
        g = laplace_gradient(model, o.tau, o.N, o.rate);
      } catch (const nt::error&) {
        break;  // a degenerate chain (no unique p_inf): keep the best so far
      }
      if (!std::isfinite(g.value) || !g.potentiation.allFinite() || !g.depression.allFinite()) break;
      if (g.value > best_value) {
        best_value = g.value;
        best_model = model;
      }
      const Eigen::MatrixXd gp = pull_back(model.potentiation, g.potentiation);
      const Eigen::MatrixXd gd = pull_back(model.depression, g.depression);
      m1p = beta1 * m1p + (1 - beta1) * gp;
      m2p = beta2 * m2p + (1 - beta2) * gp.cwiseAbs2();
      m1d = beta1 * m1d + (1 - beta1) * gd;
      m2d = beta2 * m2d + (1 - beta2) * gd.cwiseAbs2();
      const double c1 = 1.0 - std::pow(beta1, it), c2 = 1.0 - std::pow(beta2, it);
      lp.array() += o.step * (m1p.array() / c1) / ((m2p.array() / c2).sqrt() + eps);
      ld.array() += o.step * (m1d.array() / c1) / ((m2d.array() / c2).sqrt() + eps);
      model = make(lp, ld);
    }
    const double last = value_of(model);
    if (last > best_value) {
      best_value = last;
      best_model = model;
    }
    res.final_values[restart] = best_value;
    if (best_value > res.running_average) {
      res.running_average = best_value;
      res.model = best_model;
      res.best_restart = restart;
    }
  }
  if (!std::isfinite(res.running_average)) throw internal_error("optimise_model: no start gave a valid chain");
  return res;
}

void scaling_options::validate() const {
  if (N_values.empty()) throw invalid_argument("N_values", "[]", "at least one N >= 1");
  for (double n : N_values) require_in_range("N_values", n, 1.0, 1e300);
  require_in_range("states", states, 4, 400);
  if (states % 2 != 0) throw invalid_argument("states", std::to_string(states), "an even number >= 4");
  require_in_range("fixed_q", fixed_q, 1e-300, 1.0);
  require_positive("threshold", threshold);
  require_positive("rate", rate);
  std::stringstream ss(models);
  std::string item;
  int count = 0;
  while (std::getline(ss, item, ',')) {
    if (item != "binary-fixed" && !is_markov_family(item) && item != "benna-fusi") {
      throw invalid_argument("models", item,
                             "a comma-separated list of binary-fixed, binary, serial, sticky, multistate, cascade, "
                             "benna-fusi");
    }
    ++count;
  }
  if (count == 0) throw invalid_argument("models", models, "at least one family");
}

scaling_table lifetime_scaling(const scaling_options& options) {
  options.validate();
  const auto& o = options;
  scaling_table table;
  std::vector<double> ns = o.N_values;
  std::sort(ns.begin(), ns.end());
  std::stringstream ss(o.models);
  std::string family_name;
  while (std::getline(ss, family_name, ',')) {
    std::vector<double> ts;
    for (double n : ns) {
      double parameter = 0, t = 0;
      if (family_name == "binary-fixed") {
        parameter = o.fixed_q;
        t = lifetime(binary(o.fixed_q), n, o.rate, o.threshold);
      } else {
        design_options d;
        d.model = family_name;
        d.states = o.states;
        d.N = n;
        d.threshold = o.threshold;
        d.rate = o.rate;
        const auto r = design(d);
        parameter = r.value;
        t = r.lifetime;
      }
      table.model.push_back(family_name);
      table.N.push_back(n);
      table.parameter.push_back(parameter);
      table.lifetime.push_back(t);
      ts.push_back(t);
    }
    // Fits over the upper half of the N range (the asymptotic regime), positive lifetimes only.
    scaling_fit fit;
    fit.model = family_name;
    std::vector<double> x, y;
    for (std::size_t i = ns.size() / 2; i < ns.size(); ++i) {
      if (ts[i] > 0.0 && std::isfinite(ts[i])) {
        x.push_back(std::log(ns[i]));
        y.push_back(std::log(ts[i]));
      }
    }
    if (x.size() >= 2) {
      const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
      const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
      double sxy = 0, sxx = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
      }
      fit.exponent = sxx > 0 ? sxy / sxx : 0.0;
      const std::vector<std::pair<std::string, std::function<double(double)>>> laws = {
          {"log N", [](double ln) { return ln; }},
          {"sqrt N", [](double ln) { return std::exp(0.5 * ln); }},
          {"N/log N", [](double ln) { return std::exp(ln) / ln; }}};
      fit.spread = std::numeric_limits<double>::infinity();
      for (const auto& [name, law] : laws) {
        double lo = std::numeric_limits<double>::infinity(), hi = 0, mean_log = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
          const double ratio = std::exp(y[i]) / law(x[i]);
          lo = std::min(lo, ratio);
          hi = std::max(hi, ratio);
          mean_log += std::log(ratio);
        }
        if (hi / lo < fit.spread) {
          fit.spread = hi / lo;
          fit.law = name;
          fit.coefficient = std::exp(mean_log / static_cast<double>(x.size()));
        }
      }
    } else {
      fit.spread = 0;
      fit.law = "none (lifetime 0)";
    }
    table.fits.push_back(fit);
  }
  return table;
}

}  // namespace nt::synapses
