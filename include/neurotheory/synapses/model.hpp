#pragma once
// Markov models of complex synapses (Lahiri & Ganguli 2013, NeurIPS, "A memory frontier for complex
// synapses", sec. 2; notes docs/theory/synapses.md sec. 1.1, 1.3). A synapse has M hidden states with
// weights w_i; a candidate plasticity event (Poisson, rate r) is potentiating with probability f_pot
// and applies the row-stochastic matrix M_pot, else M_dep. Everything downstream (memory curves,
// bounds, Monte Carlo, design) reads only this struct.
#include <filesystem>
#include <string>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "neurotheory/core/params.hpp"

namespace nt::synapses {

// The options structs' to_json (core/params.hpp) stays visible next to the model's overload below.
using nt::to_json;

struct markov_model {
  Eigen::MatrixXd potentiation;  // M x M row-stochastic M_pot: applied at a potentiating event
  Eigen::MatrixXd depression;    // M x M row-stochastic M_dep: applied at a depressing event
  Eigen::VectorXd weights;       // w_i = -1 or +1 (multistate(): linearly spaced in [-1, 1])
  double f_pot = 0.5;            // fraction of events that potentiate (f_dep = 1 - f_pot)
  std::string name;

  [[nodiscard]] int states() const { return static_cast<int>(weights.size()); }
  [[nodiscard]] double f_dep() const { return 1.0 - f_pot; }
  // Throws nt::invalid_argument (field "potentiation"/"depression"/"weights"/"f_pot", naming the
  // row/column and value) unless: M >= 2, both matrices M x M with entries in [0, 1] (1e-12 slack)
  // and rows summing to 1 within 1e-12, every weight in [-1, 1] and finite, f_pot in (0, 1).
  // Weights other than +-1 are allowed (multistate) but the frontier bounds assume +-1.
  void validate() const;
  // True when every weight is exactly -1 or +1 (the setting of the frontier bounds).
  [[nodiscard]] bool binary_weights() const;
  // Forgetting generator W_F = f_pot M_pot + f_dep M_dep - I (LG13 eq. 2), rows sum to 0.
  [[nodiscard]] Eigen::MatrixXd generator() const;
};

// Built-in models (notes 1.3). All with f_pot = 1/2; states ordered weak -> strong.
// Binary switch (Amit & Fusi 1994): M = 2, switching probability q in (0, 1].
markov_model binary(double q);
// Serial chain (Leibold & Kempter 2008 as in LG13): M >= 2 even, potentiation one step up with
// probability q in (0, 1], depression one step down; first M/2 states w = -1, last M/2 w = +1.
markov_model serial(int M, double q);
// Sticky serial chain (LG13 Fig. 5c): serial with q = 1 except the exits from the two end states,
// which have probability epsilon in (0, 1]. epsilon = 1 is serial(M, 1).
markov_model sticky_serial(int M, double epsilon);
// Multistate model with LINEAR weights w_i = -1 + 2 i / (M - 1) (the one built-in that is not +-1;
// the topology is the serial chain; LG13 code "multistate"). M >= 2 (any parity), q in (0, 1].
markov_model multistate(int M, double q);
// Cascade (Fusi, Drew & Abbott 2005 as built by LG13's CascadeOriginal, notes 1.3): M = 2n >= 4,
// x in (0, 1/2]. Depth d = 1..n from the weak/strong boundary; on the strong side an opposite (depressing)
// event at depth d jumps to the weak depth-1 state with probability x^(d-1) (d < n), x^(n-1)/(1-x) (d = n);
// a same-sign event at depth d < n moves one level deeper with probability x^d / (1-x). Weak side mirrored.
// State index: weak depth d is n - d, strong depth d is n - 1 + d.
markov_model cascade(int M, double x);

// Reading and writing user-defined models. The document (TOML table or JSON object) has
//   name = "..." (optional), f_pot = 0.5 (optional, default 1/2),
//   weights = [-1, -1, 1, 1], potentiation = [[...], ...], depression = [[...], ...]
// load_model picks the format from the extension (.toml, .json; otherwise by content) and validates;
// a missing/unreadable file throws nt::io_error, a syntax error or a bad model nt::invalid_argument.
markov_model load_model(const std::filesystem::path& path);
markov_model model_from_json(const nlohmann::json& document);
markov_model model_from_toml(const std::string& text);
nlohmann::json to_json(const markov_model& model);

// One struct from which the CLI and Python build any model (built-in or file).
struct model_options {
  std::string model = "serial";  // binary | serial | sticky | multistate | cascade | file
  int states = 12;               // M (ignored by binary, which has 2)
  double q = 0.5;                // transition probability (binary, serial, multistate)
  double x = 0.5;                // cascade ratio
  double epsilon = 0.01;         // sticky-chain exit probability
  std::string file;              // model file (model = file)

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("model", model, "synapse model: binary, serial, sticky, multistate, cascade or file");
    v("states", states,
      "number of internal states M (serial, sticky: even >= 2; cascade: even >= 4; ignored by binary)");
    v("q", q, "transition probability of the binary, serial and multistate models, in (0, 1]");
    v("x", x, "cascade ratio x in (0, 1/2]");
    v("epsilon", epsilon, "sticky serial chain: exit probability of the end states, in (0, 1]");
    v("file", file, "TOML or JSON file defining the model (with --model file)");
  }
};
markov_model make_model(const model_options& options);

}  // namespace nt::synapses
