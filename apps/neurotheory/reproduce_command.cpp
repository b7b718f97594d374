// neurotheory reproduce [--quick] [--out DIR]: every reproduction's data (C++), then the figures and
// DIR/index.html drawn by the Python package (python3 -m neurotheory.report DIR).
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/reproduce/reproduce.hpp"

#include "cli_common.hpp"

extern char** environ;

namespace nt::cli {
namespace {

#ifndef NEUROTHEORY_PYTHON_EXECUTABLE
#define NEUROTHEORY_PYTHON_EXECUTABLE "python3"
#endif
#ifndef NEUROTHEORY_PYTHONPATH
#define NEUROTHEORY_PYTHONPATH ""
#endif

constexpr const char* kInstallHint = "apt-get install python3 python3-numpy python3-matplotlib";

// Runs `python -m neurotheory.report DIR`; the package is found on NEUROTHEORY_PYTHONPATH (the build
// tree) before anything installed. Returns the exit status, or -1 when Python cannot be started.
int run_report(const std::string& python, const std::filesystem::path& out) {
  std::string path = NEUROTHEORY_PYTHONPATH;
  if (const char* existing = std::getenv("PYTHONPATH"); existing != nullptr && *existing != '\0') {
    path = path.empty() ? existing : path + ":" + existing;
  }
  if (!path.empty()) ::setenv("PYTHONPATH", path.c_str(), 1);
  const std::string dir = out.string();
  std::vector<std::string> args{python, "-m", "neurotheory.report", dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128;
}

}  // namespace

void register_reproduce(CLI::App& app) {
  auto* cmd = app.add_subcommand("reproduce",
                                 "the main job: compute every reproduction (theory next to simulation) and write the "
                                 "HTML report");
  auto options = std::make_shared<reproduce::reproduce_options>();
  auto json_flag = std::make_shared<bool>(false);
  add_fields(*cmd, *options);
  cmd->add_flag("--json", *json_flag, "print one JSON object summarising the run");
  cmd->callback([options, json_flag] {
    options->validate();
    const auto t0 = std::chrono::steady_clock::now();
    const auto summaries = reproduce::run(*options, [](const std::string& message) { progress(message); });
    const char* override_python = std::getenv("NEUROTHEORY_PYTHON");
    const std::string python =
        override_python != nullptr && *override_python != '\0' ? override_python : NEUROTHEORY_PYTHON_EXECUTABLE;
    progress("drawing the figures and index.html");
    const int status = run_report(python, options->out);
    const std::filesystem::path out = options->out;
    if (status == -1) {
      throw nt::error(
          fmt::format("cannot run the Python interpreter '{}' to draw the report (the data is in {}); "
                      "install it with: {} (or set NEUROTHEORY_PYTHON)",
                      python, (out / "data").string(), kInstallHint));
    }
    if (status != 0) {
      throw nt::error(
          fmt::format("drawing the report failed (exit {}; the data is in {}); it needs numpy and "
                      "matplotlib: {}",
                      status, (out / "data").string(), kInstallHint));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (*json_flag) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& s : summaries)
        list.push_back({{"name", s.name}, {"seconds", s.seconds}, {"agreement", s.agreement}});
      std::cout << nlohmann::json{{"report", (out / "index.html").string()},
                                  {"reproductions", list},
                                  {"seconds", seconds},
                                  {"parameters", to_json(*options)}}
                       .dump()
                << std::endl;
    } else {
      for (const auto& s : summaries)
        std::cout << fmt::format("  {:<16} {:6.1f} s  {}", s.name, s.seconds, s.title) << "\n";
      std::cout << fmt::format("report: {} ({:.0f} s)", (out / "index.html").string(), seconds) << std::endl;
    }
  });
}

}  // namespace nt::cli
