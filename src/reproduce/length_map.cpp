// Poole et al. 2016 [P16] Fig. 1: the length map V(q) for tanh at sigma_b = 0.3 and three sigma_w
// (standard deviations, as in the paper), q^l -> q* in finite networks, q* over (sigma_w, sigma_b)
// and the number of layers q^l needs to come within 1% of q*.
#include <cmath>

#include "neurotheory/core/parallel.hpp"
#include "neurotheory/signalprop/meanfield.hpp"
#include "neurotheory/signalprop/phase_diagram.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {

reproduction_output length_map(const context& ctx) {
  using namespace signalprop;
  const auto& opt = ctx.options;
  const auto sz = sizes_for(opt);
  const std::vector<double> sigma_w = {1.0, 2.5, 4.0};
  const double sigma_b = 0.3;
  const double sigma_b2 = sigma_b * sigma_b;
  const std::vector<double> q0 = {0.1, 1.0, 4.0, 16.0};  // input lengths |x|^2 / N
  const int depth = opt.quick ? 8 : 10;
  const int map_points = opt.quick ? 76 : 301;
  const double map_q_max = 15.0;
  const int grid_points = opt.quick ? 30 : 80;
  const double grid_q0 = 1.0;     // (D) starts every grid point from q^0 = 1
  const double tolerance = 0.01;  // (D) "within 1% of q*"
  const int max_layers = 50;
  const auto nw = static_cast<Eigen::Index>(sigma_w.size());
  const auto nq = static_cast<Eigen::Index>(q0.size());

  auto params_for = [&](double sw) {
    network_params p;
    p.activation = "tanh";
    p.sigma_w2 = sw * sw;
    p.sigma_b2 = sigma_b2;
    return p;
  };

  // (A) The map q^{l-1} -> q^l and its fixed points.
  const Eigen::ArrayXd map_q = Eigen::ArrayXd::LinSpaced(map_points, 0.0, map_q_max);
  Eigen::ArrayXXd map_v(map_points, nw);
  Eigen::ArrayXd q_star(nw), chi1(nw), slope(nw);
  for (Eigen::Index i = 0; i < nw; ++i) {
    const auto p = params_for(sigma_w[static_cast<std::size_t>(i)]);
    const mean_field mf(p);
    for (Eigen::Index k = 0; k < map_points; ++k) map_v(k, i) = mf.length_map(map_q[k]);
    const auto fp = fixed_point(p);
    q_star[i] = fp.q_star;
    chi1[i] = fp.chi1;
    slope[i] = fp.length_slope;
  }
  write_vector(ctx.file("map_q.npy"), map_q);
  write_matrix(ctx.file("map_v.npy"), map_v);
  write_vector(ctx.file("sigma_w.npy"), Eigen::Map<const Eigen::ArrayXd>(sigma_w.data(), nw));
  write_vector(ctx.file("q_star.npy"), q_star);

  // (B) q^l of single inputs in width-N Gaussian networks; each q^0 enters `copies` times per network.
  std::vector<double> inputs;
  for (double q : q0) inputs.insert(inputs.end(), static_cast<std::size_t>(sz.copies), q);
  std::vector<simulation_options> jobs;
  std::vector<std::uint64_t> seeds;
  for (Eigen::Index i = 0; i < nw; ++i) {
    for (int r = 0; r < sz.replicates; ++r) {
      simulation_options o;
      o.network = params_for(sigma_w[static_cast<std::size_t>(i)]);
      o.width = sz.width;
      o.depth = depth;
      o.weights = "gaussian";
      o.seeds = 1;
      o.seed = derive_seed(opt.seed, {1, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(r)});
      o.q0 = inputs;
      o.c0 = {};
      o.gradients = false;
      seeds.push_back(o.seed);
      jobs.push_back(o);
    }
  }
  const auto results = simulate_jobs(jobs);
  io::table traj;
  std::vector<double> col_sw, col_q0, col_layer, col_theory, col_mean, col_sem;
  agreement_stats q_stats;
  for (Eigen::Index i = 0; i < nw; ++i) {
    std::vector<Eigen::ArrayXXd> per;
    for (int r = 0; r < sz.replicates; ++r) {
      per.push_back(group_average(results[static_cast<std::size_t>(i * sz.replicates + r)].q_mean, sz.copies));
    }
    const auto stats = over_replicates(per);
    const Eigen::ArrayXXd theory =
        group_average(results[static_cast<std::size_t>(i * sz.replicates)].q_theory, sz.copies);
    accumulate(q_stats, compare(stats.mean, stats.sem, theory));
    for (Eigen::Index k = 0; k < nq; ++k) {
      for (Eigen::Index l = 0; l <= depth; ++l) {
        col_sw.push_back(sigma_w[static_cast<std::size_t>(i)]);
        col_q0.push_back(q0[static_cast<std::size_t>(k)]);
        col_layer.push_back(static_cast<double>(l));
        col_theory.push_back(theory(l, k));
        col_mean.push_back(stats.mean(l, k));
        col_sem.push_back(stats.sem(l, k));
      }
    }
  }
  traj.add("sigma_w", col_sw);
  traj.add("q0", col_q0);
  traj.add("layer", col_layer);
  traj.add("q_theory", col_theory);
  traj.add("q_mean", col_mean);
  traj.add("q_sem", col_sem);
  io::write_csv(ctx.file("trajectories.csv"), traj);

  // (C) q* and (D) layers to within 1% of q* over (sigma_w, sigma_b), evenly spaced in the std's.
  phase_diagram_options pd;
  pd.activation = "tanh";
  pd.sigma_w2_min = 0.25;
  pd.sigma_w2_max = 16.0;
  pd.sigma_w2_points = grid_points;
  pd.sigma_b2_min = 0.0;
  pd.sigma_b2_max = 1.0;
  pd.sigma_b2_points = grid_points;
  pd.spacing = "std";
  pd.correlation = false;
  const auto grid = phase_diagram(pd);
  Eigen::ArrayXXd layers = Eigen::ArrayXXd::Constant(grid.q_star.rows(), grid.q_star.cols(), kNaN);
  const auto rows = static_cast<long long>(grid.q_star.rows());
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (long long i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < grid.q_star.cols(); ++j) {
      const double qs = grid.q_star(i, j);
      if (!std::isfinite(qs) || qs <= 1e-12) continue;  // q* = 0 (sigma_b = 0, sigma_w <= 1): never within 1%
      network_params p;
      p.sigma_w2 = grid.sigma_w2[i];
      p.sigma_b2 = grid.sigma_b2[j];
      const mean_field mf(p);
      double q = p.sigma_w2 * grid_q0 + p.sigma_b2;  // q^1
      for (int l = 1; l <= max_layers; ++l) {
        if (std::abs(q - qs) <= tolerance * qs) {
          layers(i, j) = l;
          break;
        }
        q = mf.length_map(q);
      }
    }
  }
  write_vector(ctx.file("grid_sigma_w.npy"), grid.sigma_w2.sqrt().eval());
  write_vector(ctx.file("grid_sigma_b.npy"), grid.sigma_b2.sqrt().eval());
  write_matrix(ctx.file("grid_q_star.npy"), grid.q_star);
  write_matrix(ctx.file("grid_layers.npy"), layers);

  reproduction_output out;
  out.config = {{"activation", "tanh"},
                {"sigma_w", sigma_w},
                {"sigma_b", sigma_b},
                {"convention", "sigma_w, sigma_b are standard deviations (P16); sigma_w2 = sigma_w^2"},
                {"q0", q0},
                {"width", sz.width},
                {"depth", depth},
                {"networks_per_sigma_w", sz.replicates},
                {"copies_per_input", sz.copies},
                {"weights", "gaussian"},
                {"simulation_seeds", seeds},
                {"map_q_max", map_q_max},
                {"map_points", map_points},
                {"grid_points", grid_points},
                {"grid_sigma_w", {0.5, 4.0}},
                {"grid_sigma_b", {0.0, 1.0}},
                {"grid_q0", grid_q0},
                {"grid_tolerance", tolerance},
                {"grid_max_layers", max_layers}};
  out.agreement = {{"q", to_json(q_stats)},
                   {"N", sz.width},
                   {"networks", sz.replicates * static_cast<int>(nw)},
                   {"replicates", sz.replicates},
                   {"compared", "q^l, layers 1..depth, mean over networks (z = |sim - theory| / sem)"}};
  std::vector<nlohmann::json> fps;
  for (Eigen::Index i = 0; i < nw; ++i) {
    fps.push_back({{"sigma_w", sigma_w[static_cast<std::size_t>(i)]},
                   {"q_star", q_star[i]},
                   {"chi1", chi1[i]},
                   {"length_slope", slope[i]}});
  }
  out.extra = {{"fixed_points", fps},
               {"files",
                {{"map_q.npy", "q^{l-1} grid of the map (A)"},
                 {"map_v.npy", "V(q) per sigma_w (columns), (A)"},
                 {"sigma_w.npy", "the three sigma_w"},
                 {"q_star.npy", "q* per sigma_w"},
                 {"trajectories.csv", "q^l theory and simulation (mean, sem over networks), (B)"},
                 {"grid_sigma_w.npy", "rows of the grids"},
                 {"grid_sigma_b.npy", "columns of the grids"},
                 {"grid_q_star.npy", "q* over (sigma_w, sigma_b), (C)"},
                 {"grid_layers.npy", "layers from q^0 = 1 to within 1% of q* (NaN: not within 50), (D)"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
