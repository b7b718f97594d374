#pragma once
// The named reproductions of the signal-propagation papers' figures, each the mean-field theory next
// to finite-network simulation:
//   length_map     Poole et al. 2016 [P16] Fig. 1: the length map V(q), q^l -> q*, q* and the
//                  layers to reach it over (sigma_w, sigma_b)
//   phase_diagram  [P16] Fig. 2D / Schoenholz et al. 2017 [S17] Fig. 1: chi_1 and c* over
//                  (sigma_w2, sigma_b2) with the critical line chi_1 = 1
//   depth_scales   [S17] Fig. 2: xi_q and xi_c against sigma_w2 at sigma_b2 = 0.05, theory vs fits
//                  to finite networks
//   trajectories   q^l, c^l and the gradient growth per layer (S17 Fig. 4) for ordered, critical and
//                  chaotic tanh networks, Gaussian and orthogonal weights
//   jacobian_spectra  Pennington et al. 2017 [Pe17] Fig. 1: densities of J J^T by free probability
//                  over finite networks' histograms (linear, relu, hard tanh, tanh; both ensembles)
//   spectral_spread   [Pe17] Table 1: the variance of the squared singular values against depth
//   universality   Pennington et al. 2018: orthogonal tanh / hard tanh converging to the two
//                  universal large-depth laws at fixed variance
//   deep_products  L = 10,000: orthogonal tanh against the theory; Ginibre products' log singular
//                  values against their exact Lyapunov exponents
//   manifold_geometry  [P16] Fig. 4: length, curvature and Grassmannian length of a great circle
//                  against depth across the order-to-chaos transition
//   manifold_pca   [P16] Fig. 3: the propagated circle on its top principal components
//   transitions    Raghu et al. 2017: pattern transitions (Rice's formula) and linear regions along
//                  a circle in relu / hard-tanh networks; shallow versus deep
// run() writes DIR/data/<name>/{*.npy, *.csv, meta.json} and DIR/data/summary.json; the figures
// and DIR/index.html are drawn from them by `python3 -m neurotheory.report DIR`.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nt::reproduce {

struct reproduce_options {
  std::string out = "report";  // output folder
  bool quick = false;          // small sizes (width 300): the whole run in seconds (tests)
  std::uint64_t seed = 1;
  std::vector<std::string> only;  // names of the reproductions to run (empty: all of them)

  void validate() const;  // throws nt::invalid_argument naming the field
  template <class V>
  void visit(V&& v) {
    v("out", out, "output folder (data/ is written there, the report's figures/ and index.html next to it)");
    v("quick", quick, "small sizes (width 300, fewer networks): seconds instead of minutes");
    v("seed", seed, "base seed of every simulation's random streams");
    v("only", only, "run only these reproductions (comma-separated names; default: all)");
  }
};

struct reproduction_summary {
  std::string name;
  std::string title;
  double seconds = 0;
  nlohmann::json agreement;  // measured theory-vs-simulation agreement (also in meta.json)
};

// The reproductions run() computes, in order: (name, title).
std::vector<std::pair<std::string, std::string>> reproduction_names();

// Computes every reproduction, writes DIR/data/<name>/{*.npy, *.csv, meta.json} and
// DIR/data/summary.json (the summaries + metadata), returns the summaries. progress(msg) is called
// before each reproduction (may be empty).
std::vector<reproduction_summary> run(const reproduce_options& options,
                                      const std::function<void(const std::string&)>& progress = {});

}  // namespace nt::reproduce
