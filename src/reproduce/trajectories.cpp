// Layer-by-layer signal propagation in ordered, critical and chaotic tanh networks (sigma_b2 = 0.05):
// q^l of single inputs [P16 Fig. 1B], c^l of input pairs [P16 Fig. 2B] and the squared-gradient
// growth per layer |delta^l|^2 / |delta^{l+1}|^2 = chi [S17 eq. 15, Fig. 4], for Gaussian and
// Haar-orthogonal weights, mean-field theory next to finite networks.
#include <cmath>

#include "neurotheory/signalprop/meanfield.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {

reproduction_output trajectories(const context& ctx) {
  using namespace signalprop;
  const auto& opt = ctx.options;
  const auto sz = sizes_for(opt);
  const double sigma_b2 = 0.05;
  const auto crit = critical_point("tanh", sigma_b2);
  const std::vector<double> sigma_w2 = {1.2, crit.sigma_w2, 2.5};  // ordered, critical, chaotic
  const std::vector<std::string> phases = {"ordered", "critical", "chaotic"};
  const std::vector<std::string> ensembles = {"gaussian", "orthogonal"};
  const std::vector<double> q0_far = {0.02, 3.0};  // single inputs below and above q*
  const std::vector<double> c0 = {0.1, 0.9};       // input pairs (at q^1 = q*)
  const int copies = sz.copies;
  // Orthogonal weights cost a QR per layer (~0.4 s at N = 1000): fewer layers than Gaussian.
  const std::vector<int> depth = {opt.quick ? 12 : 20, 10};
  const std::vector<int> replicates = {sz.replicates, sz.orthogonal_replicates};

  // Singles: q0_far[0], the fixed-point input (q^1 = q*, used for the gradients), q0_far[1].
  std::vector<std::vector<double>> singles;
  for (double sw2 : sigma_w2) {
    network_params p;
    p.sigma_w2 = sw2;
    p.sigma_b2 = sigma_b2;
    const auto fp = fixed_point(p);
    singles.push_back({q0_far[0], (fp.q_star - sigma_b2) / sw2, q0_far[1]});
  }

  std::vector<simulation_options> jobs;
  std::vector<std::uint64_t> seeds;
  for (std::size_t e = 0; e < ensembles.size(); ++e) {
    for (std::size_t k = 0; k < sigma_w2.size(); ++k) {
      for (int r = 0; r < replicates[e]; ++r) {
        simulation_options o;
        o.network.sigma_w2 = sigma_w2[k];
        o.network.sigma_b2 = sigma_b2;
        o.width = sz.width;
        o.depth = depth[e];
        o.weights = ensembles[e];
        o.seeds = 1;
        o.seed = derive_seed(opt.seed, {4, e, k, static_cast<std::uint64_t>(r)});
        o.q0.clear();
        for (double q : singles[k]) o.q0.insert(o.q0.end(), static_cast<std::size_t>(copies), q);
        o.c0.clear();
        for (double c : c0) o.c0.insert(o.c0.end(), static_cast<std::size_t>(copies), c);
        o.gradients = true;
        seeds.push_back(o.seed);
        jobs.push_back(o);
      }
    }
  }
  const auto results = simulate_jobs(jobs);

  std::vector<double> qw, qs, qq, ql, qt, qm, qe;  // q.csv
  std::vector<double> cw, cs, cc, cl, ct, cm, ce;  // c.csv
  std::vector<double> gw, gs, gl, gt, gm, ge;      // gradient.csv
  nlohmann::json agreement = nlohmann::json::object();
  nlohmann::json per_config = nlohmann::json::array();
  std::size_t job = 0;
  for (std::size_t e = 0; e < ensembles.size(); ++e) {
    agreement_stats q_all, c_all, g_all;
    for (std::size_t k = 0; k < sigma_w2.size(); ++k) {
      std::vector<Eigen::ArrayXXd> q_per, c_per, g_per;
      const auto& first = results[job];
      for (int r = 0; r < replicates[e]; ++r, ++job) {
        q_per.push_back(group_average(results[job].q_mean, copies));
        c_per.push_back(group_average(results[job].c_mean, copies));
        g_per.push_back(group_average(results[job].gradient_mean, copies));
      }
      const auto q = over_replicates(q_per), c = over_replicates(c_per), g = over_replicates(g_per);
      const Eigen::ArrayXXd q_th = group_average(first.q_theory, copies);
      const Eigen::ArrayXXd c_th = group_average(first.c_theory, copies);
      const Eigen::ArrayXXd g_th = group_average(first.gradient_theory, copies);
      const auto sq = compare(q.mean, q.sem, q_th);
      const auto sc = compare(c.mean, c.sem, c_th);
      // Gradients: the fixed-point input (column 1), where the growth is chi_1 at every layer.
      const auto sg = compare(g.mean.col(1), g.sem.col(1), g_th.col(1));
      accumulate(q_all, sq);
      accumulate(c_all, sc);
      accumulate(g_all, sg);
      network_params p;
      p.sigma_w2 = sigma_w2[k];
      p.sigma_b2 = sigma_b2;
      const auto fp = fixed_point(p);
      per_config.push_back({{"weights", ensembles[e]},
                            {"phase", phases[k]},
                            {"sigma_w2", sigma_w2[k]},
                            {"q_star", fp.q_star},
                            {"c_star", fp.c_star},
                            {"chi1", fp.chi1},
                            {"q", to_json(sq)},
                            {"c", to_json(sc)},
                            {"gradient", to_json(sg)}});
      const double code = static_cast<double>(e);
      for (Eigen::Index l = 0; l <= depth[e]; ++l) {
        for (Eigen::Index i = 0; i < q.mean.cols(); ++i) {
          qw.push_back(code);
          qs.push_back(sigma_w2[k]);
          qq.push_back(singles[k][static_cast<std::size_t>(i)]);
          ql.push_back(static_cast<double>(l));
          qt.push_back(q_th(l, i));
          qm.push_back(q.mean(l, i));
          qe.push_back(q.sem(l, i));
        }
        for (Eigen::Index i = 0; i < c.mean.cols(); ++i) {
          cw.push_back(code);
          cs.push_back(sigma_w2[k]);
          cc.push_back(c0[static_cast<std::size_t>(i)]);
          cl.push_back(static_cast<double>(l));
          ct.push_back(c_th(l, i));
          cm.push_back(c.mean(l, i));
          ce.push_back(c.sem(l, i));
        }
        gw.push_back(code);
        gs.push_back(sigma_w2[k]);
        gl.push_back(static_cast<double>(l));
        gt.push_back(g_th(l, 1));
        gm.push_back(g.mean(l, 1));
        ge.push_back(g.sem(l, 1));
      }
    }
    agreement[ensembles[e]] = {
        {"q", to_json(q_all)},        {"c", to_json(c_all)},
        {"gradient", to_json(g_all)}, {"N", sz.width},
        {"depth", depth[e]},          {"networks", replicates[e] * static_cast<int>(sigma_w2.size())},
        {"replicates", replicates[e]}};
  }
  agreement["compared"] =
      "q^l (layers 1..L), c^l (layers 1..L) and gradient growth (layers 1..L-1, input at q*): mean over networks vs "
      "mean-field theory, z = |sim - theory| / sem";
  io::table tq, tc, tg;
  tq.add("weights", qw);
  tq.add("sigma_w2", qs);
  tq.add("q0", qq);
  tq.add("layer", ql);
  tq.add("theory", qt);
  tq.add("mean", qm);
  tq.add("sem", qe);
  tc.add("weights", cw);
  tc.add("sigma_w2", cs);
  tc.add("c0", cc);
  tc.add("layer", cl);
  tc.add("theory", ct);
  tc.add("mean", cm);
  tc.add("sem", ce);
  tg.add("weights", gw);
  tg.add("sigma_w2", gs);
  tg.add("layer", gl);
  tg.add("theory", gt);
  tg.add("mean", gm);
  tg.add("sem", ge);
  io::write_csv(ctx.file("q.csv"), tq);
  io::write_csv(ctx.file("c.csv"), tc);
  io::write_csv(ctx.file("gradient.csv"), tg);

  reproduction_output out;
  out.config = {{"activation", "tanh"},
                {"sigma_b2", sigma_b2},
                {"sigma_w2", sigma_w2},
                {"phases", phases},
                {"weights", ensembles},
                {"weights_code", "0 = gaussian, 1 = orthogonal (column 'weights' of the CSVs)"},
                {"q0", "per sigma_w2: 0.02, (q* - sigma_b2) / sigma_w2 (q^1 = q*), 3.0"},
                {"q0_far", q0_far},
                {"c0", c0},
                {"pair_q0", "at the fixed point (q^1 = q*)"},
                {"width", sz.width},
                {"depth", {{"gaussian", depth[0]}, {"orthogonal", depth[1]}}},
                {"networks_per_point", {{"gaussian", replicates[0]}, {"orthogonal", replicates[1]}}},
                {"copies_per_input", copies},
                {"simulation_seeds", seeds}};
  out.agreement = agreement;
  out.extra = {
      {"configurations", per_config},
      {"files",
       {{"q.csv", "q^l per (weights, sigma_w2, q0, layer): theory, mean, sem"},
        {"c.csv", "c^l per (weights, sigma_w2, c0, layer)"},
        {"gradient.csv", "|delta^l|^2/|delta^{l+1}|^2 per (weights, sigma_w2, layer), input at q*; theory chi(q^l)"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
