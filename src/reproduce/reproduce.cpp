#include "neurotheory/reproduce/reproduce.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/params.hpp"

#include "common.hpp"

namespace nt::reproduce {
namespace {

using entry = detail::reproduction_entry;

std::vector<entry> all_entries() {
  std::vector<entry> list = {
      {"length_map", "Length map and its fixed point (Poole et al. 2016, Fig. 1)", &detail::length_map},
      {"phase_diagram", "Order-to-chaos phase diagram (Poole et al. 2016, Fig. 2D; Schoenholz et al. 2017, Fig. 1)",
       &detail::phase_diagram},
      {"depth_scales", "Depth scales xi_q and xi_c (Schoenholz et al. 2017, Fig. 2)", &detail::depth_scales},
      {"trajectories",
       "Signal and gradient propagation, Gaussian and orthogonal weights (Schoenholz et al. 2017, Fig. 4)",
       &detail::trajectories},
      {"jacobian_spectra",
       "Jacobian spectra at criticality, free probability vs finite networks (Pennington et al. 2017, Fig. 1)",
       &detail::jacobian_spectra},
      {"spectral_spread", "Spread of the Jacobian spectrum against depth (Pennington et al. 2017, Table 1)",
       &detail::spectral_spread},
      {"universality", "Universal large-depth spectra of orthogonal networks (Pennington et al. 2018)",
       &detail::universality},
      {"deep_products", "Ten-thousand-layer Jacobians: orthogonal tanh and Ginibre products", &detail::deep_products},
      {"manifold_geometry",
       "Length, curvature and Grassmannian length of a circle through deep networks (Poole et al. 2016, Fig. 4)",
       &detail::manifold_geometry},
      {"manifold_pca", "The circle in its top principal components, ordered vs chaotic (Poole et al. 2016, Fig. 3)",
       &detail::manifold_pca},
      {"transitions", "Pattern transitions and linear regions along a circle (Raghu et al. 2017)",
       &detail::transitions},
  };
  for (const auto& more : {detail::deeplinear_reproductions(), detail::synapses_reproductions()}) {
    list.insert(list.end(), more.begin(), more.end());
  }
  return list;
}

const std::vector<entry>& entries() {
  static const std::vector<entry> list = all_entries();
  return list;
}

}  // namespace

void reproduce_options::validate() const {
  if (out.empty()) throw invalid_argument("out", "\"\"", "must name an output folder");
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec)) {
    throw invalid_argument("out", out, "must be a folder (a file of that name exists)");
  }
  for (const auto& name : only) {
    bool known = false;
    for (const auto& e : entries()) known = known || name == e.name;
    if (!known) {
      std::string names;
      for (const auto& e : entries()) names += (names.empty() ? "" : ", ") + std::string(e.name);
      throw invalid_argument("only", name, "must name a reproduction: " + names);
    }
  }
}

std::vector<std::pair<std::string, std::string>> reproduction_names() {
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& e : entries()) names.emplace_back(e.name, e.title);
  return names;
}

std::vector<reproduction_summary> run(const reproduce_options& options,
                                      const std::function<void(const std::string&)>& progress) {
  options.validate();
  const std::filesystem::path data = std::filesystem::path(options.out) / "data";
  const auto clock = [] { return std::chrono::steady_clock::now(); };
  const auto start = clock();
  std::vector<reproduction_summary> summaries;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries()) {
    if (!options.only.empty() && std::find(options.only.begin(), options.only.end(), e.name) == options.only.end()) {
      continue;
    }
    if (progress) progress(std::string(e.name) + ": " + e.title);
    const detail::context ctx{options, data / e.name};
    const auto t0 = clock();
    auto result = e.compute(ctx);
    const double seconds = std::chrono::duration<double>(clock() - t0).count();

    nlohmann::json config = {{"reproduce", nt::to_json(options)}, {"threads", thread_count()}};
    config.update(result.config);
    auto meta = io::metadata(std::string("reproduce ") + e.name, config);
    meta["name"] = e.name;
    meta["title"] = e.title;
    meta["seconds"] = seconds;
    meta["agreement"] = result.agreement;
    meta.update(result.extra);
    io::write_json(ctx.file("meta.json"), meta);

    summaries.push_back({e.name, e.title, seconds, result.agreement});
    list.push_back({{"name", e.name}, {"title", e.title}, {"seconds", seconds}, {"agreement", result.agreement}});
  }
  auto summary = io::metadata("reproduce", {{"reproduce", nt::to_json(options)}, {"threads", thread_count()}});
  summary["reproductions"] = list;
  summary["total_seconds"] = std::chrono::duration<double>(clock() - start).count();
  io::write_json(data / "summary.json", summary);
  return summaries;
}

}  // namespace nt::reproduce
