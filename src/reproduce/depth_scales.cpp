// Schoenholz et al. 2017 [S17] Fig. 2: the depth scales xi_q and xi_c of tanh networks against
// sigma_w2 at sigma_b2 = 0.05. Theory: xi = -1/ln(slope of the map at its fixed point) (S17 eqs. 6-9),
// diverging for xi_c at the critical sigma_w2. Simulation: xi fitted to the exponential approach of
// the finite networks' c^l to c* (and q^l to q*), |c^l - c*| ~ exp(-l / xi_c).
#include <algorithm>
#include <cmath>

#include "neurotheory/signalprop/meanfield.hpp"

#include "common.hpp"

namespace nt::reproduce::detail {

reproduction_output depth_scales(const context& ctx) {
  using namespace signalprop;
  const auto& opt = ctx.options;
  const auto sz = sizes_for(opt);
  const double sigma_b2 = 0.05;
  const double w_min = 1.0, w_max = 4.0;
  const std::vector<double> sim_w2 = opt.quick ? std::vector<double>{1.2, 1.5, 2.2, 3.0}
                                               : std::vector<double>{1.1, 1.3, 1.5, 1.65, 2.0, 2.4, 2.9, 3.6};
  const int replicates = opt.quick ? 8 : 6;
  const int copies = 16;                 // identical inputs per network, averaged within it (cheap: one GEMM)
  const double threshold = 3.0;          // fitting window: |displacement| above 3 standard errors
  const double c_offset_ordered = 0.02;  // ordered phase: c^1 = 1 - 0.02
  const double c_offset_chaotic = 0.2;   // chaotic phase: c^1 = c* -+ 0.2
  const double q_ratio = 2.0;            // single inputs at q^1 = 2 q* and q* / 2
  const int min_depth = opt.quick ? 8 : 10, max_depth = opt.quick ? 16 : 24;
  const double depth_per_xi = opt.quick ? 2.0 : 3.0;

  const auto crit = critical_point("tanh", sigma_b2);

  // Theory line, denser near the divergence at the critical sigma_w2.
  std::vector<double> w;
  for (double x : Eigen::ArrayXd::LinSpaced(opt.quick ? 61 : 301, w_min, w_max)) w.push_back(x);
  for (double e : Eigen::ArrayXd::LinSpaced(opt.quick ? 12 : 40, -5.0, -1.3)) {
    w.push_back(crit.sigma_w2 - std::pow(10.0, e));
    w.push_back(crit.sigma_w2 + std::pow(10.0, e));
  }
  std::sort(w.begin(), w.end());
  io::table theory;
  {
    std::vector<double> q_star, c_star, chi1, chi_c, omc, xi_q, xi_c;
    for (double sw2 : w) {
      network_params p;
      p.sigma_w2 = sw2;
      p.sigma_b2 = sigma_b2;
      const auto fp = fixed_point(p);
      q_star.push_back(fp.q_star);
      c_star.push_back(fp.c_star);
      chi1.push_back(fp.chi1);
      chi_c.push_back(fp.chi_c);
      omc.push_back(fp.one_minus_chi_c);
      xi_q.push_back(fp.xi_q);
      xi_c.push_back(fp.xi_c);
    }
    theory.add("sigma_w2", w);
    theory.add("q_star", q_star);
    theory.add("c_star", c_star);
    theory.add("chi1", chi1);
    theory.add("chi_c", chi_c);
    theory.add("one_minus_chi_c", omc);
    theory.add("xi_q", xi_q);
    theory.add("xi_c", xi_c);
  }
  io::write_csv(ctx.file("theory.csv"), theory);

  // Finite networks. Pairs at q^1 = q*: in the ordered phase c^1 = 1 - 0.02 (c* = 1; the
  // displacement's relative noise is constant, so a small start stays measurable); in the chaotic
  // phase c^1 = c* - 0.2 and c* + min(0.2, 0.6 (1 - c*)), the two sides fitted together. Single
  // inputs at q^1 = 2 q* and q* / 2. Each input enters `copies` times per network.
  struct point {
    double sw2;
    fixed_point_result fp;
    std::vector<double> c1, q1;  // per side: start values at layer 1
    int depth;
  };
  std::vector<point> pts;
  std::vector<simulation_options> jobs;
  std::vector<std::uint64_t> seeds;
  for (std::size_t k = 0; k < sim_w2.size(); ++k) {
    network_params p;
    p.sigma_w2 = sim_w2[k];
    p.sigma_b2 = sigma_b2;
    point pt{sim_w2[k], fixed_point(p), {}, {}, 0};
    const double qs = pt.fp.q_star, cs = pt.fp.c_star;
    if (pt.fp.chi1 <= 1.0) {
      pt.c1 = {1.0 - c_offset_ordered};
    } else {
      pt.c1 = {cs - c_offset_chaotic, cs + std::min(c_offset_chaotic, 0.6 * (1.0 - cs))};
    }
    pt.q1 = {q_ratio * qs, qs / q_ratio};
    pt.depth = std::clamp(static_cast<int>(std::ceil(depth_per_xi * pt.fp.xi_c)) + 4, min_depth, max_depth);
    simulation_options o;
    o.network = p;
    o.width = sz.width;
    o.depth = pt.depth;
    o.seeds = 1;
    o.pair_q0 = -1.0;  // pairs at the fixed point: q^1 = q*
    o.gradients = false;
    o.q0.clear();
    o.c0.clear();
    // q^1 = sigma_w2 q^0 + sigma_b2 and c^1 = (sigma_w2 c0 q^0 + sigma_b2) / q* with q^1 = q*.
    for (double q1 : pt.q1) o.q0.insert(o.q0.end(), static_cast<std::size_t>(copies), (q1 - sigma_b2) / p.sigma_w2);
    for (double c1 : pt.c1)
      o.c0.insert(o.c0.end(), static_cast<std::size_t>(copies), (c1 * qs - sigma_b2) / (qs - sigma_b2));
    for (int r = 0; r < replicates; ++r) {
      o.seed = derive_seed(opt.seed, {3, k, static_cast<std::uint64_t>(r)});
      seeds.push_back(o.seed);
      jobs.push_back(o);
    }
    pts.push_back(pt);
  }
  const auto results = simulate_jobs(jobs);

  std::vector<double> c_sim, c_se, c_win, c_last0, c_last1, q_sim, q_se, q_win, q_last0, q_last1, omc_sim, omc_se;
  std::vector<double> d_w, d_k, d_s, d_l, d_m, d_e, d_t;  // decay.csv
  agreement_stats c_z, q_z;  // z of the fitted xi against the theory's trajectories fitted alike
  std::vector<double> c_rel, q_rel;
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const auto& pt = pts[k];
    const auto base = k * static_cast<std::size_t>(replicates);
    // Sides: displacement from the fixed point per network, column group g.
    auto sides_of = [&](bool corr) {
      std::vector<decay_side> sides;
      const auto& res0 = results[base];
      const Eigen::ArrayXXd th = group_average(corr ? res0.c_theory : res0.q_theory, copies);
      const double target = corr ? pt.fp.c_star : pt.fp.q_star;
      for (Eigen::Index g = 0; g < th.cols(); ++g) {
        decay_side side;
        side.theory = th.col(g) - target;
        for (int r = 0; r < replicates; ++r) {
          const auto& res = results[base + static_cast<std::size_t>(r)];
          side.per.push_back(group_average(corr ? res.c_mean : res.q_mean, copies).col(g) - target);
        }
        sides.push_back(std::move(side));
      }
      return sides;
    };
    const auto sc = sides_of(true), sq = sides_of(false);
    const auto fc = fit_decay(sc, 1, pt.depth, threshold);
    const auto fq = fit_decay(sq, 1, pt.depth, threshold);
    auto last_of = [](const decay_fit& f, std::size_t s) {
      return s < f.last.size() && f.last[s] >= f.first ? static_cast<double>(f.last[s]) : kNaN;
    };
    c_sim.push_back(fc.xi);
    c_se.push_back(fc.xi_se);
    c_win.push_back(fc.xi_theory_window);
    c_last0.push_back(last_of(fc, 0));
    c_last1.push_back(last_of(fc, 1));
    q_sim.push_back(fq.xi);
    q_se.push_back(fq.xi_se);
    q_win.push_back(fq.xi_theory_window);
    q_last0.push_back(last_of(fq, 0));
    q_last1.push_back(last_of(fq, 1));
    const double e = std::exp(-1.0 / fc.xi);
    omc_sim.push_back(1.0 - e);
    omc_se.push_back(e / (fc.xi * fc.xi) * fc.xi_se);
    auto z_of = [](const decay_fit& f) {
      return compare(Eigen::ArrayXXd::Constant(1, 1, f.xi), Eigen::ArrayXXd::Constant(1, 1, f.xi_se),
                     Eigen::ArrayXXd::Constant(1, 1, f.xi_theory_window), 0);
    };
    if (std::isfinite(fc.xi)) {
      accumulate(c_z, z_of(fc));
      c_rel.push_back(std::abs(fc.xi / pt.fp.xi_c - 1.0));
    }
    if (std::isfinite(fq.xi)) {
      accumulate(q_z, z_of(fq));
      q_rel.push_back(std::abs(fq.xi / pt.fp.xi_q - 1.0));
    }
    for (int quantity = 0; quantity < 2; ++quantity) {
      const auto& sides = quantity == 0 ? sc : sq;
      for (std::size_t s = 0; s < sides.size(); ++s) {
        std::vector<Eigen::ArrayXXd> per;
        for (const auto& d : sides[s].per) per.emplace_back(d);
        const auto st = over_replicates(per);
        for (int l = 0; l <= pt.depth; ++l) {
          d_w.push_back(pt.sw2);
          d_k.push_back(quantity);
          d_s.push_back(static_cast<double>(s));
          d_l.push_back(l);
          d_m.push_back(st.mean(l, 0));
          d_e.push_back(st.sem(l, 0));
          d_t.push_back(sides[s].theory[l]);
        }
      }
    }
  }
  auto column = [&](auto member) {
    std::vector<double> v;
    for (const auto& pt : pts) v.push_back(member(pt));
    return v;
  };
  auto side_value = [](const std::vector<double>& v, std::size_t s) { return s < v.size() ? v[s] : kNaN; };
  io::table points;
  points.add("sigma_w2", column([](const point& p) { return p.sw2; }));
  points.add("q_star", column([](const point& p) { return p.fp.q_star; }));
  points.add("c_star", column([](const point& p) { return p.fp.c_star; }));
  points.add("c1_side0", column([&](const point& p) { return side_value(p.c1, 0); }));
  points.add("c1_side1", column([&](const point& p) { return side_value(p.c1, 1); }));
  points.add("depth", column([](const point& p) { return static_cast<double>(p.depth); }));
  points.add("xi_c_theory", column([](const point& p) { return p.fp.xi_c; }));
  points.add("xi_c_window_theory", c_win);
  points.add("xi_c_sim", c_sim);
  points.add("xi_c_se", c_se);
  points.add("c_last_side0", c_last0);
  points.add("c_last_side1", c_last1);
  points.add("one_minus_chi_c_theory", column([](const point& p) { return p.fp.one_minus_chi_c; }));
  points.add("one_minus_chi_c_sim", omc_sim);
  points.add("one_minus_chi_c_se", omc_se);
  points.add("xi_q_theory", column([](const point& p) { return p.fp.xi_q; }));
  points.add("xi_q_window_theory", q_win);
  points.add("xi_q_sim", q_sim);
  points.add("xi_q_se", q_se);
  points.add("q_last_side0", q_last0);
  points.add("q_last_side1", q_last1);
  io::write_csv(ctx.file("points.csv"), points);
  io::table decay;
  decay.add("sigma_w2", d_w);
  decay.add("quantity", d_k);
  decay.add("side", d_s);
  decay.add("layer", d_l);
  decay.add("mean", d_m);
  decay.add("sem", d_e);
  decay.add("theory", d_t);
  io::write_csv(ctx.file("decay.csv"), decay);

  auto median = [](std::vector<double> v) {
    if (v.empty()) return kNaN;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  auto max_of = [](const std::vector<double>& v) { return v.empty() ? kNaN : *std::max_element(v.begin(), v.end()); };
  reproduction_output out;
  out.config = {{"activation", "tanh"},
                {"sigma_b2", sigma_b2},
                {"sigma_w2_range", {w_min, w_max}},
                {"simulated_sigma_w2", sim_w2},
                {"width", sz.width},
                {"depth", "per point: clamp(ceil(" + std::to_string(depth_per_xi) + " xi_c) + 4, " +
                              std::to_string(min_depth) + ", " + std::to_string(max_depth) + ")"},
                {"networks_per_point", replicates},
                {"copies_per_input", copies},
                {"weights", "gaussian"},
                {"simulation_seeds", seeds},
                {"pairs",
                 "inputs at q^1 = q*; ordered: c^1 = 1 - 0.02; chaotic: two sides, c^1 = c* - 0.2 and c* + min(0.2, "
                 "0.6 (1 - c*))"},
                {"singles", "two sides: q^1 = 2 q* and q* / 2"},
                {"fit",
                 "weighted least squares of log|mean displacement| on layer l, weights (mean/sem)^2, per side; "
                 "window from layer 1 to the last layer before |displacement| drops below 3 standard errors (at "
                 "least 3 layers); xi = -1 / (mean slope over sides); standard error by jackknife over networks; "
                 "the theory's trajectories are fitted on the same windows with the same weights "
                 "(xi_window_theory)"},
                {"fit_threshold_sem", threshold}};
  out.agreement = {{"xi_c_z", to_json(c_z)},
                   {"xi_q_z", to_json(q_z)},
                   {"xi_c_fitted_points", static_cast<long long>(c_rel.size())},
                   {"xi_q_fitted_points", static_cast<long long>(q_rel.size())},
                   {"xi_c_median_relative_error_vs_asymptotic", json_number(median(c_rel))},
                   {"xi_c_max_relative_error_vs_asymptotic", json_number(max_of(c_rel))},
                   {"xi_q_median_relative_error_vs_asymptotic", json_number(median(q_rel))},
                   {"xi_q_max_relative_error_vs_asymptotic", json_number(max_of(q_rel))},
                   {"critical_sigma_w2", crit.sigma_w2},
                   {"N", sz.width},
                   {"networks", replicates * static_cast<int>(pts.size())},
                   {"replicates", replicates},
                   {"compared",
                    "fitted xi vs the theory's trajectory fitted on the same window (z), and vs the asymptotic "
                    "xi = -1/ln chi (relative error)"}};
  out.extra = {{"files",
                {{"theory.csv", "q*, c*, chi_1, chi_c, 1 - chi_c, xi_q, xi_c along sigma_w2"},
                 {"points.csv", "fitted depth scales per simulated sigma_w2 (with windows)"},
                 {"decay.csv",
                  "displacements per (sigma_w2, quantity 0 = c^l - c* / 1 = q^l - q*, side, layer): simulation "
                  "mean, sem and theory"}}}};
  return out;
}

}  // namespace nt::reproduce::detail
