#pragma once
// Shared plumbing of the CLI: flags generated from the parameter structs' visit() lists, the
// --json / --out conventions, atomic result folders, progress on stderr, and exit codes
// (0 success, 2 bad input, 1 other failure).
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "neurotheory/core/params.hpp"

namespace nt::cli {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

// One flag per field: --sigma-w2 for sigma_w2; bools get --name / --no-name; vectors take a
// comma-separated list.
template <class Options>
void add_fields(CLI::App& app, Options& options) {
  options.visit([&app](const char* name, auto& field, const char* help) {
    using field_type = std::decay_t<decltype(field)>;
    const std::string flag = flag_name(name);
    if constexpr (std::is_same_v<field_type, bool>) {
      app.add_flag(flag + ",!--no-" + flag.substr(2), field, help)->capture_default_str();
    } else if constexpr (is_vector<field_type>::value) {
      app.add_option(flag, field, help)->delimiter(',')->capture_default_str()->expected(1, -1);
    } else {
      app.add_option(flag, field, help)->capture_default_str();
    }
  });
}

// The --json and --out flags every subcommand has.
struct output_flags {
  bool json = false;
  std::string out;
  void add(CLI::App& app, const std::string& default_out);
};

// Registers `name` under `group` with flags from Options' fields plus --json and --out (default
// neurotheory-out/<name>); when used, validates the options (before anything is written) and
// calls run(options, flags).
template <class Options, class Run>
void add_command(CLI::App& group, const std::string& name, const std::string& help, Run run) {
  auto* cmd = group.add_subcommand(name, help);
  auto options = std::make_shared<Options>();
  auto flags = std::make_shared<output_flags>();
  add_fields(*cmd, *options);
  flags->add(*cmd, "neurotheory-out/" + name);
  cmd->callback([options, flags, run] {
    options->validate();
    run(*options, *flags);
  });
}

// Prints the result: with --json one JSON object (scalars + "parameters") on stdout and nothing
// else; otherwise the human summary lines.
void emit(const output_flags& flags, const nlohmann::json& scalars, const nlohmann::json& parameters,
          const std::vector<std::string>& summary);

// JSON number: NaN and infinities become null (JSON has neither).
nlohmann::json number(double v);
// %.6g, or "inf"/"nan".
std::string fmt_double(double v);
std::vector<double> to_vector(const Eigen::ArrayXd& a);
double seconds_since(std::chrono::steady_clock::time_point t0);
// DIR/meta.json: provenance (command, configuration, version) plus the results.
void write_meta(const std::filesystem::path& dir, const std::string& command, const nlohmann::json& config,
                const nlohmann::json& results);

// True when stderr is a terminal (progress is shown only then).
bool stderr_is_terminal();
void progress(const std::string& message);

void register_signalprop(CLI::App& app);
void register_reproduce(CLI::App& app);
void register_activations(CLI::App& app);
void register_isometry(CLI::App& app);
void register_expressivity(CLI::App& app);
void register_deeplinear(CLI::App& app);
void register_synapses(CLI::App& app);

}  // namespace nt::cli
