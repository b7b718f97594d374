// neurotheory synapses <curve | frontier | design | simulate | benna-fusi | memory>: complex Markov
// synapses (Lahiri & Ganguli 2013; Fusi, Drew & Abbott 2005; Benna & Fusi 2016; Amit & Fusi 1994):
// exact memory curves, the memory frontier, parameter design, Monte Carlo populations, the
// Benna-Fusi chain and an associative memory built from these synapses. A thin layer over
// nt::synapses: flags come from the parameter structs' visit() lists.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/synapses/benna_fusi.hpp"
#include "neurotheory/synapses/design.hpp"
#include "neurotheory/synapses/frontier.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"
#include "neurotheory/synapses/simulate.hpp"

#include "cli_common.hpp"

namespace nt::cli {
namespace {

namespace syn = nt::synapses;
namespace fs = std::filesystem;
using json = nlohmann::json;

// `synapses simulate`: a model and the Monte Carlo options.
struct simulate_cli_options {
  syn::model_options model;
  syn::simulation_options simulation;

  void validate() const {
    model.validate();
    simulation.validate();
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    simulation.visit(v);
  }
};

// `synapses memory`: a model and the associative network.
struct memory_cli_options {
  syn::model_options model;
  syn::associative_options network;

  void validate() const {
    model.validate();
    network.validate();
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    network.visit(v);
  }
};

// `synapses benna-fusi`: the chain, its memory curve for N synapses on a log grid, the best number of
// variables for that N, and (--simulate) the discretised population.
struct benna_fusi_cli_options {
  syn::benna_fusi_discrete_options discrete;  // .chain is the linear chain
  double N = 1e5;
  double threshold = 1.0;
  double t_min = 0.1;
  double t_max = 1e8;
  int points = 81;
  int max_variables = 60;
  bool simulate = false;

  void validate() const {
    discrete.chain.validate();
    require_positive("N", N);
    require_positive("threshold", threshold);
    require_positive("t_min", t_min);
    if (!(t_max > t_min) || !std::isfinite(t_max)) {
      throw invalid_argument("t_max", format_value(t_max), "must be finite and > t_min = " + format_value(t_min));
    }
    require_in_range("points", points, 2, 1000000);
    require_in_range("max_variables", max_variables, 1, 200);
    if (simulate) discrete.validate();
  }
  template <class V>
  void visit(V&& v) {
    discrete.visit(v);
    v("N", N, "number of synapses N (>= 1, may be fractional)");
    v("threshold", threshold, "SNR threshold defining the lifetime (> 0)");
    v("t_min", t_min, "first time of the log-spaced curve (> 0)");
    v("t_max", t_max, "last time of the log-spaced curve (> t_min)");
    v("points", points, "number of curve points (>= 2)");
    v("max_variables", max_variables, "largest m tried when searching the best number of variables");
    v("simulate", simulate, "also simulate the discretised chain (levels, bound, sim_synapses, steps, ...)");
  }
};

// Like add_command, for options holding a model_options `model`: --file alone selects the file model,
// and --file with another --model is a contradiction (exit 2) rather than silently ignored.
template <class Options, class Run>
void add_model_command(CLI::App& group, const std::string& name, const std::string& help, Run run) {
  auto* cmd = group.add_subcommand(name, help);
  auto options = std::make_shared<Options>();
  auto flags = std::make_shared<output_flags>();
  add_fields(*cmd, *options);
  flags->add(*cmd, "neurotheory-out/" + name);
  cmd->callback([cmd, options, flags, run] {
    auto& m = options->model;
    if (!m.file.empty() && cmd->count("--model") == 0) m.model = "file";
    if (!m.file.empty() && m.model != "file") {
      throw invalid_argument("file", m.file,
                             "is read only with --model file (or without --model); got --model " + m.model);
    }
    options->validate();
    run(*options, *flags);
  });
}

std::vector<double> to_std(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }
std::vector<double> to_std(const Eigen::ArrayXd& v) { return {v.data(), v.data() + v.size()}; }

// Writes the table as CSV and one .npy per column.
void write_columns(const fs::path& dir, const std::string& name, const io::table& table) {
  io::write_csv(dir / (name + ".csv"), table);
  for (std::size_t j = 0; j < table.names.size(); ++j) {
    const Eigen::ArrayXd column =
        Eigen::Map<const Eigen::ArrayXd>(table.columns[j].data(), static_cast<Eigen::Index>(table.columns[j].size()));
    io::write_npy(dir / (table.names[j] + ".npy"), column);
  }
}

std::string model_label(const syn::markov_model& model) {
  return fmt::format("{} synapse, M = {} states, f_pot = {}", model.name.empty() ? "user-defined" : model.name,
                     model.states(), fmt_double(model.f_pot));
}

void add_curve(CLI::App& group) {
  add_model_command<syn::curve_options>(
      group, "curve",
      "exact memory curve SNR(t) of N synapses (ideal observer, sqrt(N) included), its initial value, area, "
      "running average and lifetime (SNR = threshold)",
      [](const syn::curve_options& options, const output_flags& flags) {
        const auto model = syn::make_model(options.model);  // file errors before anything is written
        const auto t0 = std::chrono::steady_clock::now();
        const auto c = syn::compute_curve(model, options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        const bool bounded = model.binary_weights();  // the frontier assumes +-1 weights
        io::table curve;
        curve.add("time", to_std(c.times));
        curve.add("snr", to_std(c.snr_curve));
        curve.add("running_average", to_std(c.running));
        if (bounded) curve.add("snr_max", to_std(syn::snr_max(c.times, c.states, c.N, c.rate)));
        write_columns(dir, "curve", curve);
        io::table modes;
        modes.add("tau", to_std(c.spectrum.tau));
        modes.add("weight", to_std(c.spectrum.weight));
        modes.add("rate_imag", to_std(c.spectrum.rate_imag));
        modes.add("weight_imag", to_std(c.spectrum.weight_imag));
        io::write_csv(dir / "modes.csv", modes);
        io::write_npy(dir / "p_inf.npy", Eigen::ArrayXd(c.p_inf.array()));
        io::write_json(dir / "model.json", syn::to_json(model));
        json results{{"model", c.model},
                     {"states", c.states},
                     {"N", number(c.N)},
                     {"time", number(c.time)},
                     {"snr", number(c.snr)},
                     {"snr0", number(c.snr0)},
                     {"area", number(c.area)},
                     {"lifetime", number(c.lifetime)},
                     {"threshold", number(c.threshold)},
                     {"noise_std", number(c.noise_std)},
                     {"modes", c.spectrum.tau.size()},
                     {"slowest_tau", number(c.spectrum.tau.size() > 0 ? c.spectrum.tau.maxCoeff() : 0.0)},
                     {"reversible", c.spectrum.reversible},
                     {"condition", number(c.spectrum.condition)},
                     {"binary_weights", bounded},
                     {"points", c.times.size()},
                     {"seconds", seconds}};
        if (bounded) {
          results["snr_max"] = number(syn::snr_max(c.time, c.states, c.N, c.rate));
          results["lifetime_bound"] = number(syn::lifetime_bound(c.states, c.N, c.rate, c.threshold));
        }
        write_meta(dir, "synapses curve", to_json(options), results);
        std::vector<std::string> summary{
            model_label(model),
            fmt::format("  N = {}: SNR(0) = {}, SNR({}) = {}, area = {}, lifetime (SNR = {}) = {}", fmt_double(c.N),
                        fmt_double(c.snr0), fmt_double(c.time), fmt_double(c.snr), fmt_double(c.area),
                        fmt_double(c.threshold), fmt_double(c.lifetime)),
            fmt::format("  {} modes, slowest time constant {}", c.spectrum.tau.size(),
                        fmt_double(c.spectrum.tau.size() > 0 ? c.spectrum.tau.maxCoeff() : 0.0))};
        if (bounded) {
          summary.push_back(fmt::format("  frontier for M = {}: SNR_max({}) = {}, lifetime bound {}", c.states,
                                        fmt_double(c.time), fmt_double(results["snr_max"].get<double>()),
                                        fmt_double(syn::lifetime_bound(c.states, c.N, c.rate, c.threshold))));
        }
        emit(flags, results, to_json(options), summary);
      });
}

void add_frontier(CLI::App& group) {
  add_command<syn::frontier_options>(
      group, "frontier",
      "the memory frontier of any M-state synapse: envelope SNR_max(t), running-average envelope, initial-SNR, "
      "area and lifetime bounds (Lahiri & Ganguli 2013)",
      [](const syn::frontier_options& options, const output_flags& flags) {
        const auto f = syn::frontier(options);
        // The envelope on a log grid wide enough to show both branches (the kink is at r t = M - 1).
        const double kink = (options.states - 1) / options.rate;
        const double t_lo = std::min(1e-2 * kink, options.time > 0 ? options.time : 1e-2 * kink);
        const double t_hi = std::max(1e3 * kink, 10.0 * options.time);
        const int points = 121;
        const Eigen::VectorXd times = Eigen::VectorXd::LinSpaced(points, std::log(t_lo), std::log(t_hi)).array().exp();
        Eigen::VectorXd running(points);
        for (int k = 0; k < points; ++k) {
          running(k) = syn::running_average_max(times(k), options.states, options.N, options.rate);
        }
        io::table env;
        env.add("time", to_std(times));
        env.add("snr_max", to_std(syn::snr_max(times, options.states, options.N, options.rate)));
        env.add("running_average_max", to_std(running));
        write_columns(flags.out, "frontier", env);
        const json results{{"snr_max", number(f.snr_max)},
                           {"lifetime_bound", number(f.lifetime_bound)},
                           {"running_average_max", number(f.running_average_max)},
                           {"initial_snr_bound", number(f.initial_snr_bound)},
                           {"area_bound", number(f.area_bound)}};
        write_meta(flags.out, "synapses frontier", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("memory frontier of {}-state synapses, N = {}, r = {}", options.states, fmt_double(options.N),
                          fmt_double(options.rate)),
              fmt::format("  SNR_max({}) = {}, running-average envelope {}", fmt_double(options.time),
                          fmt_double(f.snr_max), fmt_double(f.running_average_max)),
              fmt::format("  bounds: SNR(0) <= {}, area <= {}, lifetime (SNR = {}) <= {}",
                          fmt_double(f.initial_snr_bound), fmt_double(f.area_bound), fmt_double(options.threshold),
                          fmt_double(f.lifetime_bound))});
      });
}

void add_simulate(CLI::App& group) {
  add_model_command<simulate_cli_options>(
      group, "simulate",
      "Monte Carlo of a population of synapses storing a stream of memories: the ideal observer's signal of one "
      "memory over time, next to the exact curve",
      [](const simulate_cli_options& options, const output_flags& flags) {
        const auto model = syn::make_model(options.model);
        const auto& s = options.simulation;
        progress(fmt::format("{} x {} synapses, horizon {}", s.repetitions, s.synapses, fmt_double(s.horizon)));
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syn::simulate(model, s);
        const double seconds = seconds_since(t0);
        io::table table;
        table.add("time", to_std(r.time));
        table.add("signal_mean", to_std(r.signal_mean));
        table.add("signal_sem", to_std(r.signal_sem));
        table.add("signal_theory", to_std(r.signal_theory));
        table.add("snr_mean", to_std(r.snr_mean));
        table.add("snr_sem", to_std(r.snr_sem));
        table.add("snr_theory", to_std(r.snr_theory));
        write_columns(flags.out, "simulation", table);
        io::write_npy(flags.out / fs::path("occupancy_end.npy"), Eigen::ArrayXd(r.occupancy_end.array()));
        io::write_npy(flags.out / fs::path("p_inf.npy"), Eigen::ArrayXd(r.stationary.array()));
        const double synapse_steps =
            static_cast<double>(r.synapses) * r.repetitions * (s.time == "discrete" ? s.horizon : s.horizon * s.rate);
        const json results{{"model", model.name},
                           {"states", model.states()},
                           {"synapses", r.synapses},
                           {"repetitions", r.repetitions},
                           {"points", r.time.size()},
                           {"max_z", number(r.max_z)},
                           {"baseline", number(r.baseline)},
                           {"noise_std", number(r.noise_std)},
                           {"snr_first", number(r.time.size() ? r.snr_mean(0) : 0.0)},
                           {"snr_theory_first", number(r.time.size() ? r.snr_theory(0) : 0.0)},
                           {"units", r.units},
                           {"kernel", r.kernel},
                           {"probability_error", number(r.probability_error)},
                           {"seconds", seconds},
                           {"ns_per_synapse_event", number(seconds * 1e9 / std::max(1.0, synapse_steps))}};
        write_meta(flags.out, "synapses simulate", to_json(options), results);
        emit(flags, results, to_json(options),
             {model_label(model),
              fmt::format("  {} x {} synapses ({} time, {} kernel), {} recorded times in {:.3g} s", r.repetitions,
                          r.synapses, s.time, r.kernel, r.time.size(), seconds),
              fmt::format("  largest deviation from the exact signal: {} standard errors", fmt_double(r.max_z))});
      });
}

void add_memory(CLI::App& group) {
  add_model_command<memory_cli_options>(
      group, "memory",
      "an associative memory (feed-forward palimpsest) whose synapses are the model: recall of stored patterns "
      "against their age, simulation next to the single-synapse theory",
      [](const memory_cli_options& options, const output_flags& flags) {
        const auto model = syn::make_model(options.model);
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syn::associative_memory(model, options.network);
        const double seconds = seconds_since(t0);
        io::table table;
        table.add("age", to_std(r.age));
        table.add("recall_mean", to_std(r.recall_mean));
        table.add("recall_sem", to_std(r.recall_sem));
        table.add("recall_theory", to_std(r.recall_theory));
        table.add("snr_theory", to_std(r.snr_theory));
        write_columns(flags.out, "recall", table);
        // z against the binomial standard error at the theory's recall probability: the measured
        // fraction's own p(1-p) vanishes near 1 and would overstate the deviation.
        double max_z = 0;
        const double bits = static_cast<double>(options.network.outputs) * options.network.repetitions;
        for (Eigen::Index k = 0; k < r.age.size(); ++k) {
          const double p = r.recall_theory(k), sem = std::sqrt(p * (1.0 - p) / bits);
          if (sem > 0) max_z = std::max(max_z, std::abs(r.recall_mean(k) - p) / sem);
        }
        const json results{{"model", model.name},
                           {"states", model.states()},
                           {"inputs", options.network.inputs},
                           {"retrieved", r.retrieved},
                           {"retrieved_theory", r.retrieved_theory},
                           {"exact_theory", r.exact_theory},
                           {"max_z", number(max_z)},
                           {"seconds", seconds}};
        write_meta(flags.out, "synapses memory", to_json(options), results);
        emit(flags, results, to_json(options),
             {model_label(model),
              fmt::format("  {} inputs x {} outputs, {} patterns: {} most recent retrieved (theory {}) at criterion {}",
                          options.network.inputs, options.network.outputs, options.network.patterns, r.retrieved,
                          r.retrieved_theory, fmt_double(options.network.criterion))});
      });
}

void add_benna_fusi(CLI::App& group) {
  add_command<benna_fusi_cli_options>(
      group, "benna-fusi",
      "the Benna-Fusi chain of m coupled variables: impulse response, SNR(t) of N synapses, its 1/sqrt(t) regime "
      "and cutoff, lifetime, the best m for N (--simulate: the discretised chain by simulation)",
      [](const benna_fusi_cli_options& options, const output_flags& flags) {
        const auto& chain = options.discrete.chain;
        const auto t0 = std::chrono::steady_clock::now();
        const Eigen::ArrayXd time =
            Eigen::ArrayXd::LinSpaced(options.points, std::log(options.t_min), std::log(options.t_max)).exp();
        const auto c = syn::benna_fusi_memory_curve(chain, time, options.N, options.threshold);
        const auto best = syn::benna_fusi_best_variables(chain, options.N, options.threshold, options.max_variables);
        const fs::path dir = flags.out;
        io::table table;
        table.add("time", to_std(c.time));
        table.add("impulse_response", to_std(c.impulse_response));
        table.add("snr", to_std(c.snr));
        table.add("log_slope", to_std(c.log_slope));
        write_columns(dir, "curve", table);
        const syn::benna_fusi_chain modes(chain);
        io::table m;
        m.add("rate", to_std(modes.rates()));
        m.add("weight", to_std(modes.weights()));
        io::write_csv(dir / "modes.csv", m);
        // The mid-range log-slope: geometric middle of [C_1/g_12, slowest time], the 1/sqrt(t) regime.
        const double t_mid = std::sqrt(std::max(1.0 / chain.g12, 1.0) * c.slowest_time);
        json results{{"variables", chain.variables},
                     {"N", number(options.N)},
                     {"snr0", number(c.snr0)},
                     {"variance", number(c.variance)},
                     {"lifetime", number(c.lifetime)},
                     {"slowest_time", number(c.slowest_time)},
                     {"log_slope_mid", number(modes.log_slope(t_mid))},
                     {"t_mid", number(t_mid)},
                     {"best_variables", best.variables},
                     {"best_lifetime", number(best.lifetime)},
                     {"best_snr0", number(best.snr0)},
                     {"simulated", options.simulate}};
        std::vector<std::string> summary{
            fmt::format("Benna-Fusi chain, m = {}, g12 = {}, C ratio {}, g ratio {}; N = {}", chain.variables,
                        fmt_double(chain.g12), fmt_double(chain.capacity_ratio), fmt_double(chain.conductance_ratio),
                        fmt_double(options.N)),
            fmt::format("  SNR(0) = {}, lifetime (SNR = {}) = {}, slowest time {}, log-slope at t = {}: {}",
                        fmt_double(c.snr0), fmt_double(options.threshold), fmt_double(c.lifetime),
                        fmt_double(c.slowest_time), fmt_double(t_mid), fmt_double(modes.log_slope(t_mid))),
            fmt::format("  best m for this N: {} (lifetime {})", best.variables, fmt_double(best.lifetime))};
        if (options.simulate) {
          progress(fmt::format("simulating {} x {} discretised synapses for {} memories", options.discrete.repeats,
                               options.discrete.synapses, options.discrete.steps));
          const auto s = syn::benna_fusi_simulate(options.discrete);
          io::table st;
          st.add("step", to_std(s.step));
          st.add("signal", to_std(s.signal));
          st.add("signal_stderr", to_std(s.signal_stderr));
          st.add("theory_signal", to_std(s.theory_signal));
          write_columns(dir, "simulation", st);
          double max_z = 0;
          for (Eigen::Index k = 0; k < s.step.size(); ++k) {
            if (s.signal_stderr(k) > 0) {
              max_z = std::max(max_z, std::abs(s.signal(k) - s.theory_signal(k)) / s.signal_stderr(k));
            }
          }
          results["simulation"] = {{"variance", number(s.variance)},
                                   {"theory_variance", number(s.theory_variance)},
                                   {"substeps", s.substeps},
                                   {"max_z", number(max_z)},
                                   {"points", s.step.size()}};
          summary.push_back(fmt::format("  discretised ({} levels): variance {} (linear theory {}), max |z| {}",
                                        options.discrete.levels, fmt_double(s.variance), fmt_double(s.theory_variance),
                                        fmt_double(max_z)));
        }
        results["seconds"] = seconds_since(t0);
        write_meta(dir, "synapses benna-fusi", to_json(options), results);
        emit(flags, results, to_json(options), summary);
      });
}

void add_design(CLI::App& group) {
  add_command<syn::design_options>(
      group, "design",
      "the parameter of a model family (q, epsilon, x, or m for benna-fusi) that maximises the lifetime or the SNR "
      "at --time for N synapses",
      [](const syn::design_options& options, const output_flags& flags) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syn::design(options);
        const double seconds = seconds_since(t0);
        json results{{"model", r.model},
                     {"parameter", r.parameter},
                     {"value", number(r.value)},
                     {r.parameter, number(r.value)},
                     {"lifetime", number(r.lifetime)},
                     {"snr", number(r.snr)},
                     {"snr0", number(r.snr0)},
                     {"objective", number(r.objective)},
                     {"lifetime_bound", number(r.lifetime_bound)},
                     {"snr_bound", number(r.snr_bound)},
                     {"at_boundary", r.at_boundary},
                     {"evaluations", r.evaluations},
                     {"seconds", seconds}};
        write_meta(flags.out, "synapses design", to_json(options), results);
        std::vector<std::string> summary{
            fmt::format("{} synapses, N = {}, target {}: best {} = {}{}", r.model, fmt_double(options.N),
                        options.target == "snr" ? "SNR at t = " + fmt_double(options.time) : std::string("lifetime"),
                        r.parameter, fmt_double(r.value), r.at_boundary ? " (at the end of the search range)" : ""),
            fmt::format("  lifetime {} (bound {}), SNR(0) = {}, SNR({}) = {} (envelope {})", fmt_double(r.lifetime),
                        fmt_double(r.lifetime_bound), fmt_double(r.snr0), fmt_double(options.time), fmt_double(r.snr),
                        fmt_double(r.snr_bound))};
        emit(flags, results, to_json(options), summary);
      });
}

void add_optimise(CLI::App& group) {
  add_command<syn::optimise_options>(
      group, "optimise",
      "a free M-state synapse optimised toward the frontier: gradient ascent on the running-average SNR at tau "
      "(softmax rows, several seeded starts)",
      [](const syn::optimise_options& options, const output_flags& flags) {
        progress(fmt::format("{} starts x {} steps, M = {}", options.restarts, options.iterations, options.states));
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syn::optimise_model(options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        io::write_json(dir / "model.json", syn::to_json(r.model));
        io::table starts;
        starts.add("start_value", to_std(r.start_values));
        starts.add("final_value", to_std(r.final_values));
        io::write_csv(dir / "restarts.csv", starts);
        const json results{{"running_average", number(r.running_average)},
                           {"envelope", number(r.envelope)},
                           {"fraction_of_envelope", number(r.running_average / r.envelope)},
                           {"best_restart", r.best_restart},
                           {"snr0", number(syn::snr0(r.model, options.N))},
                           {"area", number(syn::area(r.model, options.N, options.rate))},
                           {"seconds", seconds}};
        write_meta(dir, "synapses optimise", to_json(options), results);
        emit(flags, results, to_json(options),
             {fmt::format("optimised {}-state synapse, N = {}, tau = {}: SNRbar = {} ({:.1f}% of the envelope {})",
                          options.states, fmt_double(options.N), fmt_double(options.tau), fmt_double(r.running_average),
                          100.0 * r.running_average / r.envelope, fmt_double(r.envelope)),
              "  the model is in model.json (load it with --model file --file model.json)"});
      });
}

void add_scaling(CLI::App& group) {
  add_command<syn::scaling_options>(
      group, "scaling",
      "the best lifetime against N for each family (binary at fixed q, optimal binary, serial, sticky, cascade, "
      "Benna-Fusi) with the fitted growth law",
      [](const syn::scaling_options& options, const output_flags& flags) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syn::lifetime_scaling(options);
        const double seconds = seconds_since(t0);
        const fs::path dir = flags.out;
        std::vector<double> family;
        std::vector<std::string> names;
        for (const auto& m : r.model) {
          const auto it = std::find(names.begin(), names.end(), m);
          family.push_back(static_cast<double>(it - names.begin()));
          if (it == names.end()) names.push_back(m);
        }
        io::table table;
        table.add("family", family);
        table.add("N", r.N);
        table.add("parameter", r.parameter);
        table.add("lifetime", r.lifetime);
        io::write_csv(dir / "scaling.csv", table);
        json fits = json::object();
        std::vector<std::string> summary{"best lifetime vs N (family index in scaling.csv: order of 'families')"};
        for (const auto& f : r.fits) {
          fits[f.model] = {{"exponent", number(f.exponent)},
                           {"law", f.law},
                           {"coefficient", number(f.coefficient)},
                           {"spread", number(f.spread)}};
          summary.push_back(fmt::format("  {:<13} t* ~ {} {} (log-log slope {:.3f}, ratio spread {:.3g})", f.model,
                                        fmt_double(f.coefficient), f.law, f.exponent, f.spread));
        }
        const json results{{"families", names}, {"fits", fits}, {"rows", r.N.size()}, {"seconds", seconds}};
        write_meta(dir, "synapses scaling", to_json(options), results);
        emit(flags, results, to_json(options), summary);
      });
}

}  // namespace

void register_synapses(CLI::App& app) {
  auto* group = app.add_subcommand(
      "synapses",
      "complex synapses: memory curves, the memory frontier, design, Monte Carlo, Benna-Fusi consolidation "
      "(Lahiri & Ganguli 2013; Fusi, Drew & Abbott 2005; Benna & Fusi 2016)");
  group->require_subcommand(1);
  add_curve(*group);
  add_frontier(*group);
  add_design(*group);
  add_optimise(*group);
  add_scaling(*group);
  add_simulate(*group);
  add_benna_fusi(*group);
  add_memory(*group);
}

}  // namespace nt::cli
