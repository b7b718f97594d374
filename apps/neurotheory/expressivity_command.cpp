// neurotheory expressivity <manifold | trajectory | regions>: a great circle (or any input curve)
// through deep random networks: length, curvature, Grassmannian length, pattern transitions and
// linear regions, theory next to finite networks (Poole et al. 2016; Raghu et al. 2017).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/expressivity/manifold.hpp"

#include "cli_common.hpp"

namespace nt::cli {
namespace {

namespace ex = nt::expressivity;
namespace fs = std::filesystem;
using json = nlohmann::json;

json agreement_json(const ex::layer_agreement& a) {
  return json{{"max_z", number(a.max_z)},
              {"rms_z", number(a.rms_z)},
              {"max_relative_error", number(a.max_relative)},
              {"points", a.points}};
}

void write_columns(const fs::path& dir, const std::string& name, const io::table& table) {
  io::write_csv(dir / (name + ".csv"), table);
  for (std::size_t j = 0; j < table.names.size(); ++j) {
    const Eigen::ArrayXd column = Eigen::Map<const Eigen::ArrayXd>(table.columns[j].data(),
                                                                   static_cast<Eigen::Index>(table.columns[j].size()));
    io::write_npy(dir / (table.names[j] + ".npy"), column);
  }
}

void add_manifold(CLI::App& group) {
  add_command<ex::manifold_options>(
      group, "manifold",
      "a great circle through a deep random network: length growth, curvature, Grassmannian length (theory; "
      "--simulate: finite networks too)",
      [](const ex::manifold_options& options, const output_flags& flags) {
        const auto& sim = options.simulation;
        if (options.simulate) {
          progress(fmt::format("propagating {} points through {} networks of width {} and depth {}", sim.points,
                               sim.seeds, sim.width, sim.circle.depth));
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = ex::manifold(options);
        const double seconds = seconds_since(t0);
        const auto& t = r.theory;
        const fs::path dir = flags.out;
        io::table theory;
        theory.add("layer", to_vector(t.layer));
        theory.add("q", to_vector(t.q));
        theory.add("length2", to_vector(t.length2));
        theory.add("length", to_vector(t.length));
        theory.add("length_growth", to_vector(t.length_growth));
        theory.add("curvature2", to_vector(t.curvature2));
        theory.add("grassmannian", to_vector(t.grassmannian));
        theory.add("transitions", to_vector(t.transitions));
        io::write_csv(dir / "theory.csv", theory);
        const auto shallow = ex::shallow_equivalent(sim.circle, sim.width);
        io::table sh;
        sh.add("depth", to_vector(shallow.depth));
        sh.add("width_needed", to_vector(shallow.width_needed));
        sh.add("grassmannian_deep", to_vector(shallow.grassmannian_deep));
        io::write_csv(dir / "shallow_vs_deep.csv", sh);
        json results{{"length_growth", number(t.length_growth_star)},
                     {"curvature2_star", number(t.curvature2_star)},
                     {"q_star", number(t.q_star)},
                     {"chi1", number(t.chi1)},
                     {"chi2", number(t.chi2)},
                     {"phase", t.phase},
                     {"length_final", number(t.length[t.length.size() - 1])},
                     {"curvature2_final", number(t.curvature2[t.curvature2.size() - 1])},
                     {"grassmannian_final", number(t.grassmannian[t.grassmannian.size() - 1])},
                     {"shallow_width_needed", number(shallow.width_needed[shallow.width_needed.size() - 1])},
                     {"simulated", r.simulated},
                     {"seconds", seconds}};
        std::vector<std::string> summary{
            fmt::format("{} at sigma_w2 = {}, sigma_b2 = {}: {} phase, chi_1 = {}", sim.circle.network.activation,
                        sim.circle.network.sigma_w2, sim.circle.network.sigma_b2, t.phase, fmt_double(t.chi1)),
            fmt::format("  length grows by {} per layer; curvature kbar^2 -> {}; after {} layers: length {}, "
                        "Grassmannian length {}",
                        fmt_double(t.length_growth_star), fmt_double(t.curvature2_star), sim.circle.depth,
                        fmt_double(t.length[t.length.size() - 1]),
                        fmt_double(t.grassmannian[t.grassmannian.size() - 1]))};
        if (r.simulated) {
          const auto& s = r.simulation;
          io::table st;
          const std::pair<const char*, const Eigen::ArrayXd*> cols[] = {
              {"layer", &s.layer},
              {"q_mean", &s.q_mean},
              {"q_sem", &s.q_sem},
              {"length2_mean", &s.length2_mean},
              {"length2_sem", &s.length2_sem},
              {"length_mean", &s.length_mean},
              {"length_sem", &s.length_sem},
              {"length_half_mean", &s.length_half_mean},
              {"curvature2_mean", &s.curvature2_mean},
              {"curvature2_sem", &s.curvature2_sem},
              {"grassmannian_mean", &s.grassmannian_mean},
              {"grassmannian_sem", &s.grassmannian_sem},
              {"length2_exact_mean", &s.length2_exact_mean},
              {"length2_exact_sem", &s.length2_exact_sem},
              {"curvature2_exact_mean", &s.curvature2_exact_mean},
              {"curvature2_exact_sem", &s.curvature2_exact_sem},
              {"grassmannian_exact_mean", &s.grassmannian_exact_mean},
              {"grassmannian_exact_sem", &s.grassmannian_exact_sem},
              {"transitions_mean", &s.transitions_mean},
              {"transitions_sem", &s.transitions_sem},
              {"regions_mean", &s.regions_mean},
              {"regions_sem", &s.regions_sem},
              {"resolved", &s.resolved}};
          for (const auto& [name, column] : cols) st.add(name, to_vector(*column));
          write_columns(dir, "simulation", st);
          for (std::size_t i = 0; i < s.pca.size(); ++i) {
            io::write_npy(dir / fmt::format("pca_layer{}.npy", static_cast<int>(sim.pca_layers[i])), s.pca[i]);
          }
          results["agreement"] = {{"length2", agreement_json(r.length2)},
                                  {"curvature2", agreement_json(r.curvature2)},
                                  {"grassmannian", agreement_json(r.grassmannian)},
                                  {"transitions", agreement_json(r.transitions)}};
          results["gflops"] = number(s.gflops);
          summary.push_back(fmt::format(
              "  {} networks of width {}, {} points: length^2 within {:.2g}% ({:.2g} s.e.), curvature^2 within "
              "{:.2g}% ({:.2g} s.e.), Grassmannian within {:.2g}% ({:.2g} s.e.)",
              sim.seeds, sim.width, sim.points, 100 * r.length2.max_relative, r.length2.max_z,
              100 * r.curvature2.max_relative, r.curvature2.max_z, 100 * r.grassmannian.max_relative,
              r.grassmannian.max_z));
        }
        write_meta(dir, "expressivity manifold", to_json(options), results);
        emit(flags, results, to_json(options), summary);
      });
}

// The CLI's view of a trajectory run: the options plus the curve's file.
struct trajectory_command_options {
  ex::trajectory_options trajectory;
  std::string input;  // .npy of K x d points; empty: a circle in the plane with |x|^2/d = 1
  int points = 1024;  // samples of the built-in circle

  void validate() const {
    trajectory.validate();
    require_in_range("points", points, 3, 10000000);
  }
  template <class V>
  void visit(V&& v) {
    trajectory.visit(v);
    v("input", input, "the input curve: .npy file of K x d points (empty: a circle in the plane)");
    v("points", points, "samples of the built-in circle (when no input is given)");
  }
};

void add_trajectory(CLI::App& group) {
  add_command<trajectory_command_options>(
      group, "trajectory",
      "an input curve through deep random networks: trajectory length, transitions and regions per layer (Raghu "
      "et al. 2017)",
      [](const trajectory_command_options& options, const output_flags& flags) {
        Eigen::MatrixXd points;
        if (options.input.empty()) {
          points.resize(options.points, 2);
          for (int k = 0; k < options.points; ++k) {
            const double theta = 2.0 * std::numbers::pi * k / options.points;
            points(k, 0) = std::sqrt(2.0) * std::cos(theta);
            points(k, 1) = std::sqrt(2.0) * std::sin(theta);
          }
        } else {
          points = io::read_npy(options.input).matrix();
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = ex::simulate_trajectory(options.trajectory, points);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::table t;
        t.add("layer", to_vector(r.layer));
        t.add("length_mean", to_vector(r.length_mean));
        t.add("length_sem", to_vector(r.length_sem));
        t.add("q_mean", to_vector(r.q_mean));
        t.add("growth_theory", to_vector(r.growth_theory));
        t.add("transitions_mean", to_vector(r.transitions_mean));
        t.add("transitions_sem", to_vector(r.transitions_sem));
        t.add("regions_mean", to_vector(r.regions_mean));
        t.add("regions_sem", to_vector(r.regions_sem));
        write_columns(dir, "trajectory", t);
        const auto last = r.layer.size() - 1;
        const double growth = last > 1 ? std::pow(r.length_mean[last] / r.length_mean[1], 1.0 / double(last - 1)) : 0.0;
        const json results{{"points", points.rows()},
                           {"input_dim", points.cols()},
                           {"length_input", number(r.length_mean[0])},
                           {"length_final", number(r.length_mean[last])},
                           {"growth_per_layer", number(growth)},
                           {"transitions_final", number(r.transitions_mean[last])},
                           {"regions_final", number(r.regions_mean[last])},
                           {"seconds", seconds}};
        write_meta(dir, "expressivity trajectory", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} points in {} dimensions through {} networks of width {}, depth {} ({:.3g} s)",
                          points.rows(), points.cols(), options.trajectory.seeds, options.trajectory.width,
                          options.trajectory.depth, seconds),
              fmt::format("  trajectory length / sqrt(N): {} at layer 1 -> {} at layer {} (x{} per layer)",
                          fmt_double(r.length_mean[1]), fmt_double(r.length_mean[last]), last, fmt_double(growth))});
      });
}

void add_regions(CLI::App& group) {
  add_command<ex::manifold_simulation_options>(
      group, "regions",
      "activation-pattern transitions and linear regions crossed by a great circle (relu, hard_tanh): Rice's "
      "formula vs finite networks",
      [](ex::manifold_simulation_options options, const output_flags& flags) {
        const auto& act = options.circle.network.activation;
        if (act != "relu" && act != "hard_tanh") {
          throw invalid_argument("activation", act, "must be relu or hard_tanh (piecewise-linear) for regions");
        }
        options.exact_derivatives = false;
        const auto t = ex::manifold_theory(options.circle);
        const auto s = ex::simulate_manifold(options);
        const fs::path dir = flags.out;
        io::table table;
        table.add("layer", to_vector(s.layer));
        table.add("transitions_theory", to_vector(t.transitions));
        table.add("transitions_mean", to_vector(s.transitions_mean));
        table.add("transitions_sem", to_vector(s.transitions_sem));
        table.add("regions_mean", to_vector(s.regions_mean));
        table.add("regions_sem", to_vector(s.regions_sem));
        table.add("resolved", to_vector(s.resolved));
        write_columns(dir, "regions", table);
        const auto a = ex::compare_layers(s.transitions_mean, s.transitions_sem, t.transitions, s.resolved);
        const auto last = s.layer.size() - 1;
        const json results{{"transitions_final", number(s.transitions_mean[last])},
                           {"transitions_theory_final", number(t.transitions[last])},
                           {"regions_final", number(s.regions_mean[last])},
                           {"agreement", agreement_json(a)}};
        write_meta(dir, "expressivity regions", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} networks of width {}: {} transitions per neuron at layer {} (Rice: {}), {} linear "
                          "regions crossed",
                          options.seeds, options.width, fmt_double(s.transitions_mean[last]), last + 1,
                          fmt_double(t.transitions[last]), fmt_double(s.regions_mean[last]))});
      });
}

}  // namespace

void register_expressivity(CLI::App& app) {
  auto* group = app.add_subcommand(
      "expressivity", "manifolds through deep random networks (Poole et al. 2016; Raghu et al. 2017)");
  group->require_subcommand(1);
  add_manifold(*group);
  add_trajectory(*group);
  add_regions(*group);
}

}  // namespace nt::cli
