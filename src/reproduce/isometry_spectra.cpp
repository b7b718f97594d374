// The isometry reproductions: Jacobian spectra of deep random networks by free probability next to
// finite networks.
//   jacobian_spectra  Pennington, Schoenholz & Ganguli 2017 [Pe17] Fig. 1: densities of J J^T at
//                     criticality for linear / relu / hard tanh / tanh with Gaussian and orthogonal
//                     weights at several depths, over the histograms of finite networks.
//   spectral_spread   [Pe17] Table 1: the variance of the squared singular values against depth
//                     (L, 2L, L (1/p - 1), ... on the critical line) for each combination.
//   universality      [Pe18]: orthogonal tanh and hard tanh at fixed variance L (mu2/mu1^2 - 1)
//                     converge with depth to the two universal limit laws.
//   deep_products     L = 10,000: orthogonal tanh (plain product) against the theory, and the
//                     log singular values of Gaussian linear products (QR method) against the exact
//                     finite-N Lyapunov exponents of Ginibre products.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/isometry/design.hpp"
#include "neurotheory/isometry/jacobian.hpp"
#include "neurotheory/isometry/spectrum.hpp"
#include "neurotheory/signalprop/meanfield.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {
namespace {

using nlohmann::json;

// One (activation, ensemble) at a critical point.
struct configuration {
  std::string activation;
  std::string weights;
  double sigma_w2 = 1;
  double sigma_b2 = 0;
  double q_star = 1;
  [[nodiscard]] std::string label() const { return activation + "/" + weights; }
};

// A critical point at q* (sigmoid-like activations) or the activation's own critical point.
configuration critical(const std::string& activation, const std::string& weights, double q_star) {
  configuration c{activation, weights, 1.0, 0.0, 1.0};
  if (activation == "relu") {
    c.sigma_w2 = 2.0;  // the only critical point of relu; every q is a fixed point there
  } else if (activation != "linear") {
    const auto line = signalprop::critical_line(activation, Eigen::ArrayXd::Constant(1, q_star));
    c.sigma_w2 = line.sigma_w2[0];
    c.sigma_b2 = std::max(line.sigma_b2[0], 0.0);
    c.q_star = q_star;
  }
  return c;
}

isometry::spectrum_params spectrum_of(const configuration& c, int depth) {
  isometry::spectrum_params p;
  p.network = {c.activation, c.sigma_w2, c.sigma_b2, 0};
  p.weights = c.weights;
  p.depth = depth;
  p.q_star = c.q_star;
  return p;
}

isometry::jacobian_options simulation_of(const configuration& c, int depth, int width, int seeds, std::uint64_t seed) {
  isometry::jacobian_options o;
  o.network = {c.activation, c.sigma_w2, c.sigma_b2, 0};
  o.weights = c.weights;
  o.depth = depth;
  o.width = width;
  o.seeds = seeds;
  o.seed = seed;
  o.q_input = c.q_star;
  return o;
}

// Theory density on a grid that resolves both ends: log-spaced from far below the bulk (Gaussian
// products pile up near 0) and linear across the support (narrow spectra near 1).
isometry::density_result log_density(const isometry::spectrum_params& p, int points) {
  isometry::density_options d;
  d.spectrum = p;
  d.points = points;
  d.grid = "log";
  const auto m = isometry::moments(p);
  d.lambda_min = 1e-14 * m.lambda_max;
  d.lambda_max = 1.05 * m.lambda_max;
  auto r = isometry::density(d);
  d.grid = "linear";
  d.lambda_min = std::max(0.9 * r.support_min, d.lambda_min);
  const auto lin = isometry::density(d);
  std::vector<std::pair<double, double>> merged;
  for (Eigen::Index i = 0; i < r.lambda.size(); ++i) merged.emplace_back(r.lambda[i], r.density[i]);
  for (Eigen::Index i = 0; i < lin.lambda.size(); ++i) merged.emplace_back(lin.lambda[i], lin.density[i]);
  std::sort(merged.begin(), merged.end());
  r.lambda.resize(static_cast<Eigen::Index>(merged.size()));
  r.density.resize(static_cast<Eigen::Index>(merged.size()));
  for (std::size_t i = 0; i < merged.size(); ++i) {
    r.lambda[static_cast<Eigen::Index>(i)] = merged[i].first;
    r.density[static_cast<Eigen::Index>(i)] = merged[i].second;
  }
  return r;
}

// Kolmogorov distance between the samples' empirical CDF and the theory's CDF (continuous part
// integrated on the grid by the trapezoid rule in lambda, plus the atoms), at the grid points.
double kolmogorov_distance(const isometry::density_result& r, const Eigen::ArrayXXd& samples) {
  std::vector<double> s(samples.data(), samples.data() + samples.size());
  std::sort(s.begin(), s.end());
  const auto n = static_cast<double>(s.size());
  const Eigen::Index g = r.lambda.size();
  Eigen::ArrayXd cumulative = Eigen::ArrayXd::Zero(g);
  for (Eigen::Index i = 1; i < g; ++i) {
    const double a = std::isfinite(r.density[i - 1]) ? r.density[i - 1] : 0.0;
    const double b = std::isfinite(r.density[i]) ? r.density[i] : 0.0;
    cumulative[i] = cumulative[i - 1] + 0.5 * (a + b) * (r.lambda[i] - r.lambda[i - 1]);
  }
  double atoms = 0;
  for (const auto& a : r.atoms) atoms += a.mass;
  // The mass below the first grid point: whatever the atoms and the grid leave of 1.
  const double below = std::max(0.0, 1.0 - atoms - cumulative[g - 1]);
  double d = 0;
  for (Eigen::Index i = 0; i < g; ++i) {
    double f = below + cumulative[i];
    for (const auto& a : r.atoms) {
      if (a.location <= r.lambda[i]) f += a.mass;
    }
    const double empirical =
        static_cast<double>(std::upper_bound(s.begin(), s.end(), r.lambda[i]) - s.begin()) / n;
    d = std::max(d, std::abs(std::min(f, 1.0) - empirical));
  }
  return d;
}

// Standard errors below double rounding of the theory value are rounding, not information.
double sem_floor(double sem, double theory) { return std::max(sem, 1e-12 * std::max(1.0, std::abs(theory))); }

struct sample_moments {
  double mean, mean_sem, variance, variance_sem;
};
// Moments of lambda with standard errors from the spread across networks (one value per network).
sample_moments moments_over_networks(const Eigen::ArrayXXd& lambda) {
  const auto seeds = lambda.rows();
  Eigen::ArrayXd means(seeds), variances(seeds);
  for (Eigen::Index r = 0; r < seeds; ++r) {
    const Eigen::ArrayXd row = lambda.row(r).transpose();
    means[r] = row.mean();
    variances[r] = (row - means[r]).square().mean();
  }
  auto sem = [&](const Eigen::ArrayXd& v) {
    return seeds > 1 ? std::sqrt((v - v.mean()).square().sum() / static_cast<double>(seeds - 1) /
                                 static_cast<double>(seeds))
                     : kNaN;
  };
  return {means.mean(), sem(means), variances.mean(), sem(variances)};
}

void add_config_columns(io::table& t, const std::vector<configuration>& configs) {
  std::vector<double> w2, b2, q;
  for (const auto& c : configs) {
    w2.push_back(c.sigma_w2);
    b2.push_back(c.sigma_b2);
    q.push_back(c.q_star);
  }
  t.add("sigma_w2", w2);
  t.add("sigma_b2", b2);
  t.add("q_star", q);
}

json labels(const std::vector<configuration>& configs) {
  json l = json::array();
  for (const auto& c : configs) l.push_back(c.label());
  return l;
}

}  // namespace

reproduction_output jacobian_spectra(const context& ctx) {
  const auto& opt = ctx.options;
  const double q_small = 1.0 / 64.0;  // tanh near the linear regime [Pe17 Fig. 1]
  // hard tanh at q* = 1/4: p = erf(sqrt(2)) = 0.9545, an atom at p^-L while L (1 - p) < 1.
  const double q_hard = 0.25;
  const std::vector<configuration> configs = {
      critical("linear", "gaussian", 1.0),       critical("relu", "gaussian", 1.0),
      critical("relu", "orthogonal", 1.0),       critical("hard_tanh", "orthogonal", q_hard),
      critical("tanh", "gaussian", q_small),     critical("tanh", "orthogonal", q_small)};
  const std::vector<int> depths = opt.quick ? std::vector<int>{4, 16} : std::vector<int>{2, 8, 32, 64};
  const int width = opt.quick ? sizes_for(opt).width : 1000;  // finite-width corrections grow like L/N
  const int seeds = opt.quick ? 3 : 4;
  const int points = opt.quick ? 160 : 320;

  io::table theory;
  std::vector<double> t_cfg, t_depth, t_lambda, t_density;
  io::table atoms;
  std::vector<double> a_cfg, a_depth, a_loc, a_mass;
  io::table panels;
  std::vector<double> p_cfg, p_depth, p_ks, p_mean, p_mean_sem, p_var, p_var_sem, p_mean_th, p_var_th, p_lmax,
      p_lmax_sim, p_method;
  double worst_ks = 0;
  double worst_variance_relative = 0;
  agreement_stats mean_z;
  std::vector<std::uint64_t> seed_list;
  for (std::size_t k = 0; k < configs.size(); ++k) {
    for (std::size_t j = 0; j < depths.size(); ++j) {
      const auto& c = configs[k];
      const int depth = depths[j];
      const auto p = spectrum_of(c, depth);
      const auto th = log_density(p, points);
      for (Eigen::Index i = 0; i < th.lambda.size(); ++i) {
        t_cfg.push_back(static_cast<double>(k));
        t_depth.push_back(depth);
        t_lambda.push_back(th.lambda[i]);
        t_density.push_back(th.density[i]);
      }
      for (const auto& a : th.atoms) {
        a_cfg.push_back(static_cast<double>(k));
        a_depth.push_back(depth);
        a_loc.push_back(a.location);
        a_mass.push_back(a.mass);
      }
      seed_list.push_back(derive_seed(opt.seed, {20, k, static_cast<std::uint64_t>(depth)}));
      const auto sim = isometry::simulate_jacobian(simulation_of(c, depth, width, seeds, seed_list.back()));
      write_matrix(ctx.file("samples_" + std::to_string(k) + "_" + std::to_string(depth) + ".npy"), sim.lambda);
      const auto sm = moments_over_networks(sim.lambda);
      const double ks = kolmogorov_distance(th, sim.lambda);
      worst_ks = std::max(worst_ks, ks);
      accumulate(mean_z, compare(Eigen::ArrayXXd::Constant(1, 1, sm.mean),
                                 Eigen::ArrayXXd::Constant(1, 1, sem_floor(sm.mean_sem, th.moments.mean)),
                                 Eigen::ArrayXXd::Constant(1, 1, th.moments.mean), 0));
      worst_variance_relative =
          std::max(worst_variance_relative, th.moments.variance > 0 ? std::abs(sm.variance / th.moments.variance - 1.0)
                                                                    : std::abs(sm.variance));
      p_cfg.push_back(static_cast<double>(k));
      p_depth.push_back(depth);
      p_ks.push_back(ks);
      p_mean.push_back(sm.mean);
      p_mean_sem.push_back(sm.mean_sem);
      p_var.push_back(sm.variance);
      p_var_sem.push_back(sm.variance_sem);
      p_mean_th.push_back(th.moments.mean);
      p_var_th.push_back(th.moments.variance);
      p_lmax.push_back(th.moments.lambda_max);
      p_lmax_sim.push_back(sim.lambda.maxCoeff());
      p_method.push_back(sim.method == "qr" ? 1.0 : 0.0);
    }
  }
  theory.add("config", t_cfg);
  theory.add("depth", t_depth);
  theory.add("lambda", t_lambda);
  theory.add("density", t_density);
  io::write_csv(ctx.file("theory.csv"), theory);
  atoms.add("config", a_cfg);
  atoms.add("depth", a_depth);
  atoms.add("location", a_loc);
  atoms.add("mass", a_mass);
  io::write_csv(ctx.file("atoms.csv"), atoms);
  panels.add("config", p_cfg);
  panels.add("depth", p_depth);
  panels.add("ks", p_ks);
  panels.add("mean", p_mean);
  panels.add("mean_sem", p_mean_sem);
  panels.add("variance", p_var);
  panels.add("variance_sem", p_var_sem);
  panels.add("mean_theory", p_mean_th);
  panels.add("variance_theory", p_var_th);
  panels.add("lambda_max_theory", p_lmax);
  panels.add("lambda_max_sim", p_lmax_sim);
  panels.add("qr_method", p_method);
  io::write_csv(ctx.file("panels.csv"), panels);
  io::table cfg;
  add_config_columns(cfg, configs);
  io::write_csv(ctx.file("configs.csv"), cfg);

  reproduction_output out;
  out.config = {{"configurations", labels(configs)},
                {"depths", depths},
                {"width", width},
                {"networks_per_panel", seeds},
                {"simulation_seeds", seed_list},
                {"q_star_tanh", q_small},
                {"q_star_hard_tanh", q_hard},
                {"theory_points", points},
                {"criticality", "relu at (2, 0); linear at (1, 0); hard_tanh and tanh on the critical line at q*"}};
  out.agreement = {{"max_kolmogorov_distance", worst_ks},
                   {"max_variance_relative_error", worst_variance_relative},
                   {"mean_z", to_json(mean_z)},
                   {"replicates", seeds},
                   {"N", width},
                   {"networks", seeds * static_cast<int>(configs.size() * depths.size())},
                   {"compared",
                    "empirical CDF of lambda = s^2 (all networks of a panel pooled) against the free-probability "
                    "CDF (sup distance over the grid), and the variance of lambda (finite-N corrections grow "
                    "like L/N)"}};
  std::string sample_files;
  for (std::size_t k = 0; k < configs.size(); ++k) {
    for (int depth : depths) {
      sample_files += (sample_files.empty() ? "" : ", ") + ("samples_" + std::to_string(k) + "_" + std::to_string(depth) + ".npy");
    }
  }
  out.extra = {{"files",
                {{"theory.csv", "config, depth, lambda, density (continuous part, log and linear grids)"},
                 {"atoms.csv", "point masses per panel"},
                 {sample_files, "lambda of every network (networks x N) for configuration K at depth L: "
                                "samples_K_L.npy"},
                 {"panels.csv", "per panel: Kolmogorov distance, moments with standard errors, theory"},
                 {"configs.csv", "sigma_w2, sigma_b2, q* per configuration"}}}};
  return out;
}

reproduction_output spectral_spread(const context& ctx) {
  const auto& opt = ctx.options;
  const double q_small = 1.0 / 64.0;
  const double q_hard = 0.25;
  const std::vector<configuration> configs = {
      critical("linear", "gaussian", 1.0),   critical("linear", "orthogonal", 1.0),
      critical("relu", "gaussian", 1.0),     critical("relu", "orthogonal", 1.0),
      critical("hard_tanh", "gaussian", q_hard), critical("hard_tanh", "orthogonal", q_hard),
      critical("tanh", "gaussian", q_small), critical("tanh", "orthogonal", q_small)};
  const std::vector<int> depths =
      opt.quick ? std::vector<int>{1, 2, 4, 8, 16} : std::vector<int>{1, 2, 4, 8, 16, 32, 64};
  const int width = opt.quick ? sizes_for(opt).width : 512;
  const int seeds = opt.quick ? 3 : 4;

  std::vector<double> c_col, d_col, var_th, var_sim, var_sem, mean_th, mean_sim, mean_sem, lmax_th, lmax_sim;
  agreement_stats variance_z;
  double worst_relative = 0;
  double exact_isometry_variance = 0;
  std::vector<std::uint64_t> seed_list;
  for (std::size_t k = 0; k < configs.size(); ++k) {
    for (int depth : depths) {
      const auto m = isometry::moments(spectrum_of(configs[k], depth));
      seed_list.push_back(derive_seed(opt.seed, {21, k, static_cast<std::uint64_t>(depth)}));
      const auto sim = isometry::simulate_jacobian(simulation_of(configs[k], depth, width, seeds, seed_list.back()));
      const auto sm = moments_over_networks(sim.lambda);
      c_col.push_back(static_cast<double>(k));
      d_col.push_back(depth);
      var_th.push_back(m.variance);
      var_sim.push_back(sm.variance);
      var_sem.push_back(sm.variance_sem);
      mean_th.push_back(m.mean);
      mean_sim.push_back(sm.mean);
      mean_sem.push_back(sm.mean_sem);
      lmax_th.push_back(m.lambda_max);
      lmax_sim.push_back(sim.lambda.maxCoeff());
      if (m.variance > 1e-12) {
        worst_relative = std::max(worst_relative, std::abs(sm.variance / m.variance - 1.0));
        accumulate(variance_z, compare(Eigen::ArrayXXd::Constant(1, 1, sm.variance),
                                       Eigen::ArrayXXd::Constant(1, 1, sm.variance_sem),
                                       Eigen::ArrayXXd::Constant(1, 1, m.variance), 0));
      } else {
        // Exact isometry (orthogonal linear): every singular value is 1 up to rounding.
        exact_isometry_variance = std::max(exact_isometry_variance, sm.variance);
      }
    }
  }
  io::table t;
  t.add("config", c_col);
  t.add("depth", d_col);
  t.add("variance_theory", var_th);
  t.add("variance", var_sim);
  t.add("variance_sem", var_sem);
  t.add("mean_theory", mean_th);
  t.add("mean", mean_sim);
  t.add("mean_sem", mean_sem);
  t.add("lambda_max_theory", lmax_th);
  t.add("lambda_max_sim", lmax_sim);
  io::write_csv(ctx.file("spread.csv"), t);
  io::table cfg;
  add_config_columns(cfg, configs);
  io::write_csv(ctx.file("configs.csv"), cfg);

  reproduction_output out;
  out.config = {{"configurations", labels(configs)}, {"depths", depths},       {"width", width},
                {"networks_per_point", seeds},       {"q_star_tanh", q_small}, {"q_star_hard_tanh", q_hard},
                {"simulation_seeds", seed_list}};
  out.agreement = {{"variance_z", to_json(variance_z)},
                   {"max_variance_relative_error", worst_relative},
                   {"exact_isometry_max_variance", exact_isometry_variance},
                   {"replicates", seeds},
                   {"N", width},
                   {"networks", seeds * static_cast<int>(configs.size() * depths.size())},
                   {"compared",
                    "variance of lambda = s^2 per depth and configuration: finite networks (mean over networks, "
                    "standard error from their spread) against the free-probability value on the critical line"}};
  out.extra = {{"files",
                {{"spread.csv", "per configuration and depth: variance and mean of lambda (theory, simulation), "
                                "lambda_max"},
                 {"configs.csv", "sigma_w2, sigma_b2, q* per configuration"}}}};
  return out;
}

reproduction_output universality(const context& ctx) {
  const auto& opt = ctx.options;
  const double variance = 0.25;  // L (mu2/mu1^2 - 1) held fixed as L grows [Pe18]
  const std::vector<int> depths =
      opt.quick ? std::vector<int>{4, 16, 64, 256} : std::vector<int>{4, 16, 64, 256, 1024, 4096};
  // Simulated at L = 16: deeper, 1 - p = variance / L leaves too few inactive hard-tanh units per
  // layer (N (1 - p) must be large) for free probability's large-N limit at these widths.
  const int sim_depth = 16;
  const int width = opt.quick ? sizes_for(opt).width : 1000;
  const int seeds = 8;  // L = 16 is cheap; the per-network variance of lambda is noisy
  const std::vector<std::string> activations = {"tanh", "hard_tanh"};
  const Eigen::ArrayXd grid = Eigen::ArrayXd::LinSpaced(opt.quick ? 150 : 300, 0.02, 3.2);

  std::vector<double> t_act, t_depth, t_lambda, t_density, q_act, q_depth, q_q, q_w2, q_b2;
  std::vector<double> a_act, a_depth, a_loc, a_mass;
  json agreement = json::object();
  double worst_ks = 0;
  agreement_stats variance_z;
  std::vector<std::uint64_t> seed_list;
  for (std::size_t k = 0; k < activations.size(); ++k) {
    const auto cls = activations[k] == "tanh" ? isometry::universality_class::smooth
                                              : isometry::universality_class::bernoulli;
    auto record = [&](int depth, const isometry::density_result& r) {
      for (Eigen::Index i = 0; i < r.lambda.size(); ++i) {
        t_act.push_back(static_cast<double>(k));
        t_depth.push_back(depth);
        t_lambda.push_back(r.lambda[i]);
        t_density.push_back(r.density[i]);
      }
      for (const auto& a : r.atoms) {
        a_act.push_back(static_cast<double>(k));
        a_depth.push_back(depth);
        a_loc.push_back(a.location);
        a_mass.push_back(a.mass);
      }
    };
    configuration sim_config;
    for (int depth : depths) {
      isometry::design_options d;
      d.activation = activations[k];
      d.depth = depth;
      d.weights = "orthogonal";
      d.max_variance = variance;
      const auto des = isometry::design(d);
      configuration c{activations[k], "orthogonal", des.sigma_w2, des.sigma_b2, des.q_star};
      q_act.push_back(static_cast<double>(k));
      q_depth.push_back(depth);
      q_q.push_back(c.q_star);
      q_w2.push_back(c.sigma_w2);
      q_b2.push_back(c.sigma_b2);
      isometry::density_options o;
      o.spectrum = spectrum_of(c, depth);
      o.points = static_cast<int>(grid.size());
      o.lambda_min = grid[0];
      o.lambda_max = grid[grid.size() - 1];
      record(depth, isometry::density(o));
      if (depth == sim_depth) sim_config = c;
    }
    if (sim_config.activation.empty()) {  // the simulated depth is among the theory depths by construction
      throw internal_error("universality: simulated depth not in the depth list");
    }
    record(0, isometry::universal_density(cls, variance, grid));  // depth 0 = the L -> infinity limit
    seed_list.push_back(derive_seed(opt.seed, {22, k}));
    const auto sim = isometry::simulate_jacobian(simulation_of(sim_config, sim_depth, width, seeds, seed_list.back()));
    write_matrix(ctx.file("samples_" + activations[k] + ".npy"), sim.lambda);
    const auto th = log_density(spectrum_of(sim_config, sim_depth), opt.quick ? 160 : 320);
    const double ks = kolmogorov_distance(th, sim.lambda);
    worst_ks = std::max(worst_ks, ks);
    const auto sm = moments_over_networks(sim.lambda);
    accumulate(variance_z, compare(Eigen::ArrayXXd::Constant(1, 1, sm.variance),
                                   Eigen::ArrayXXd::Constant(1, 1, sm.variance_sem),
                                   Eigen::ArrayXXd::Constant(1, 1, th.moments.variance), 0));
    agreement[activations[k]] = {{"kolmogorov_distance", ks},
                                 {"variance", sm.variance},
                                 {"variance_sem", sm.variance_sem},
                                 {"variance_theory", th.moments.variance},
                                 {"depth", sim_depth}};
  }
  io::table t;
  t.add("activation", t_act);
  t.add("depth", t_depth);
  t.add("lambda", t_lambda);
  t.add("density", t_density);
  io::write_csv(ctx.file("densities.csv"), t);
  io::table a;
  a.add("activation", a_act);
  a.add("depth", a_depth);
  a.add("location", a_loc);
  a.add("mass", a_mass);
  io::write_csv(ctx.file("atoms.csv"), a);
  io::table q;
  q.add("activation", q_act);
  q.add("depth", q_depth);
  q.add("q_star", q_q);
  q.add("sigma_w2", q_w2);
  q.add("sigma_b2", q_b2);
  io::write_csv(ctx.file("designs.csv"), q);

  agreement["max_kolmogorov_distance"] = worst_ks;
  agreement["variance_z"] = to_json(variance_z);
  agreement["replicates"] = seeds;
  agreement["N"] = width;
  agreement["networks"] = seeds * static_cast<int>(activations.size());
  agreement["compared"] =
      "finite orthogonal networks at the simulated depth against the free-probability density (Kolmogorov "
      "distance of the CDFs) and the variance of lambda";
  reproduction_output out;
  out.config = {{"activations", activations},
                {"variance", variance},
                {"depths", depths},
                {"simulated_depth", sim_depth},
                {"width", width},
                {"networks", seeds},
                {"simulation_seeds", seed_list},
                {"weights", "orthogonal"},
                {"q_star", "per depth: the critical q* with L (mu2/mu1^2 - 1) = variance (designs.csv)"}};
  out.agreement = agreement;
  out.extra = {{"files",
                {{"densities.csv", "activation (0 tanh, 1 hard_tanh), depth (0 = the universal limit), lambda, "
                                   "density"},
                 {"atoms.csv", "point masses (the Bernoulli class has one at p^-L)"},
                 {"designs.csv", "the critical (q*, sigma_w2, sigma_b2) per activation and depth"},
                 {"samples_tanh.npy, samples_hard_tanh.npy", "lambda of the simulated networks at the simulated depth"}}}};
  return out;
}

reproduction_output deep_products(const context& ctx) {
  const auto& opt = ctx.options;
  const int depth = opt.quick ? 2000 : 10000;
  // (A) orthogonal tanh at the q* whose spectrum has variance 0.25 at this depth: the plain product.
  const int width_a = 128;
  const int seeds_a = opt.quick ? 2 : 4;
  isometry::design_options d;
  d.activation = "tanh";
  d.depth = depth;
  d.max_variance = 0.25;
  const auto des = isometry::design(d);
  const configuration tanh_config{"tanh", "orthogonal", des.sigma_w2, des.sigma_b2, des.q_star};
  const auto sim_a = isometry::simulate_jacobian(
      simulation_of(tanh_config, depth, width_a, seeds_a, derive_seed(opt.seed, {23, 1})));
  write_matrix(ctx.file("tanh_samples.npy"), sim_a.lambda);
  isometry::density_options o;
  o.spectrum = spectrum_of(tanh_config, depth);
  o.points = opt.quick ? 150 : 300;
  const auto th = isometry::density(o);
  write_vector(ctx.file("tanh_lambda.npy"), th.lambda);
  write_vector(ctx.file("tanh_density.npy"), th.density);
  const auto th_log = log_density(o.spectrum, opt.quick ? 160 : 320);
  const double ks = kolmogorov_distance(th_log, sim_a.lambda);
  const auto sm = moments_over_networks(sim_a.lambda);

  // (B) Gaussian linear products: E log s_i^2 = L [psi((N - i + 1)/2) + ln(2 sigma_w2 / N)] exactly
  // (each QR step's diagonal entries are independent chi variables), by the QR method.
  const int width_b = opt.quick ? 16 : 32;
  const int seeds_b = opt.quick ? 4 : 8;
  auto ob = simulation_of(critical("linear", "gaussian", 1.0), depth, width_b, seeds_b, derive_seed(opt.seed, {23, 2}));
  ob.method = "qr";
  const auto sim_b = isometry::simulate_jacobian(ob);
  Eigen::ArrayXd exponent_theory(width_b), exponent_mean(width_b), exponent_sem(width_b);
  agreement_stats lyapunov_z;
  for (int i = 0; i < width_b; ++i) {
    const double n = width_b;
    exponent_theory[i] = boost::math::digamma((n - i) / 2.0) + std::log(2.0 / n);
    const Eigen::ArrayXd per = 2.0 * sim_b.log_singular_values.col(i) / depth;
    exponent_mean[i] = per.mean();
    // Standard error from the exact variance of sum_l ln chi^2_k (k = N - i degrees of freedom):
    // psi'(k/2) per layer. Four networks estimate it too poorly to divide by.
    exponent_sem[i] = std::sqrt(boost::math::trigamma((n - i) / 2.0) / depth / static_cast<double>(seeds_b));
  }
  // The finite-L bias of log s_i (an O(1) term from the last QR steps) is O(1/L) per layer: below the noise.
  accumulate(lyapunov_z, compare(exponent_mean, exponent_sem, exponent_theory, 0));
  io::table t;
  t.add("index", to_vector(Eigen::ArrayXd::LinSpaced(width_b, 1, width_b)));
  t.add("exponent_theory", to_vector(exponent_theory));
  t.add("exponent_mean", to_vector(exponent_mean));
  t.add("exponent_sem", to_vector(exponent_sem));
  io::write_csv(ctx.file("lyapunov.csv"), t);

  reproduction_output out;
  out.config = {{"depth", depth},
                {"width", width_a},
                {"simulation_seeds", {derive_seed(opt.seed, {23, 1}), derive_seed(opt.seed, {23, 2})}},
                {"tanh", {{"width", width_a},
                          {"networks", seeds_a},
                          {"q_star", des.q_star},
                          {"sigma_w2", des.sigma_w2},
                          {"sigma_b2", des.sigma_b2},
                          {"method", sim_a.method}}},
                {"gaussian_linear", {{"width", width_b}, {"networks", seeds_b}, {"method", sim_b.method}}}};
  out.agreement = {{"tanh_kolmogorov_distance", ks},
                   {"tanh_variance", sm.variance},
                   {"tanh_variance_sem", sm.variance_sem},
                   {"tanh_variance_theory", th.moments.variance},
                   {"tanh_all_finite", sim_a.lambda.isFinite().all()},
                   {"lyapunov", {{"exponent_z", to_json(lyapunov_z)}, {"replicates", seeds_b}}},
                   {"lyapunov_all_finite", sim_b.log_singular_values.isFinite().all()},
                   {"compared",
                    "(A) orthogonal tanh at L = depth: empirical CDF vs free probability; (B) Gaussian linear "
                    "products: mean log s_i^2 / L over networks vs the exact finite-N exponents psi((N-i+1)/2) + "
                    "ln(2/N)"}};
  out.extra = {{"files",
                {{"tanh_samples.npy", "lambda of the deep orthogonal tanh networks (networks x N)"},
                 {"tanh_lambda.npy", "theory grid"},
                 {"tanh_density.npy", "theory density"},
                 {"lyapunov.csv", "per index i: exact exponent, mean over networks and its standard error from the "
                                  "exact variance psi'((N-i+1)/2) / (L networks)"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
