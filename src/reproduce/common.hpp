#pragma once
// Private helpers shared by the reproductions: replicate networks run in parallel, statistics over
// replicates, exponential-decay fits, agreement summaries and file output.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "neurotheory/core/io.hpp"
#include "neurotheory/reproduce/reproduce.hpp"
#include "neurotheory/signalprop/simulate.hpp"

namespace nt::reproduce::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// What one reproduction hands back to run().
struct reproduction_output {
  nlohmann::json config;                            // every parameter (goes into meta.json's metadata block)
  nlohmann::json agreement;                         // theory-vs-simulation numbers (meta.json and summary.json)
  nlohmann::json extra = nlohmann::json::object();  // further meta.json entries (files, notes)
};

// Where a reproduction writes, and its sizes.
struct context {
  const reproduce_options& options;
  std::filesystem::path dir;  // DIR/data/<name>
  [[nodiscard]] std::filesystem::path file(const std::string& name) const { return dir / name; }
};

// One entry of `neurotheory reproduce`: its name (the data folder and the report's figure key), its
// title, and the function that computes it. The list runs in the order given.
struct reproduction_entry {
  const char* name;
  const char* title;
  reproduction_output (*compute)(const context&);
};

// The reproductions of the deeplinear and synapses modules (src/reproduce/deeplinear.cpp, synapses.cpp),
// appended after the built-in list.
std::vector<reproduction_entry> deeplinear_reproductions();
std::vector<reproduction_entry> synapses_reproductions();

reproduction_output length_map(const context& ctx);
reproduction_output phase_diagram(const context& ctx);
reproduction_output depth_scales(const context& ctx);
reproduction_output trajectories(const context& ctx);
reproduction_output jacobian_spectra(const context& ctx);
reproduction_output spectral_spread(const context& ctx);
reproduction_output universality(const context& ctx);
reproduction_output deep_products(const context& ctx);
reproduction_output manifold_geometry(const context& ctx);
reproduction_output manifold_pca(const context& ctx);
reproduction_output transitions(const context& ctx);

// A seed derived from (base, ids): splitmix64 folding, so replicate networks of different
// reproductions and configurations never share random streams.
std::uint64_t derive_seed(std::uint64_t base, std::initializer_list<std::uint64_t> ids);

// Runs every job (each one replicate network: seeds = 1) in parallel over jobs; results in job
// order, independent of the thread count.
std::vector<signalprop::simulation_result> simulate_jobs(const std::vector<signalprop::simulation_options>& jobs);

// The mean over replicates and its standard error (NaN where fewer than two replicates).
struct mean_sem {
  Eigen::ArrayXXd mean, sem;
};
// per[r] is replicate r's (layers x columns) matrix; columns come in groups of `group` identical
// inputs, averaged within a network first (one value per network), then over networks.
Eigen::ArrayXXd group_average(const Eigen::ArrayXXd& columns, int group);
mean_sem over_replicates(const std::vector<Eigen::ArrayXXd>& per);

// Agreement of a simulated quantity with theory over the compared points (finite entries, sem > 0).
struct agreement_stats {
  double max_z = 0;         // max |sim - theory| / sem
  double rms_z = 0;         // sqrt(mean z^2): ~1 when the deviations are the sampling noise
  double max_relative = 0;  // max |sim / theory - 1|
  double max_abs = 0;       // max |sim - theory|
  long long points = 0;
};
agreement_stats compare(const Eigen::ArrayXXd& mean, const Eigen::ArrayXXd& sem, const Eigen::ArrayXXd& theory,
                        Eigen::Index first_row = 1);
void accumulate(agreement_stats& total, const agreement_stats& part);  // max of maxima, pooled rms
nlohmann::json to_json(const agreement_stats& s);

// Exponential decay |d_l| ~ A exp(-l / xi) fitted by weighted least squares of log|d_l| on l.
// Several sides (e.g. c^l approaching c* from above and from below) are fitted separately and their
// slopes averaged: the leading nonlinear corrections of the map, and a finite-width shift of the
// fixed point, enter the two sides with opposite signs and cancel.
struct decay_side {
  std::vector<Eigen::ArrayXd> per;  // per network: the displacement per layer
  Eigen::ArrayXd theory;            // the theory's displacement per layer
};
struct decay_fit {
  double xi = kNaN;
  double xi_se = kNaN;             // jackknife over networks
  double xi_theory_window = kNaN;  // the theory's trajectories fitted the same way on the same windows
  int first = 0;
  std::vector<int> last;  // per side: last layer of the window (first - 1: side unused)
  [[nodiscard]] int points() const;
};
// Windows start at `first` and end at the last layer before |mean| first drops below `threshold`
// standard errors (and at most `last`); a side needs 3 layers. xi is NaN when no side has them.
decay_fit fit_decay(const std::vector<decay_side>& sides, int first, int last, double threshold);

// .npy output with the overload chosen by the argument's type (expressions and maps are evaluated
// first): a vector is 1-D, a matrix 2-D.
void write_vector(const std::filesystem::path& path, const Eigen::ArrayXd& v);
void write_matrix(const std::filesystem::path& path, const Eigen::ArrayXXd& m);

// Eigen -> std::vector for CSV columns and JSON.
std::vector<double> to_vector(const Eigen::ArrayXd& a);
nlohmann::json json_number(double v);  // null for NaN/inf

// Sizes the reproductions share.
struct sizes {
  int width;
  int replicates;  // Gaussian-weight networks per configuration
  int orthogonal_replicates;
  int copies;  // identical inputs per network (averaged within the network)
};
sizes sizes_for(const reproduce_options& options);

}  // namespace nt::reproduce::detail
