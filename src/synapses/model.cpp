// Markov synapse models: validation, built-ins (notes 1.3), TOML/JSON files.
#include "neurotheory/synapses/model.hpp"
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "neurotheory/core/error.hpp"

namespace nt::synapses {

namespace {

constexpr double kStochasticTol = 1e-12;  // rows sum to 1, entries in [0, 1], within this

void check_matrix(const char* which, const Eigen::MatrixXd& m, Eigen::Index M) {
  if (m.rows() != M || m.cols() != M) {
    throw invalid_argument(which, fmt::format("{}x{} matrix", m.rows(), m.cols()),
                           fmt::format("must be {0}x{0} (one row and column per state)", M));
  }
  for (Eigen::Index i = 0; i < M; ++i) {
    for (Eigen::Index j = 0; j < M; ++j) {
      const double v = m(i, j);
      if (!std::isfinite(v) || v < -kStochasticTol || v > 1.0 + kStochasticTol) {
        throw invalid_argument(fmt::format("{}[{}][{}]", which, i, j), format_value(v),
                               "transition probabilities must lie in [0, 1]");
      }
    }
    const double s = m.row(i).sum();
    if (std::abs(s - 1.0) > kStochasticTol) {
      throw invalid_argument(fmt::format("{} row {}", which, i), fmt::format("sum {}", format_value(s)),
                             "each row of a stochastic matrix must sum to 1 (within 1e-12)");
    }
  }
}

markov_model empty_model(int M, std::string name) {
  markov_model m;
  m.potentiation = Eigen::MatrixXd::Identity(M, M);
  m.depression = Eigen::MatrixXd::Identity(M, M);
  m.weights = Eigen::VectorXd::Ones(M);
  m.weights.head(M / 2).setConstant(-1.0);
  m.f_pot = 0.5;
  m.name = std::move(name);
  return m;
}

// Moves probability `p` of the event's row `from` to `to` (the rest stays on the diagonal).
void move(Eigen::MatrixXd& m, int from, int to, double p) {
  m(from, from) -= p;
  m(from, to) += p;
}

void require_even_states(const char* model, int M, int lo) {
  if (M < lo || M % 2 != 0) {
    throw invalid_argument("states", std::to_string(M),
                           fmt::format("the {} model needs an even number of states >= {}", model, lo));
  }
}

void require_probability(const char* field, double p) {
  if (!(p > 0.0 && p <= 1.0)) throw invalid_argument(field, format_value(p), "must lie in (0, 1]");
}

// --- documents ------------------------------------------------------------------------------------

double number_at(const nlohmann::json& v, const std::string& where) {
  if (!v.is_number()) throw invalid_argument(where, v.dump(), "must be a number");
  return v.get<double>();
}

Eigen::MatrixXd matrix_from(const nlohmann::json& doc, const char* key, Eigen::Index M) {
  if (!doc.contains(key)) throw invalid_argument(key, "missing", "the model file must give this M x M matrix");
  const auto& a = doc.at(key);
  if (!a.is_array() || static_cast<Eigen::Index>(a.size()) != M) {
    throw invalid_argument(key, a.is_array() ? fmt::format("{} rows", a.size()) : a.dump(),
                           fmt::format("must be an array of {} rows (one per weight)", M));
  }
  Eigen::MatrixXd m(M, M);
  for (Eigen::Index i = 0; i < M; ++i) {
    const auto& row = a.at(static_cast<std::size_t>(i));
    if (!row.is_array() || static_cast<Eigen::Index>(row.size()) != M) {
      throw invalid_argument(fmt::format("{} row {}", key, i), row.dump(),
                             fmt::format("must be an array of {} numbers", M));
    }
    for (Eigen::Index j = 0; j < M; ++j) {
      m(i, j) = number_at(row.at(static_cast<std::size_t>(j)), fmt::format("{}[{}][{}]", key, i, j));
    }
  }
  return m;
}

nlohmann::json toml_to_json(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
    return j;
  }
  if (const auto* a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(toml_to_json(v));
    return j;
  }
  if (const auto* v = node.as_integer()) return static_cast<double>(v->get());
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  return nlohmann::json("<unsupported TOML value>");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

bool markov_model::binary_weights() const {
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    if (weights(i) != 1.0 && weights(i) != -1.0) return false;
  }
  return true;
}

void markov_model::validate() const {
  const Eigen::Index M = weights.size();
  if (M < 2) throw invalid_argument("weights", fmt::format("{} states", M), "a synapse needs at least 2 states");
  for (Eigen::Index i = 0; i < M; ++i) {
    if (!(std::abs(weights(i)) <= 1.0)) {
      throw invalid_argument(fmt::format("weights[{}]", i), format_value(weights(i)),
                             "must lie in [-1, 1] (usually -1 or +1)");
    }
  }
  check_matrix("potentiation", potentiation, M);
  check_matrix("depression", depression, M);
  if (!(f_pot > 0.0 && f_pot < 1.0)) throw invalid_argument("f_pot", format_value(f_pot), "must lie in (0, 1)");
}

Eigen::MatrixXd markov_model::generator() const {
  const Eigen::Index M = weights.size();
  // W_F = f_pot M_pot + f_dep M_dep - I; the diagonal is set from the row sums so rows sum to 0 exactly
  // up to rounding of the off-diagonal sum (keeps p_inf and the zero mode clean).
  Eigen::MatrixXd w = f_pot * potentiation + f_dep() * depression;
  for (Eigen::Index i = 0; i < M; ++i) {
    w(i, i) = 0.0;
    w(i, i) = -w.row(i).sum();
  }
  return w;
}

markov_model binary(double q) {
  require_probability("q", q);
  markov_model m = empty_model(2, "binary");
  move(m.potentiation, 0, 1, q);
  move(m.depression, 1, 0, q);
  return m;
}

markov_model serial(int M, double q) {
  require_even_states("serial", M, 2);
  require_probability("q", q);
  markov_model m = empty_model(M, "serial");
  for (int s = 0; s + 1 < M; ++s) move(m.potentiation, s, s + 1, q);
  for (int s = 1; s < M; ++s) move(m.depression, s, s - 1, q);
  return m;
}

markov_model sticky_serial(int M, double epsilon) {
  require_even_states("sticky serial", M, 2);
  require_probability("epsilon", epsilon);
  markov_model m = empty_model(M, "sticky");
  // q = 1 inside; the end states are left (potentiation out of 0, depression out of M-1) with epsilon.
  for (int s = 0; s + 1 < M; ++s) move(m.potentiation, s, s + 1, s == 0 ? epsilon : 1.0);
  for (int s = 1; s < M; ++s) move(m.depression, s, s - 1, s == M - 1 ? epsilon : 1.0);
  return m;
}

markov_model multistate(int M, double q) {
  if (M < 2) throw invalid_argument("states", std::to_string(M), "the multistate model needs >= 2 states");
  require_probability("q", q);
  markov_model m = empty_model(M, "multistate");
  for (int s = 0; s < M; ++s) m.weights(s) = -1.0 + 2.0 * s / (M - 1);
  for (int s = 0; s + 1 < M; ++s) move(m.potentiation, s, s + 1, q);
  for (int s = 1; s < M; ++s) move(m.depression, s, s - 1, q);
  return m;
}

markov_model cascade(int M, double x) {
  require_even_states("cascade", M, 4);
  if (!(x > 0.0 && x <= 0.5)) {
    throw invalid_argument("x", format_value(x),
                           "the cascade ratio must lie in (0, 1/2] (transition probabilities <= 1)");
  }
  const int n = M / 2;
  markov_model m = empty_model(M, "cascade");
  for (int d = 1; d <= n; ++d) {
    // FDA05 / LG13 CascadeOriginal: switch probability x^(d-1), the deepest enhanced by 1/(1-x) so the
    // levels' occupancies balance; metaplastic step deeper with x^d/(1-x).
    const double qd = d < n ? std::pow(x, d - 1) : std::pow(x, n - 1) / (1.0 - x);
    const int weak = n - d, strong = n - 1 + d;
    move(m.potentiation, weak, n, qd);
    move(m.depression, strong, n - 1, qd);
    if (d < n) {
      const double pd = std::pow(x, d) / (1.0 - x);
      move(m.potentiation, strong, strong + 1, pd);
      move(m.depression, weak, weak - 1, pd);
    }
  }
  return m;
}

// --- files ----------------------------------------------------------------------------------------

markov_model model_from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) throw invalid_argument("model file", doc.dump().substr(0, 60), "must be a table/object");
  for (const auto& [key, value] : doc.items()) {
    (void)value;
    if (key != "name" && key != "f_pot" && key != "weights" && key != "potentiation" && key != "depression") {
      throw invalid_argument("model file key", key, "allowed keys: name, f_pot, weights, potentiation, depression");
    }
  }
  markov_model m;
  m.name = "file";
  if (doc.contains("name")) {
    if (!doc.at("name").is_string()) throw invalid_argument("name", doc.at("name").dump(), "must be a string");
    m.name = doc.at("name").get<std::string>();
  }
  if (doc.contains("f_pot")) m.f_pot = number_at(doc.at("f_pot"), "f_pot");
  if (!doc.contains("weights"))
    throw invalid_argument("weights", "missing", "the model file must list the weights (+-1)");
  const auto& w = doc.at("weights");
  if (!w.is_array() || w.size() < 2)
    throw invalid_argument("weights", w.dump(), "must be an array of at least 2 numbers, each -1 or +1");
  const auto M = static_cast<Eigen::Index>(w.size());
  m.weights.resize(M);
  for (Eigen::Index i = 0; i < M; ++i) {
    const double v = number_at(w.at(static_cast<std::size_t>(i)), fmt::format("weights[{}]", i));
    // The frontier's setting: two efficacies, scaled to +-1 (LG13 sec. 2).
    if (v != 1.0 && v != -1.0)
      throw invalid_argument(fmt::format("weights[{}]", i), format_value(v), "must be -1 or +1");
    m.weights(i) = v;
  }
  m.potentiation = matrix_from(doc, "potentiation", M);
  m.depression = matrix_from(doc, "depression", M);
  m.validate();
  return m;
}

markov_model model_from_toml(const std::string& text) {
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw invalid_argument("TOML model", fmt::format("line {} column {}", where.line, where.column),
                           std::string(e.description()));
  }
  return model_from_json(toml_to_json(table));
}

markov_model load_model(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(fmt::format("cannot read the model file {}", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string ext = path.extension().string();
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool json = ext == ".json" || (ext != ".toml" && first != std::string::npos && text[first] == '{');
  markov_model m;
  if (json) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw invalid_argument("JSON model", path.string(), e.what());
    }
    m = model_from_json(doc);
  } else {
    m = model_from_toml(text);
  }
  if (m.name == "file") m.name = path.stem().string();
  return m;
}

nlohmann::json to_json(const markov_model& model) {
  auto matrix = [](const Eigen::MatrixXd& a) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (Eigen::Index j = 0; j < a.cols(); ++j) row.push_back(a(i, j));
      rows.push_back(row);
    }
    return rows;
  };
  nlohmann::json j;
  j["name"] = model.name;
  j["f_pot"] = model.f_pot;
  j["weights"] = std::vector<double>(model.weights.data(), model.weights.data() + model.weights.size());
  j["potentiation"] = matrix(model.potentiation);
  j["depression"] = matrix(model.depression);
  return j;
}

// --- options --------------------------------------------------------------------------------------

void model_options::validate() const {
  if (model == "binary") {
    require_probability("q", q);
  } else if (model == "serial" || model == "sticky") {
    require_even_states(model.c_str(), states, 2);
    if (model == "serial")
      require_probability("q", q);
    else
      require_probability("epsilon", epsilon);
  } else if (model == "multistate") {
    if (states < 2) throw invalid_argument("states", std::to_string(states), "the multistate model needs >= 2 states");
    require_probability("q", q);
  } else if (model == "cascade") {
    require_even_states("cascade", states, 4);
    if (!(x > 0.0 && x <= 0.5)) throw invalid_argument("x", format_value(x), "the cascade ratio must lie in (0, 1/2]");
  } else if (model == "file") {
    if (file.empty()) throw invalid_argument("file", "''", "give the model file with --file (TOML or JSON)");
  } else {
    throw invalid_argument("model", model, "one of binary, serial, sticky, multistate, cascade, file");
  }
}

markov_model make_model(const model_options& o) {
  o.validate();
  if (o.model == "binary") return binary(o.q);
  if (o.model == "serial") return serial(o.states, o.q);
  if (o.model == "sticky") return sticky_serial(o.states, o.epsilon);
  if (o.model == "multistate") return multistate(o.states, o.q);
  if (o.model == "cascade") return cascade(o.states, o.x);
  return load_model(o.file);
}

}  // namespace nt::synapses
