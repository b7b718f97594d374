// The expressivity reproductions: a great circle through deep random tanh networks [P16] and
// pattern transitions along it in piecewise-linear networks [R17], mean-field theory next to finite
// networks.
//   manifold_geometry  [P16] Fig. 4: squared length gbar, curvature kbar^2 and Grassmannian length
//                      against depth across the order-to-chaos transition, and the per-layer length
//                      growth sqrt(chi_1) against sigma_w2 (the phase diagram of expressivity).
//   manifold_pca       [P16] Fig. 3: the circle projected on its top principal components at a few
//                      depths, ordered versus chaotic.
//   transitions        [R17]: activation-pattern transitions per neuron (Rice's formula) and linear
//                      regions crossed, against depth, relu and hard tanh; shallow versus deep.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "neurotheory/expressivity/manifold.hpp"
#include "neurotheory/signalprop/meanfield.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {
namespace {

using nlohmann::json;

expressivity::manifold_simulation_options circle_run(const std::string& activation, double sigma_w2, double sigma_b2,
                                                     int depth, int width, int points, int seeds, std::uint64_t seed) {
  expressivity::manifold_simulation_options o;
  o.circle.network = {activation, sigma_w2, sigma_b2, 0};
  o.circle.depth = depth;
  o.width = width;
  o.points = points;
  o.seeds = seeds;
  o.seed = seed;
  return o;
}

Eigen::ArrayXXd column(const Eigen::ArrayXd& v) { return v; }

}  // namespace

reproduction_output manifold_geometry(const context& ctx) {
  const auto& opt = ctx.options;
  // Curvature carries an O(1/N) finite-width bias per layer that accumulates with depth: wider
  // networks than the signal-propagation reproductions (cheap: one GEMM over the points per layer).
  const sizes sz{opt.quick ? 1000 : 1500, 0, 0, 0};
  const double sigma_b2 = 0.09;  // sigma_b = 0.3 [P16]
  const std::vector<double> sigma_w = {1.0, 1.5, 2.5, 4.0};  // standard deviations, as in P16
  const int depth = opt.quick ? 8 : 14;
  const int points = opt.quick ? 256 : 512;
  const int seeds = opt.quick ? 4 : 6;

  std::vector<double> l_sw, l_layer, th_g, th_k, th_lg, th_len, s_g, s_ge, s_k, s_ke, s_lg, s_lge, f_g, f_k, f_lg,
      s_len, s_len_half, s_res;
  agreement_stats g_z, k_z, lg_z;
  std::vector<std::uint64_t> seed_list;
  json per_sigma = json::array();
  for (std::size_t i = 0; i < sigma_w.size(); ++i) {
    const double w2 = sigma_w[i] * sigma_w[i];
    seed_list.push_back(derive_seed(opt.seed, {30, i}));
    auto o = circle_run("tanh", w2, sigma_b2, depth, sz.width, points, seeds, seed_list.back());
    o.exact_derivatives = true;
    const auto t = expressivity::manifold_theory(o.circle);
    const auto s = expressivity::simulate_manifold(o);
    for (Eigen::Index l = 0; l < t.layer.size(); ++l) {
      l_sw.push_back(sigma_w[i]);
      l_layer.push_back(t.layer[l]);
      th_g.push_back(t.length2[l]);
      th_k.push_back(t.curvature2[l]);
      th_lg.push_back(t.grassmannian[l]);
      th_len.push_back(t.length[l]);
      s_g.push_back(s.length2_exact_mean[l]);
      s_ge.push_back(s.length2_exact_sem[l]);
      s_k.push_back(s.curvature2_exact_mean[l]);
      s_ke.push_back(s.curvature2_exact_sem[l]);
      s_lg.push_back(s.grassmannian_exact_mean[l]);
      s_lge.push_back(s.grassmannian_exact_sem[l]);
      f_g.push_back(s.length2_mean[l]);
      f_k.push_back(s.curvature2_mean[l]);
      f_lg.push_back(s.grassmannian_mean[l]);
      s_len.push_back(s.length_mean[l]);
      s_len_half.push_back(s.length_half_mean[l]);
      s_res.push_back(s.resolved[l]);
    }
    // Layer 1 is the input circle itself (exact); compare from layer 2.
    accumulate(g_z, compare(column(s.length2_exact_mean), column(s.length2_exact_sem), column(t.length2), 1));
    accumulate(k_z, compare(column(s.curvature2_exact_mean), column(s.curvature2_exact_sem), column(t.curvature2), 1));
    accumulate(lg_z,
               compare(column(s.grassmannian_exact_mean), column(s.grassmannian_exact_sem), column(t.grassmannian), 1));
    per_sigma.push_back({{"sigma_w", sigma_w[i]}, {"phase", t.phase}, {"chi1", t.chi1},
                         {"length_growth", t.length_growth_star}, {"curvature2_star", json_number(t.curvature2_star)}});
  }
  io::table layers;
  layers.add("sigma_w", l_sw);
  layers.add("layer", l_layer);
  layers.add("length2_theory", th_g);
  layers.add("curvature2_theory", th_k);
  layers.add("grassmannian_theory", th_lg);
  layers.add("length_theory", th_len);
  layers.add("length2", s_g);
  layers.add("length2_sem", s_ge);
  layers.add("curvature2", s_k);
  layers.add("curvature2_sem", s_ke);
  layers.add("grassmannian", s_lg);
  layers.add("grassmannian_sem", s_lge);
  layers.add("length2_fd", f_g);
  layers.add("curvature2_fd", f_k);
  layers.add("grassmannian_fd", f_lg);
  layers.add("chord_length", s_len);
  layers.add("chord_length_half", s_len_half);
  layers.add("resolved", s_res);
  io::write_csv(ctx.file("layers.csv"), layers);

  // The phase diagram of expressivity along sigma_b2 = 0.09: growth per layer sqrt(chi_1) (theory)
  // and the measured growth of gbar over the simulated layers at a few sigma_w2.
  std::vector<double> w_line, growth_line;
  for (double w2 : Eigen::ArrayXd::LinSpaced(opt.quick ? 60 : 200, 0.25, 16.0)) {
    const auto fp = signalprop::fixed_point({"tanh", w2, sigma_b2, 0});
    w_line.push_back(w2);
    growth_line.push_back(std::sqrt(fp.chi1));
  }
  io::table line;
  line.add("sigma_w2", w_line);
  line.add("length_growth", growth_line);
  io::write_csv(ctx.file("growth_line.csv"), line);

  reproduction_output out;
  out.config = {{"activation", "tanh"},
                {"sigma_b", 0.3},
                {"sigma_b2", sigma_b2},
                {"sigma_w", sigma_w},
                {"depth", depth},
                {"width", sz.width},
                {"points", points},
                {"networks_per_sigma_w", seeds},
                {"weights", "gaussian"},
                {"simulation_seeds", seed_list},
                {"input", "great circle at q^1 = q* (layer 1 = the circle)"},
                {"measured", "exact forward-mode tangent and acceleration (finite differences in layers.csv too)"}};
  out.agreement = {{"length2", to_json(g_z)},
                   {"curvature2", to_json(k_z)},
                   {"grassmannian", to_json(lg_z)},
                   {"per_sigma_w", per_sigma},
                   {"replicates", seeds},
                   {"N", sz.width},
                   {"compared", "per layer 2..L: mean over networks (standard error from their spread) vs the "
                                "mean-field recursions"}};
  out.extra = {{"files",
                {{"layers.csv", "per sigma_w and layer: theory and simulation of gbar, kbar^2, L^G (exact and "
                                "finite differences), chord length and its half-resolution check"},
                 {"growth_line.csv", "length growth per layer sqrt(chi_1) along sigma_w2 at sigma_b2 = 0.09"}}}};
  return out;
}

reproduction_output manifold_pca(const context& ctx) {
  const auto& opt = ctx.options;
  const sizes sz{opt.quick ? 1000 : 1500, 0, 0, 0};  // as manifold_geometry
  const double sigma_b2 = 0.09;
  const std::vector<double> sigma_w = {1.0, 4.0};  // ordered, chaotic (standard deviations)
  const std::vector<double> layers = {1, 3, 6, 10};
  const int points = opt.quick ? 256 : 512;
  std::vector<std::uint64_t> seed_list;
  json explained = json::object();
  agreement_stats g_z;
  const int seeds = opt.quick ? 4 : 4;
  for (std::size_t i = 0; i < sigma_w.size(); ++i) {
    seed_list.push_back(derive_seed(opt.seed, {31, i}));
    auto o = circle_run("tanh", sigma_w[i] * sigma_w[i], sigma_b2, static_cast<int>(layers.back()), sz.width, points,
                        seeds, seed_list.back());
    o.exact_derivatives = true;
    o.pca_layers = layers;
    const auto t = expressivity::manifold_theory(o.circle);
    const auto s = expressivity::simulate_manifold(o);
    json e = json::array();
    for (std::size_t j = 0; j < layers.size(); ++j) {
      write_matrix(ctx.file("pca_sigma" + std::to_string(i) + "_layer" + std::to_string(static_cast<int>(layers[j])) +
                            ".npy"),
                   s.pca[j]);
      e.push_back(std::vector<double>(s.pca_explained[j].data(), s.pca_explained[j].data() + s.pca_explained[j].size()));
    }
    explained[std::to_string(sigma_w[i])] = e;
    accumulate(g_z, compare(column(s.length2_exact_mean), column(s.length2_exact_sem), column(t.length2), 1));
  }
  reproduction_output out;
  out.config = {{"activation", "tanh"},       {"sigma_b2", sigma_b2}, {"sigma_w", sigma_w}, {"layers", layers},
                {"width", sz.width},          {"points", points},     {"networks", seeds},
                {"simulation_seeds", seed_list}};
  out.agreement = {{"length2", to_json(g_z)}, {"replicates", seeds}, {"explained_variance_top3", explained}};
  std::string files;
  for (std::size_t i = 0; i < sigma_w.size(); ++i) {
    for (double l : layers) {
      files += (files.empty() ? "" : ", ") + ("pca_sigma" + std::to_string(i) + "_layer" +
                                             std::to_string(static_cast<int>(l)) + ".npy");
    }
  }
  out.extra = {{"files", {{files, "the circle (points x 3) on its top principal components, network 0"}}}};
  return out;
}

reproduction_output transitions(const context& ctx) {
  const auto& opt = ctx.options;
  const auto sz = sizes_for(opt);
  struct run {
    std::string activation;
    double sigma_w2, sigma_b2;
  };
  const std::vector<run> runs = {{"relu", 2.0, 0.0}, {"hard_tanh", 1.5, 0.05}, {"hard_tanh", 4.0, 0.05}};
  const int depth = opt.quick ? 8 : 12;
  const int points = opt.quick ? 2048 : 4096;
  const int seeds = opt.quick ? 4 : 6;
  std::vector<double> r_run, r_layer, t_theory, t_mean, t_sem, g_mean, g_sem, len_theory, len_mean, len_sem, res;
  agreement_stats tz;
  std::vector<std::uint64_t> seed_list;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    seed_list.push_back(derive_seed(opt.seed, {32, k}));
    auto o = circle_run(runs[k].activation, runs[k].sigma_w2, runs[k].sigma_b2, depth, sz.width, points, seeds,
                        seed_list.back());
    if (runs[k].activation == "relu") o.circle.q0 = 1.0;
    o.exact_derivatives = false;
    const auto t = expressivity::manifold_theory(o.circle);
    const auto s = expressivity::simulate_manifold(o);
    for (Eigen::Index l = 0; l < t.layer.size(); ++l) {
      r_run.push_back(static_cast<double>(k));
      r_layer.push_back(t.layer[l]);
      t_theory.push_back(t.transitions[l]);
      t_mean.push_back(s.transitions_mean[l]);
      t_sem.push_back(s.transitions_sem[l]);
      g_mean.push_back(s.regions_mean[l]);
      g_sem.push_back(s.regions_sem[l]);
      len_theory.push_back(t.length[l]);
      len_mean.push_back(s.length_mean[l]);
      len_sem.push_back(s.length_sem[l]);
      res.push_back(s.resolved[l]);
    }
    // Transitions are counted between samples: compared where the circle is resolved.
    Eigen::ArrayXd mean = s.transitions_mean, sem = s.transitions_sem;
    for (Eigen::Index l = 0; l < mean.size(); ++l) {
      if (s.resolved[l] == 0.0) mean[l] = kNaN;
    }
    accumulate(tz, compare(column(mean), column(sem), column(t.transitions), 0));
  }
  io::table table;
  table.add("run", r_run);
  table.add("layer", r_layer);
  table.add("transitions_theory", t_theory);
  table.add("transitions", t_mean);
  table.add("transitions_sem", t_sem);
  table.add("regions", g_mean);
  table.add("regions_sem", g_sem);
  table.add("length_theory", len_theory);
  table.add("length", len_mean);
  table.add("length_sem", len_sem);
  table.add("resolved", res);
  io::write_csv(ctx.file("transitions.csv"), table);
  // Shallow versus deep for the chaotic tanh network of manifold_geometry.
  expressivity::circle_params deep;
  deep.network = {"tanh", 16.0, 0.09, 0};
  deep.depth = 20;
  const auto sh = expressivity::shallow_equivalent(deep, sz.width);
  io::table shallow;
  shallow.add("depth", to_vector(sh.depth));
  shallow.add("width_needed", to_vector(sh.width_needed));
  shallow.add("grassmannian_deep", to_vector(sh.grassmannian_deep));
  io::write_csv(ctx.file("shallow_vs_deep.csv"), shallow);

  json labels = json::array();
  for (const auto& r : runs) {
    labels.push_back(r.activation + " (sigma_w2 = " + json(r.sigma_w2).dump() + ", sigma_b2 = " + json(r.sigma_b2).dump() +
                     ")");
  }
  reproduction_output out;
  out.config = {{"runs", labels},
                {"depth", depth},
                {"width", sz.width},
                {"points", points},
                {"networks_per_run", seeds},
                {"simulation_seeds", seed_list},
                {"shallow_vs_deep", {{"activation", "tanh"}, {"sigma_w2", 16.0}, {"sigma_b2", 0.09}}},
                {"grassmannian_shallow", sh.grassmannian_shallow}};
  out.agreement = {{"transitions", to_json(tz)},
                   {"replicates", seeds},
                   {"N", sz.width},
                   {"compared", "pattern transitions per neuron along the circle per layer vs Rice's formula on the "
                                "mean-field (q, gbar), where the sampled circle is resolved"}};
  out.extra = {{"files",
                {{"transitions.csv", "per run and layer: transitions per neuron (theory, simulation), linear regions "
                                     "crossed in layers 1..l, chord length"},
                 {"shallow_vs_deep.csv", "hidden width a one-hidden-layer network needs to match the deep length"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
