// neurotheory isometry <moments | density | simulate | design>: Jacobian spectra by free probability
// and by simulation, and the initialization designer (Pennington et al. 2017, 2018).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "neurotheory/core/io.hpp"
#include "neurotheory/isometry/design.hpp"
#include "neurotheory/isometry/jacobian.hpp"
#include "neurotheory/isometry/spectrum.hpp"

#include "cli_common.hpp"

namespace nt::cli {
namespace {

namespace iso = nt::isometry;
namespace fs = std::filesystem;
using json = nlohmann::json;

json atoms_json(const std::vector<iso::atom>& atoms) {
  json a = json::array();
  for (const auto& at : atoms) a.push_back(json{{"location", number(at.location)}, {"mass", number(at.mass)}});
  return a;
}

json moments_json(const iso::moments_result& m) {
  return json{{"mean", number(m.mean)},         {"variance", number(m.variance)}, {"lambda_max", number(m.lambda_max)},
              {"second", number(m.second)},     {"third", number(m.third)},       {"q_star", number(m.q_star)},
              {"chi1", number(m.chi1)},         {"mu1", number(m.mu1)},           {"mu2", number(m.mu2)},
              {"mu3", number(m.mu3)},           {"atoms", atoms_json(m.atoms)}};
}

std::string network_label(const signalprop::network_params& n, const std::string& weights, int depth) {
  return fmt::format("{} with {} weights, sigma_w2 = {}, sigma_b2 = {}, L = {}", n.activation, weights, n.sigma_w2,
                     n.sigma_b2, depth);
}

void add_moments(CLI::App& group) {
  add_command<iso::spectrum_params>(
      group, "moments", "mean, variance and largest eigenvalue of J J^T by free probability (at the fixed point)",
      [](const iso::spectrum_params& options, const output_flags& flags) {
        const auto m = iso::moments(options);
        const json results = moments_json(m);
        write_meta(flags.out, "isometry moments", to_json(options), results);
        std::vector<std::string> summary{
            network_label(options.network, options.weights, options.depth),
            fmt::format("  q* = {}   chi_1 = {}   squared singular values: mean {}, variance {}, lambda_max {}",
                        fmt_double(m.q_star), fmt_double(m.chi1), fmt_double(m.mean), fmt_double(m.variance),
                        fmt_double(m.lambda_max))};
        for (const auto& a : m.atoms) {
          summary.push_back(fmt::format("  atom of mass {} at lambda = {}", fmt_double(a.mass), fmt_double(a.location)));
        }
        emit(flags, results, to_json(options), summary);
      });
}

void add_density(CLI::App& group) {
  add_command<iso::density_options>(
      group, "density", "spectral density of J J^T on a grid, by free probability",
      [](const iso::density_options& options, const output_flags& flags) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = iso::density(options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::write_npy(dir / "lambda.npy", r.lambda);
        io::write_npy(dir / "density.npy", r.density);
        io::table table;
        table.add("lambda", to_vector(r.lambda));
        table.add("density", to_vector(r.density));
        io::write_csv(dir / "density.csv", table);
        json results = moments_json(r.moments);
        results["support_min"] = number(r.support_min);
        results["support_max"] = number(r.support_max);
        results["continuous_mass"] = number(r.continuous_mass);
        results["failed_points"] = r.failed_points;
        results["points"] = r.lambda.size();
        results["seconds"] = seconds;
        write_meta(dir, "isometry density", to_json(options), results);
        emit(flags, results, to_json(options),
             {network_label(options.spectrum.network, options.spectrum.weights, options.spectrum.depth),
              fmt::format("  support [{}, {}], continuous mass {}, {} atoms; {} points in {:.3g} s ({} failed)",
                          fmt_double(r.support_min), fmt_double(r.support_max), fmt_double(r.continuous_mass),
                          r.atoms.size(), r.lambda.size(), seconds, r.failed_points)});
      });
}

void add_simulate(CLI::App& group) {
  add_command<iso::jacobian_options>(
      group, "simulate", "empirical singular values of the Jacobians of finite random networks, against the theory",
      [](const iso::jacobian_options& options, const output_flags& flags) {
        progress(fmt::format("Jacobians of {} networks of width {} and depth {}", options.seeds, options.width,
                             options.depth));
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = iso::simulate_jacobian(options);
        const double seconds = seconds_since(t0);
        iso::spectrum_params theory_params;
        theory_params.network = options.network;
        theory_params.weights = options.weights;
        theory_params.depth = options.depth;
        theory_params.q_star = r.q_star;
        const auto theory = iso::moments(theory_params);
        const fs::path dir = flags.out;
        io::write_npy(dir / "lambda.npy", r.lambda);
        io::write_npy(dir / "log_singular_values.npy", r.log_singular_values);
        const json results{{"method", r.method},
                           {"q_star", number(r.q_star)},
                           {"mean", number(r.mean)},
                           {"mean_sem", number(r.mean_sem)},
                           {"variance", number(r.variance)},
                           {"variance_sem", number(r.variance_sem)},
                           {"mean_log", number(r.mean_log)},
                           {"theory_mean", number(theory.mean)},
                           {"theory_variance", number(theory.variance)},
                           {"theory_lambda_max", number(theory.lambda_max)},
                           {"lambda_max", number(r.lambda.maxCoeff())},
                           {"seconds", seconds},
                           {"seconds_sample", r.seconds_sample},
                           {"seconds_product", r.seconds_product},
                           {"seconds_svd", r.seconds_svd},
                           {"product_gflops", number(r.product_gflops)}};
        write_meta(dir, "isometry simulate", to_json(options), results);
        emit(flags, results, to_json(options),
             {network_label(options.network, options.weights, options.depth),
              fmt::format("  {} networks of width {} ({} product), {:.3g} s", options.seeds, options.width, r.method,
                          seconds),
              fmt::format("  mean of lambda {} +- {} (theory {}), variance {} +- {} (theory {})", fmt_double(r.mean),
                          fmt_double(r.mean_sem), fmt_double(theory.mean), fmt_double(r.variance),
                          fmt_double(r.variance_sem), fmt_double(theory.variance))});
      });
}

void add_design(CLI::App& group) {
  add_command<iso::design_options>(
      group, "design", "the critical initialization (sigma_w2, sigma_b2) whose Jacobian spectrum meets a spread target",
      [](const iso::design_options& options, const output_flags& flags) {
        const auto r = iso::design(options);
        json results{{"sigma_w2", number(r.sigma_w2)},
                     {"sigma_b2", number(r.sigma_b2)},
                     {"q_star", number(r.q_star)},
                     {"chi1", number(r.chi1)},
                     {"variance", number(r.variance)},
                     {"lambda_max", number(r.lambda_max)},
                     {"support_min", number(r.support_min)},
                     {"condition", number(r.condition)},
                     {"xi_c", number(r.xi_c)},
                     {"xi_q", number(r.xi_q)},
                     {"target_met", r.target_met},
                     {"isometry_reachable", r.isometry_reachable},
                     {"verdict", r.verdict}};
        write_meta(flags.out, "isometry design", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("{} with {} weights at depth {}: sigma_w2 = {:.7g}, sigma_b2 = {:.4g} (q* = {:.4g})",
                          options.activation, options.weights, options.depth, r.sigma_w2, r.sigma_b2, r.q_star),
              fmt::format("  squared singular values: variance {}, lambda_max {}, condition number {}",
                          fmt_double(r.variance), fmt_double(r.lambda_max), fmt_double(r.condition)),
              "  " + r.verdict});
      });
}

}  // namespace

void register_isometry(CLI::App& app) {
  auto* group = app.add_subcommand(
      "isometry", "Jacobian spectra and dynamical isometry (Pennington, Schoenholz & Ganguli 2017, 2018)");
  group->require_subcommand(1);
  add_moments(*group);
  add_density(*group);
  add_simulate(*group);
  add_design(*group);
}

}  // namespace nt::cli
