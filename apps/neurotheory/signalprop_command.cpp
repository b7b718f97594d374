// neurotheory signalprop <fixed-point | trajectory | critical | depth-scales | phase-diagram | simulate>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include "neurotheory/core/io.hpp"
#include "neurotheory/signalprop/meanfield.hpp"
#include "neurotheory/signalprop/phase_diagram.hpp"
#include "neurotheory/signalprop/simulate.hpp"

#include "cli_common.hpp"

namespace nt::cli {
namespace {

namespace sp = nt::signalprop;
namespace fs = std::filesystem;
using json = nlohmann::json;

json fixed_point_json(const sp::fixed_point_result& r) {
  return json{{"q_star", number(r.q_star)},
              {"c_star", number(r.c_star)},
              {"chi1", number(r.chi1)},
              {"chi_c", number(r.chi_c)},
              {"one_minus_chi_c", number(r.one_minus_chi_c)},
              {"length_slope", number(r.length_slope)},
              {"xi_q", number(r.xi_q)},
              {"xi_c", number(r.xi_c)},
              {"phase", r.q_status == sp::solve_status::converged ? sp::to_string(r.regime) : "undefined"},
              {"q_status", sp::to_string(r.q_status)},
              {"c_status", sp::to_string(r.c_status)},
              {"q_iterations", r.q_iterations},
              {"c_iterations", r.c_iterations},
              {"q_residual", number(r.q_residual)},
              {"c_residual", number(r.c_residual)},
              {"converged", r.converged()}};
}

void add_fixed_point(CLI::App& group) {
  add_command<sp::fixed_point_options>(
      group, "fixed-point", "q*, c*, chi_1, chi_c and the depth scales xi_q, xi_c at one point",
      [](const sp::fixed_point_options& options, const output_flags& flags) {
        const auto r = sp::fixed_point(options.network, options.solver);
        const json results = fixed_point_json(r);
        write_meta(flags.out, "signalprop fixed-point", to_json(options), results);
        std::vector<std::string> summary{
            fmt::format("{} at sigma_w2 = {}, sigma_b2 = {}: {} phase", options.network.activation,
                        options.network.sigma_w2, options.network.sigma_b2, results["phase"].get<std::string>()),
            fmt::format("  q* = {}   c* = {}   chi_1 = {}   chi_c = {} (1 - chi_c = {})", fmt_double(r.q_star),
                        fmt_double(r.c_star), fmt_double(r.chi1), fmt_double(r.chi_c), fmt_double(r.one_minus_chi_c)),
            fmt::format("  xi_q = {} layers   xi_c = {} layers", fmt_double(r.xi_q), fmt_double(r.xi_c))};
        if (!r.converged()) {
          summary.push_back(
              fmt::format("  not converged: q {}, c {}", sp::to_string(r.q_status), sp::to_string(r.c_status)));
        }
        emit(flags, results, to_json(options), summary);
      });
}

void add_trajectory(CLI::App& group) {
  add_command<sp::trajectory_options>(
      group, "trajectory", "layer-by-layer q^l, c^l and gradient scale for two inputs (theory)",
      [](const sp::trajectory_options& options, const output_flags& flags) {
        const auto t = sp::trajectory(options);
        const fs::path dir = flags.out;
        io::table table;
        table.add("layer", to_vector(t.layer));
        table.add("q_a", to_vector(t.q_a));
        table.add("q_b", to_vector(t.q_b));
        table.add("c", to_vector(t.c));
        table.add("chi", to_vector(t.chi));
        table.add("gradient", to_vector(t.gradient));
        io::write_csv(dir / "trajectory.csv", table);
        for (std::size_t j = 0; j < table.names.size(); ++j) {
          const Eigen::ArrayXd column = Eigen::Map<const Eigen::ArrayXd>(
              table.columns[j].data(), static_cast<Eigen::Index>(table.columns[j].size()));
          io::write_npy(dir / (table.names[j] + ".npy"), column);
        }
        const auto last = t.layer.size() - 1;
        const json results{{"q_a_final", number(t.q_a[last])},
                           {"q_b_final", number(t.q_b[last])},
                           {"c_final", number(t.c[last])},
                           {"gradient_first", number(t.gradient[1])},
                           {"depth", options.depth}};
        write_meta(dir, "signalprop trajectory", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} layers: q_a {} -> {}, c {} -> {}; squared gradient at layer 1 / layer L = {}",
                          options.depth, fmt_double(t.q_a[1]), fmt_double(t.q_a[last]), fmt_double(t.c[1]),
                          fmt_double(t.c[last]), fmt_double(t.gradient[1]))});
      });
}

void add_critical(CLI::App& group) {
  add_command<sp::critical_options>(
      group, "critical", "the critical sigma_w2 (chi_1 = 1) at a given sigma_b2, and the critical line",
      [](const sp::critical_options& options, const output_flags& flags) {
        const auto r = sp::critical_point(options.activation, options.sigma_b2, options.quadrature_order);
        const Eigen::ArrayXd q =
            Eigen::ArrayXd::LinSpaced(200, -4.0, 2.0).unaryExpr([](double x) { return std::pow(10.0, x); });
        const auto line = sp::critical_line(options.activation, q, options.quadrature_order);
        const fs::path dir = flags.out;
        io::table table;
        table.add("q_star", to_vector(line.q_star));
        table.add("sigma_w2", to_vector(line.sigma_w2));
        table.add("sigma_b2", to_vector(line.sigma_b2));
        io::write_csv(dir / "critical_line.csv", table);
        const json results{{"found", r.found},           {"sigma_w2", number(r.sigma_w2)}, {"sigma_b2", r.sigma_b2},
                           {"q_star", number(r.q_star)}, {"chi1", number(r.chi1)},         {"note", r.note}};
        write_meta(dir, "signalprop critical", to_json(options), results);
        std::vector<std::string> summary;
        if (r.found) {
          summary.push_back(fmt::format("{} is critical (chi_1 = 1) at sigma_w2 = {:.7g} for sigma_b2 = {} (q* = {})",
                                        options.activation, r.sigma_w2, r.sigma_b2, fmt_double(r.q_star)));
        }
        if (!r.note.empty()) summary.push_back(r.note);
        emit(flags, results, to_json(options), summary);
      });
}

void add_depth_scales(CLI::App& group) {
  add_command<sp::depth_scales_options>(
      group, "depth-scales", "xi_q, xi_c and 1 - chi_c across sigma_w2 at fixed sigma_b2",
      [](const sp::depth_scales_options& options, const output_flags& flags) {
        const auto r = sp::depth_scales(options);
        const fs::path dir = flags.out;
        io::table table;
        table.add("sigma_w2", to_vector(r.sigma_w2));
        table.add("q_star", to_vector(r.q_star));
        table.add("c_star", to_vector(r.c_star));
        table.add("chi1", to_vector(r.chi1));
        table.add("chi_c", to_vector(r.chi_c));
        table.add("one_minus_chi_c", to_vector(r.one_minus_chi_c));
        table.add("xi_q", to_vector(r.xi_q));
        table.add("xi_c", to_vector(r.xi_c));
        table.add("converged", to_vector(r.converged));
        io::write_csv(dir / "depth_scales.csv", table);
        Eigen::Index peak = 0;
        const Eigen::ArrayXd finite_xi = r.xi_c.isFinite().select(r.xi_c, -1.0);
        const double xi_max = finite_xi.maxCoeff(&peak);
        const auto failed = static_cast<long long>((r.converged == 0.0).count());
        const json results{{"critical_sigma_w2", number(r.critical.sigma_w2)},
                           {"critical_q_star", number(r.critical.q_star)},
                           {"xi_c_max", number(xi_max)},
                           {"xi_c_max_at_sigma_w2", number(r.sigma_w2[peak])},
                           {"points", r.sigma_w2.size()},
                           {"failed_points", failed}};
        write_meta(dir, "signalprop depth-scales", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} at sigma_b2 = {}: xi_c diverges at the critical sigma_w2 = {:.7g}", options.activation,
                          options.sigma_b2, r.critical.sigma_w2),
              fmt::format("  largest xi_c on the grid: {} layers at sigma_w2 = {:.4g}; {} of {} points failed",
                          fmt_double(xi_max), r.sigma_w2[peak], failed, r.sigma_w2.size())});
      });
}

void add_phase_diagram(CLI::App& group) {
  add_command<sp::phase_diagram_options>(
      group, "phase-diagram", "q*, c*, chi_1, chi_c, xi_q, xi_c over a (sigma_w2, sigma_b2) grid",
      [](const sp::phase_diagram_options& options, const output_flags& flags) {
        progress(fmt::format("phase diagram: {} x {} points", options.sigma_w2_points, options.sigma_b2_points));
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = sp::phase_diagram(options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::write_npy(dir / "sigma_w2.npy", r.sigma_w2);
        io::write_npy(dir / "sigma_b2.npy", r.sigma_b2);
        const std::pair<const char*, const Eigen::ArrayXXd*> fields[] = {
            {"q_star", &r.q_star}, {"c_star", &r.c_star}, {"chi1", &r.chi1},    {"chi_c", &r.chi_c},
            {"xi_q", &r.xi_q},     {"xi_c", &r.xi_c},     {"status", &r.status}};
        io::table table;
        std::vector<double> w, b;
        for (Eigen::Index i = 0; i < r.sigma_w2.size(); ++i) {
          for (Eigen::Index j = 0; j < r.sigma_b2.size(); ++j) {
            w.push_back(r.sigma_w2[i]);
            b.push_back(r.sigma_b2[j]);
          }
        }
        table.add("sigma_w2", w);
        table.add("sigma_b2", b);
        for (const auto& [name, array] : fields) {
          io::write_npy(dir / (std::string(name) + ".npy"), *array);
          const Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = *array;
          table.add(name, std::vector<double>(rm.data(), rm.data() + rm.size()));
        }
        io::write_csv(dir / "phase_diagram.csv", table);
        const json results{{"converged_points", r.converged_points},
                           {"failed_points", r.failed_points},
                           {"chaotic_points", r.chaotic_points},
                           {"newton_iterations", r.newton_iterations},
                           {"seconds", seconds}};
        write_meta(dir, "signalprop phase-diagram", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{}: {} x {} grid in {:.3g} s; {} chaotic (chi_1 > 1), {} not converged", options.activation,
                          r.sigma_w2.size(), r.sigma_b2.size(), seconds, r.chaotic_points, r.failed_points)});
      });
}

void add_simulate(CLI::App& group) {
  add_command<sp::simulation_options>(
      group, "simulate", "finite random networks against the theory: q^l, c^l and gradient growth per layer",
      [](const sp::simulation_options& options, const output_flags& flags) {
        progress(fmt::format("simulating {} networks of width {} and depth {}", options.seeds, options.width,
                             options.depth));
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = sp::simulate(options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::write_npy(dir / "layer.npy", r.layer);
        const std::pair<const char*, const Eigen::ArrayXXd*> arrays[] = {{"q_mean", &r.q_mean},
                                                                         {"q_sem", &r.q_sem},
                                                                         {"q_theory", &r.q_theory},
                                                                         {"c_mean", &r.c_mean},
                                                                         {"c_sem", &r.c_sem},
                                                                         {"c_theory", &r.c_theory},
                                                                         {"gradient_mean", &r.gradient_mean},
                                                                         {"gradient_sem", &r.gradient_sem},
                                                                         {"gradient_theory", &r.gradient_theory}};
        for (const auto& [name, array] : arrays) io::write_npy(dir / (std::string(name) + ".npy"), *array);
        // Tidy table: one row per (layer, measure, input).
        io::table table;
        std::vector<double> layer, kind, input, mean, sem, theory;
        const double kinds[] = {0.0, 1.0, 2.0};
        const Eigen::ArrayXXd* triples[3][3] = {{&r.q_mean, &r.q_sem, &r.q_theory},
                                                {&r.c_mean, &r.c_sem, &r.c_theory},
                                                {&r.gradient_mean, &r.gradient_sem, &r.gradient_theory}};
        for (int m = 0; m < 3; ++m) {
          for (Eigen::Index col = 0; col < triples[m][0]->cols(); ++col) {
            for (Eigen::Index l = 0; l < r.layer.size(); ++l) {
              layer.push_back(r.layer[l]);
              kind.push_back(kinds[m]);
              input.push_back(static_cast<double>(col));
              mean.push_back((*triples[m][0])(l, col));
              sem.push_back((*triples[m][1])(l, col));
              theory.push_back((*triples[m][2])(l, col));
            }
          }
        }
        table.add("layer", layer);
        table.add("measure", kind);  // 0 = q, 1 = c, 2 = gradient growth
        table.add("input", input);
        table.add("mean", mean);
        table.add("sem", sem);
        table.add("theory", theory);
        io::write_csv(dir / "simulation.csv", table);
        const json results{{"q_star", number(r.q_star)},
                           {"pair_q0", number(r.pair_q0)},
                           {"replicates", r.replicates},
                           {"max_q_z", number(r.max_q_z)},
                           {"max_c_z", number(r.max_c_z)},
                           {"max_gradient_z", number(r.max_gradient_z)},
                           {"max_q_relative", number(r.max_q_relative)},
                           {"max_c_abs", number(r.max_c_abs)},
                           {"max_gradient_relative", number(r.max_gradient_relative)},
                           {"seconds", seconds}};
        write_meta(dir, "signalprop simulate", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} {} networks, width {}, depth {}, {:.3g} s", options.seeds, options.weights, options.width,
                          options.depth, seconds),
              fmt::format("  theory vs simulation: q^l within {:.2g}% (max {:.2g} standard errors), c^l within {:.3g} "
                          "({:.2g} s.e.), gradient growth within {:.2g}% ({:.2g} s.e.)",
                          100.0 * r.max_q_relative, r.max_q_z, r.max_c_abs, r.max_c_z, 100.0 * r.max_gradient_relative,
                          r.max_gradient_z)});
      });
}

}  // namespace

void register_signalprop(CLI::App& app) {
  auto* group =
      app.add_subcommand("signalprop", "mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017)");
  group->require_subcommand(1);
  add_fixed_point(*group);
  add_trajectory(*group);
  add_critical(*group);
  add_depth_scales(*group);
  add_phase_diagram(*group);
  add_simulate(*group);
}

void register_activations(CLI::App& app) {
  auto* cmd = app.add_subcommand("activations", "list the activation functions");
  auto json_flag = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json_flag, "print one JSON object");
  cmd->callback([json_flag] {
    json names = json::object();
    for (const auto& name : activation_names()) names[name] = std::string(activation_by_name(name).formula());
    if (*json_flag) {
      std::cout << json{{"activations", names}}.dump() << std::endl;
    } else {
      for (const auto& [name, formula] : names.items())
        std::cout << fmt::format("{:<10} {}", name, formula.get<std::string>()) << "\n";
    }
  });
}

}  // namespace nt::cli
