#include "cli_common.hpp"
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <iostream>

#include "neurotheory/core/io.hpp"

namespace nt::cli {

void output_flags::add(CLI::App& app, const std::string& default_out) {
  out = default_out;
  app.add_flag("--json", json, "print exactly one JSON object (scalar results and parameters) on stdout");
  app.add_option("--out", out, "output folder for the result files (JSON metadata, .npy arrays, CSV tables)")
      ->capture_default_str();
}

void emit(const output_flags& flags, const nlohmann::json& scalars, const nlohmann::json& parameters,
          const std::vector<std::string>& summary) {
  if (flags.json) {
    nlohmann::json j = scalars;
    j["parameters"] = parameters;
    j["out"] = flags.out;
    std::cout << j.dump() << std::endl;
    return;
  }
  for (const auto& line : summary) std::cout << line << "\n";
  std::cout << fmt::format("results written to {}/", flags.out) << std::endl;
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string fmt_double(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : fmt::format("{}", v); }

std::vector<double> to_vector(const Eigen::ArrayXd& a) { return {a.data(), a.data() + a.size()}; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void write_meta(const std::filesystem::path& dir, const std::string& command, const nlohmann::json& config,
                const nlohmann::json& results) {
  nlohmann::json meta = io::metadata(command, config);
  meta["results"] = results;
  io::write_json(dir / "meta.json", meta);
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) != 0; }

void progress(const std::string& message) {
  if (stderr_is_terminal()) std::cerr << "[neurotheory] " << message << std::endl;
}

}  // namespace nt::cli
