// nt::reproduce::run with the quick sizes: the files it writes, their metadata, and the measured
// theory-vs-simulation agreement, whose bounds follow from the number of networks and points compared.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/distributions/students_t.hpp>
#include <nlohmann/json.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/reproduce/reproduce.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

class temp_dir {
 public:
  temp_dir() : path_(fs::temp_directory_path() / ("nt_reproduce_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The largest |z| expected among `points` Student-t(dof) deviates, at family-wise level 1e-3
// (Bonferroni), times 1.5 for the O(1/N) finite-width bias the mean-field limit leaves at N = 300.
double z_bound(long long points, int replicates) {
  const double dof = std::max(1, replicates - 1);
  const boost::math::students_t_distribution<double> t(dof);
  const double p = 1e-3 / (2.0 * static_cast<double>(std::max(1LL, points)));
  return 1.5 * boost::math::quantile(boost::math::complement(t, p));
}

// Every agreement_stats object (it has max_z) with the replicate count of its nearest enclosing object.
void for_each_stats(const json& j, int replicates, const std::string& path,
                    const std::function<void(const std::string&, const json&, int)>& f) {
  if (!j.is_object()) return;
  if (j.contains("replicates") && j["replicates"].is_number()) replicates = j["replicates"].get<int>();
  for (const auto& [key, value] : j.items()) {
    if (!value.is_object()) continue;
    if (value.contains("max_z")) {
      f(path + key, value, replicates);
    } else {
      for_each_stats(value, replicates, path + key + ".", f);
    }
  }
}

// Every reproduction `neurotheory reproduce` knows, in its order; a registration dropped or added
// by mistake shows here.
TEST(Reproduce, KnowsEveryReproduction) {
  const std::vector<std::string> expected = {
      "length_map",      "phase_diagram",   "depth_scales",         "trajectories",       "jacobian_spectra",
      "spectral_spread", "universality",    "deep_products",        "manifold_geometry",  "manifold_pca",
      "transitions",     "mode_dynamics",   "semantic_development", "hierarchy_spectrum", "generalization_dynamics",
      "memory_curves",   "memory_frontier", "benna_fusi_decay",     "lifetime_scaling"};
  std::vector<std::string> got;
  for (const auto& [name, title] : nt::reproduce::reproduction_names()) {
    got.push_back(name);
    EXPECT_FALSE(title.empty()) << name;
  }
  EXPECT_EQ(got, expected);
}

// Accuracy the quick sizes reach (N = 300) for the signal-propagation reproductions: relative errors
// of the simulated quantities.
void check_signalprop_accuracy(const std::string& name, const fs::path& folder, const json& agreement) {
  if (name == "length_map") {
    EXPECT_LT(agreement["q"]["max_relative_error"].get<double>(), 0.12);
    const auto map_v = nt::io::read_npy(folder / "map_v.npy");
    EXPECT_EQ(map_v.cols(), 3);
    EXPECT_EQ(map_v.rows(), nt::io::read_npy(folder / "map_q.npy").rows());
  } else if (name == "phase_diagram") {
    EXPECT_LT(agreement["chi1"]["max_relative_error"].get<double>(), 0.05);
    EXPECT_LT(agreement["critical_line_max_abs_chi1_minus_1"].get<double>(), 1e-8);
    EXPECT_EQ(agreement["grid_failed_points"], 0);
    const auto chi1 = nt::io::read_npy(folder / "chi1.npy");
    EXPECT_EQ(chi1.rows(), nt::io::read_npy(folder / "sigma_w2.npy").rows());
    EXPECT_EQ(chi1.cols(), nt::io::read_npy(folder / "sigma_b2.npy").rows());
  } else if (name == "depth_scales") {
    EXPECT_EQ(agreement["xi_c_fitted_points"], 4);
    EXPECT_EQ(agreement["xi_q_fitted_points"], 4);
    EXPECT_LT(agreement["xi_c_median_relative_error_vs_asymptotic"].get<double>(), 0.2);
    EXPECT_LT(agreement["xi_q_median_relative_error_vs_asymptotic"].get<double>(), 0.15);
    EXPECT_NEAR(agreement["critical_sigma_w2"].get<double>(), 1.760955, 1e-5);
  } else if (name == "trajectories") {
    for (const char* ensemble : {"gaussian", "orthogonal"}) {
      SCOPED_TRACE(ensemble);
      EXPECT_LT(agreement[ensemble]["q"]["max_relative_error"].get<double>(), 0.15);
      EXPECT_LT(agreement[ensemble]["c"]["max_abs_error"].get<double>(), 0.06);
      EXPECT_LT(agreement[ensemble]["gradient"]["max_relative_error"].get<double>(), 0.1);
    }
  }
}

// One test per reproduction (ctest runs them in parallel): the quick run of that reproduction alone
// (`--only NAME`), the files it writes, their metadata, and its theory-vs-simulation agreement.
class ReproduceEach : public ::testing::TestWithParam<std::string> {};

TEST_P(ReproduceEach, QuickRunWritesDataAndAgreesWithTheory) {
  const std::string name = GetParam();
  temp_dir dir;
  nt::reproduce::reproduce_options options;
  options.out = (dir.path() / "report").string();
  options.quick = true;
  options.seed = 7;
  options.only = {name};
  std::vector<std::string> progress;
  const auto summaries = nt::reproduce::run(options, [&](const std::string& m) { progress.push_back(m); });
  std::cout << "seed " << options.seed << ", quick sizes\n";
  ASSERT_EQ(summaries.size(), 1U);
  ASSERT_EQ(progress.size(), 1U);
  const auto& s = summaries.front();
  EXPECT_EQ(s.name, name);
  EXPECT_FALSE(s.title.empty());
  EXPECT_GT(s.seconds, 0.0);

  // The signal-propagation reproductions run at the quick width; the others choose theirs per panel.
  const std::set<std::string> quick_width = {"length_map", "phase_diagram", "depth_scales", "trajectories"};

  const fs::path data = fs::path(options.out) / "data";
  const json summary = read_json(data / "summary.json");
  EXPECT_TRUE(summary.contains("neurotheory_version"));
  EXPECT_EQ(summary["config"]["reproduce"]["quick"], true);
  EXPECT_EQ(summary["config"]["reproduce"]["seed"], 7);
  ASSERT_EQ(summary["reproductions"].size(), 1U);
  EXPECT_EQ(summary["reproductions"][0]["name"], name);

  const fs::path folder = data / s.name;
  const json meta = read_json(folder / "meta.json");
  // Metadata block with the full configuration and the seeds.
  EXPECT_EQ(meta["name"], s.name);
  EXPECT_EQ(meta["neurotheory_version"], nt::io::version());
  EXPECT_EQ(meta["command"], "reproduce " + s.name);
  ASSERT_TRUE(meta["config"].is_object());
  EXPECT_EQ(meta["config"]["reproduce"]["seed"], 7);
  EXPECT_EQ(meta["config"]["reproduce"]["quick"], true);
  ASSERT_TRUE(meta["config"]["simulation_seeds"].is_array());
  EXPECT_FALSE(meta["config"]["simulation_seeds"].empty());
  if (quick_width.count(s.name) != 0) {
    EXPECT_EQ(meta["config"]["width"], 300);
  } else {
    EXPECT_GT(meta["config"]["width"].get<double>(), 0);
  }
  ASSERT_TRUE(meta["agreement"].is_object());
  EXPECT_FALSE(meta["agreement"].empty());
  EXPECT_EQ(meta["agreement"], s.agreement);
  // Every file meta.json lists exists and is not empty.
  ASSERT_TRUE(meta["files"].is_object());
  for (const auto& [key, description] : meta["files"].items()) {
    std::stringstream list(key);
    std::string file;
    while (std::getline(list, file, ',')) {
      file.erase(0, file.find_first_not_of(' '));
      EXPECT_TRUE(fs::exists(folder / file)) << file;
      if (fs::exists(folder / file)) {
        EXPECT_GT(fs::file_size(folder / file), 20U) << file;
      }
    }
  }
  // Agreement: z-scores within the bound their sample sizes allow, and sampling-sized on average.
  int checked = 0;
  for_each_stats(meta["agreement"], 0, "", [&](const std::string& path, const json& st, int replicates) {
    SCOPED_TRACE(path);
    ASSERT_GT(replicates, 1);
    const auto points = st["points"].get<long long>();
    EXPECT_GT(points, 0);
    const double bound = z_bound(points, replicates);
    std::cout << s.name << " " << path << ": max_z " << st["max_z"] << " (bound " << bound << "), rms_z " << st["rms_z"]
              << ", points " << points << ", replicates " << replicates << "\n";
    EXPECT_LT(st["max_z"].get<double>(), bound);
    EXPECT_LT(st["rms_z"].get<double>(), 3.0);
    ++checked;
  });
  EXPECT_GT(checked, 0);
  check_signalprop_accuracy(name, folder, meta["agreement"]);
}

std::vector<std::string> all_names() {
  std::vector<std::string> names;
  for (const auto& [name, title] : nt::reproduce::reproduction_names()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Quick, ReproduceEach, ::testing::ValuesIn(all_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(Reproduce, ValidationNamesTheField) {
  nt::reproduce::reproduce_options options;
  options.out = "";
  try {
    options.validate();
    FAIL() << "an empty out was accepted";
  } catch (const nt::invalid_argument& e) {
    EXPECT_EQ(e.field(), "out");
  }
  temp_dir dir;
  const auto file = dir.path() / "a_file";
  std::ofstream(file) << "x";
  options.out = file.string();
  try {
    (void)nt::reproduce::run(options);
    FAIL() << "a file as the output folder was accepted";
  } catch (const nt::invalid_argument& e) {
    EXPECT_EQ(e.field(), "out");
    EXPECT_NE(std::string(e.what()).find("a_file"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(file.parent_path() / "a_file" / "data"));
  options.out = (dir.path() / "fresh").string();
  EXPECT_NO_THROW(options.validate());
}

}  // namespace
