// The order-to-chaos phase diagram of tanh networks: chi_1 and c* over (sigma_w2, sigma_b2) with
// the critical line chi_1 = 1 [P16 Fig. 2D; S17 Fig. 1], and chi_1 measured in finite networks as
// the squared-gradient growth per layer at the fixed point (S17 eq. 15) along two slices.
#include "neurotheory/signalprop/phase_diagram.hpp"

#include <cmath>

#include "neurotheory/signalprop/meanfield.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {

reproduction_output phase_diagram(const context& ctx) {
  using namespace signalprop;
  const auto& opt = ctx.options;
  const auto sz = sizes_for(opt);
  const double w_min = 0.5, w_max = 4.0, b_min = 0.0, b_max = 0.5;
  const int fine = opt.quick ? 40 : 120;
  const int coarse = opt.quick ? 16 : 60;
  const int slice_points = opt.quick ? 80 : 300;
  const int line_points = opt.quick ? 120 : 400;
  const std::vector<double> slices = {0.05, 0.3};                // sigma_b2 of the 1-D cuts
  const std::vector<double> sim_w2 = {0.8, 1.4, 2.0, 2.8, 3.8};  // simulated sigma_w2 on each cut
  const int depth = 4;
  const int replicates = opt.quick ? 8 : 6;

  // Theory over the plane: q* and chi_1 on the fine grid, c* (2-D quadrature) on the coarse one.
  phase_diagram_options a;
  a.activation = "tanh";
  a.sigma_w2_min = w_min;
  a.sigma_w2_max = w_max;
  a.sigma_b2_min = b_min;
  a.sigma_b2_max = b_max;
  a.sigma_w2_points = a.sigma_b2_points = fine;
  a.correlation = false;
  const auto pa = signalprop::phase_diagram(a);
  write_vector(ctx.file("sigma_w2.npy"), pa.sigma_w2);
  write_vector(ctx.file("sigma_b2.npy"), pa.sigma_b2);
  write_matrix(ctx.file("chi1.npy"), pa.chi1);
  write_matrix(ctx.file("q_star.npy"), pa.q_star);
  auto b = a;
  b.sigma_w2_points = b.sigma_b2_points = coarse;
  b.correlation = true;
  const auto pb = signalprop::phase_diagram(b);
  write_vector(ctx.file("c_sigma_w2.npy"), pb.sigma_w2);
  write_vector(ctx.file("c_sigma_b2.npy"), pb.sigma_b2);
  write_matrix(ctx.file("c_star.npy"), pb.c_star);
  write_matrix(ctx.file("xi_c.npy"), pb.xi_c);

  // The critical line, parametric in q* [P16; Pennington et al. 2017], and a check that chi_1 = 1 on it.
  const Eigen::ArrayXd log_q = Eigen::ArrayXd::LinSpaced(line_points, std::log(1e-4), std::log(20.0));
  const auto line = critical_line("tanh", log_q.exp().eval());
  double line_max_dev = 0.0;
  long long line_checked = 0;
  for (Eigen::Index i = 0; i < line.q_star.size(); i += 4) {
    if (line.sigma_b2[i] > b_max || line.sigma_w2[i] > w_max || line.q_star[i] < 1e-2) continue;
    network_params p;
    p.sigma_w2 = line.sigma_w2[i];
    p.sigma_b2 = line.sigma_b2[i];
    const auto fp = fixed_point(p);
    line_max_dev = std::max(line_max_dev, std::abs(fp.chi1 - 1.0));
    ++line_checked;
  }
  io::table line_table;
  line_table.add("q_star", to_vector(line.q_star));
  line_table.add("sigma_w2", to_vector(line.sigma_w2));
  line_table.add("sigma_b2", to_vector(line.sigma_b2));
  io::write_csv(ctx.file("critical_line.csv"), line_table);

  // 1-D cuts at fixed sigma_b2: chi_1 theory (line) and the critical sigma_w2.
  io::table cut;
  std::vector<double> cut_b, cut_w, cut_chi, cut_q;
  std::vector<nlohmann::json> critical;
  for (double sb2 : slices) {
    const Eigen::ArrayXd w = Eigen::ArrayXd::LinSpaced(slice_points, w_min, w_max);
    for (double sw2 : w) {
      network_params p;
      p.sigma_w2 = sw2;
      p.sigma_b2 = sb2;
      const auto fp = fixed_point(p);
      cut_b.push_back(sb2);
      cut_w.push_back(sw2);
      cut_chi.push_back(fp.chi1);
      cut_q.push_back(fp.q_star);
    }
    const auto cp = critical_point("tanh", sb2);
    critical.push_back({{"sigma_b2", sb2}, {"sigma_w2", json_number(cp.sigma_w2)}, {"q_star", json_number(cp.q_star)}});
  }
  cut.add("sigma_b2", cut_b);
  cut.add("sigma_w2", cut_w);
  cut.add("chi1", cut_chi);
  cut.add("q_star", cut_q);
  io::write_csv(ctx.file("slices.csv"), cut);

  // chi_1 in finite networks: inputs with q^1 = q*, growth |delta^l|^2 / |delta^{l+1}|^2 averaged over
  // layers 1..depth-1 and the input copies of one network; mean and sem over networks.
  std::vector<simulation_options> jobs;
  std::vector<std::uint64_t> seeds;
  std::vector<double> theory_chi;
  for (std::size_t s = 0; s < slices.size(); ++s) {
    for (std::size_t k = 0; k < sim_w2.size(); ++k) {
      network_params p;
      p.sigma_w2 = sim_w2[k];
      p.sigma_b2 = slices[s];
      const auto fp = fixed_point(p);
      theory_chi.push_back(fp.chi1);
      const double q_in = (fp.q_star - p.sigma_b2) / p.sigma_w2;  // q^1 = sigma_w2 q^0 + sigma_b2 = q*
      for (int r = 0; r < replicates; ++r) {
        simulation_options o;
        o.network = p;
        o.width = sz.width;
        o.depth = depth;
        o.seeds = 1;
        o.seed = derive_seed(opt.seed, {2, s, k, static_cast<std::uint64_t>(r)});
        o.q0.assign(static_cast<std::size_t>(sz.copies), q_in);
        o.c0 = {};
        o.gradients = true;
        seeds.push_back(o.seed);
        jobs.push_back(o);
      }
    }
  }
  const auto results = simulate_jobs(jobs);
  const auto points = static_cast<Eigen::Index>(theory_chi.size());
  Eigen::ArrayXXd chi_mean(1, points), chi_sem(1, points), chi_theory(1, points);
  io::table sim;
  std::vector<double> sim_b, sim_w;
  for (Eigen::Index k = 0; k < points; ++k) {
    std::vector<Eigen::ArrayXXd> per;
    for (int r = 0; r < replicates; ++r) {
      const auto& g = results[static_cast<std::size_t>(k * replicates + r)].gradient_mean;
      per.push_back(Eigen::ArrayXXd::Constant(1, 1, g.middleRows(1, depth - 1).mean()));
    }
    const auto st = over_replicates(per);
    chi_mean(0, k) = st.mean(0, 0);
    chi_sem(0, k) = st.sem(0, 0);
    chi_theory(0, k) = theory_chi[static_cast<std::size_t>(k)];
    sim_b.push_back(slices[static_cast<std::size_t>(k) / sim_w2.size()]);
    sim_w.push_back(sim_w2[static_cast<std::size_t>(k) % sim_w2.size()]);
  }
  const auto chi_stats = compare(chi_mean, chi_sem, chi_theory, 0);
  sim.add("sigma_b2", sim_b);
  sim.add("sigma_w2", sim_w);
  sim.add("chi1_theory", to_vector(chi_theory.row(0).transpose()));
  sim.add("chi1_mean", to_vector(chi_mean.row(0).transpose()));
  sim.add("chi1_sem", to_vector(chi_sem.row(0).transpose()));
  io::write_csv(ctx.file("chi1_simulation.csv"), sim);

  reproduction_output out;
  out.config = {{"activation", "tanh"},
                {"sigma_w2_range", {w_min, w_max}},
                {"sigma_b2_range", {b_min, b_max}},
                {"grid_chi1", {fine, fine}},
                {"grid_c_star", {coarse, coarse}},
                {"critical_line_q_star", {1e-4, 20.0, line_points}},
                {"slices_sigma_b2", slices},
                {"simulated_sigma_w2", sim_w2},
                {"width", sz.width},
                {"depth", depth},
                {"networks_per_point", replicates},
                {"copies_per_input", sz.copies},
                {"weights", "gaussian"},
                {"simulation_seeds", seeds},
                {"measured", "chi_1 = mean over layers 1..depth-1 of |delta^l|^2/|delta^{l+1}|^2, inputs at q^1 = q*"}};
  out.agreement = {
      {"chi1", to_json(chi_stats)},
      {"N", sz.width},
      {"networks", replicates * static_cast<int>(points)},
      {"replicates", replicates},
      {"critical_line_max_abs_chi1_minus_1", line_max_dev},
      {"critical_line_points_checked", line_checked},
      {"grid_failed_points", pa.failed_points + pb.failed_points},
      {"compared", "chi_1 measured as gradient growth per layer at q*, vs sigma_w2 E[phi'(sqrt(q*) z)^2]"}};
  out.extra = {{"critical_points", critical},
               {"files",
                {{"sigma_w2.npy, sigma_b2.npy", "axes of chi1.npy and q_star.npy (rows sigma_w2, columns sigma_b2)"},
                 {"chi1.npy", "chi_1 over the plane"},
                 {"q_star.npy", "q* over the plane"},
                 {"c_sigma_w2.npy, c_sigma_b2.npy", "axes of c_star.npy and xi_c.npy"},
                 {"c_star.npy", "c* over the plane (coarser grid)"},
                 {"xi_c.npy", "xi_c over the plane (coarser grid)"},
                 {"critical_line.csv", "chi_1 = 1, parametric in q*"},
                 {"slices.csv", "chi_1 along sigma_w2 at fixed sigma_b2"},
                 {"chi1_simulation.csv", "chi_1 measured in finite networks"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
