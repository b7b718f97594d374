// Markov synapse models: built-ins against the notes' construction (sec. 1.3) and the numpy twin's
// tables (shared/peers/w5_synapse.py), validation, and model files (TOML, JSON).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"

namespace {

namespace syn = nt::synapses;

// The twin's (event, state) -> (move probability, target) tables, transcribed from w5_synapse.py
// tables(), turned into matrices the way its stationary() does (event 0 = depress, 1 = potentiate).
struct twin_matrices {
  Eigen::MatrixXd pot, dep;
};
twin_matrices twin_tables(const std::string& model, int M) {
  std::vector<std::vector<double>> prob(2, std::vector<double>(M, 0.0));
  std::vector<std::vector<int>> target(2, std::vector<int>(M));
  for (int s = 0; s < M; ++s) target[0][s] = target[1][s] = s;
  const int n = M / 2;
  if (model == "serial") {
    for (int s = 0; s < M; ++s) {
      prob[1][s] = 1.0, target[1][s] = std::min(s + 1, M - 1);
      prob[0][s] = 1.0, target[0][s] = std::max(s - 1, 0);
    }
  } else {
    const double x = 0.5;
    std::vector<double> q, p;
    for (int i = 1; i < n; ++i) q.push_back(std::pow(x, i - 1));
    q.push_back(std::pow(x, n - 1) / (1 - x));
    for (int i = 1; i < n; ++i) p.push_back(std::pow(x, i) / (1 - x));
    for (int i = 1; i <= n; ++i) {
      const int weak = n - i, strong = n - 1 + i;
      prob[1][weak] = q[i - 1], target[1][weak] = n;
      prob[0][strong] = q[i - 1], target[0][strong] = n - 1;
      if (i < n) {
        prob[1][strong] = p[i - 1], target[1][strong] = strong + 1;
        prob[0][weak] = p[i - 1], target[0][weak] = weak - 1;
      }
    }
  }
  twin_matrices t{Eigen::MatrixXd::Zero(M, M), Eigen::MatrixXd::Zero(M, M)};
  for (int s = 0; s < M; ++s) {
    t.pot(s, target[1][s]) += prob[1][s];
    t.pot(s, s) += 1 - prob[1][s];
    t.dep(s, target[0][s]) += prob[0][s];
    t.dep(s, s) += 1 - prob[0][s];
  }
  return t;
}

std::filesystem::path temp_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("nt_syn_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path;
}

// Expects invalid_argument whose message contains `needle`.
template <class F>
void expect_invalid(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
  } catch (const nt::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const char* kValidToml = R"(
name = "two"
f_pot = 0.4
weights = [-1, 1]
potentiation = [[0.7, 0.3], [0, 1]]
depression = [[1, 0], [0.25, 0.75]]
)";

}  // namespace

TEST(SynapsesModel, CascadeAndSerialEqualTheTwinTables) {
  // Exact equality (same arithmetic), n = 4 levels as in the twin, and a deeper cascade.
  for (int M : {8, 20}) {
    const auto t = twin_tables("cascade", M);
    const auto c = syn::cascade(M, 0.5);
    EXPECT_LE((c.potentiation - t.pot).cwiseAbs().maxCoeff(), 1e-15) << M;
    EXPECT_LE((c.depression - t.dep).cwiseAbs().maxCoeff(), 1e-15) << M;
    EXPECT_EQ(c.weights.head(M / 2), Eigen::VectorXd::Constant(M / 2, -1.0));
    EXPECT_EQ(c.weights.tail(M / 2), Eigen::VectorXd::Constant(M / 2, 1.0));
  }
  const auto t = twin_tables("serial", 8);
  const auto s = syn::serial(8, 1.0);
  EXPECT_LE((s.potentiation - t.pot).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LE((s.depression - t.dep).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(SynapsesModel, BuiltinsFollowTheNotes) {
  const auto b = syn::binary(0.3);
  EXPECT_EQ(b.states(), 2);
  EXPECT_DOUBLE_EQ(b.potentiation(0, 1), 0.3);
  EXPECT_DOUBLE_EQ(b.depression(1, 0), 0.3);
  // Binary W_F = (q/2)[[-1, 1], [1, -1]] (notes 1.3).
  const Eigen::MatrixXd W = b.generator();
  EXPECT_NEAR(W(0, 0), -0.15, 1e-16);
  EXPECT_NEAR(W(0, 1), 0.15, 1e-16);
  EXPECT_NEAR(W(1, 0), 0.15, 1e-16);

  const auto st = syn::sticky_serial(6, 0.01);
  EXPECT_DOUBLE_EQ(st.potentiation(0, 1), 0.01);  // exit from the weak end
  EXPECT_DOUBLE_EQ(st.potentiation(1, 2), 1.0);   // q = 1 inside
  EXPECT_DOUBLE_EQ(st.depression(5, 4), 0.01);    // exit from the strong end
  EXPECT_DOUBLE_EQ(st.depression(4, 3), 1.0);
  EXPECT_DOUBLE_EQ(st.potentiation(5, 5), 1.0);

  const auto ms = syn::multistate(5, 0.4);  // linear weights, odd M allowed
  EXPECT_FALSE(ms.binary_weights());
  EXPECT_DOUBLE_EQ(ms.weights(0), -1.0);
  EXPECT_DOUBLE_EQ(ms.weights(2), 0.0);
  EXPECT_DOUBLE_EQ(ms.weights(4), 1.0);

  // Cascade, x = 1/4, n = 3: switch x^(d-1) (deepest x^(n-1)/(1-x)), metaplastic x^d/(1-x).
  const auto c = syn::cascade(6, 0.25);
  EXPECT_DOUBLE_EQ(c.potentiation(2, 3), 1.0);            // weak depth 1 -> strong depth 1
  EXPECT_DOUBLE_EQ(c.potentiation(1, 3), 0.25);           // weak depth 2
  EXPECT_DOUBLE_EQ(c.potentiation(0, 3), 0.0625 / 0.75);  // weak depth 3 (deepest)
  EXPECT_DOUBLE_EQ(c.potentiation(3, 4), 0.25 / 0.75);    // strong depth 1 -> 2
  EXPECT_DOUBLE_EQ(c.potentiation(4, 5), 0.0625 / 0.75);  // strong depth 2 -> 3
  EXPECT_DOUBLE_EQ(c.depression(2, 1), 0.25 / 0.75);      // weak depth 1 -> 2
  for (const auto& m : {b, st, ms, c, syn::serial(4, 0.5)}) EXPECT_NO_THROW(m.validate()) << m.name;
}

TEST(SynapsesModel, BadParametersAreRejected) {
  EXPECT_THROW(syn::binary(0.0), nt::invalid_argument);
  EXPECT_THROW(syn::binary(1.5), nt::invalid_argument);
  EXPECT_THROW(syn::binary(std::nan("")), nt::invalid_argument);
  EXPECT_THROW(syn::serial(3, 0.5), nt::invalid_argument);
  EXPECT_THROW(syn::serial(0, 0.5), nt::invalid_argument);
  EXPECT_THROW(syn::serial(4, -0.1), nt::invalid_argument);
  EXPECT_THROW(syn::sticky_serial(4, 0.0), nt::invalid_argument);
  EXPECT_THROW(syn::multistate(1, 0.5), nt::invalid_argument);
  EXPECT_THROW(syn::cascade(2, 0.5), nt::invalid_argument);
  EXPECT_THROW(syn::cascade(7, 0.5), nt::invalid_argument);
  EXPECT_THROW(syn::cascade(8, 0.6), nt::invalid_argument);
  EXPECT_THROW(syn::cascade(8, 0.0), nt::invalid_argument);
  syn::model_options o;
  o.model = "hopfield";
  expect_invalid([&] { syn::make_model(o); }, "model");
  o.model = "file";
  expect_invalid([&] { syn::make_model(o); }, "file");
  o.model = "cascade";
  o.states = 5;
  expect_invalid([&] { syn::make_model(o); }, "states");
  o = {};
  o.model = "binary";  // states ignored
  o.q = 0.2;
  EXPECT_EQ(syn::make_model(o).states(), 2);
  o.model = "sticky";
  o.epsilon = 2.0;
  expect_invalid([&] { syn::make_model(o); }, "epsilon");
}

TEST(SynapsesModel, ValidateNamesMatrixRowAndValue) {
  auto m = syn::serial(4, 0.5);
  m.potentiation(2, 2) = 0.6;  // row 2 sums to 1.1
  expect_invalid([&] { m.validate(); }, "potentiation row 2");
  m = syn::serial(4, 0.5);
  m.depression(1, 0) = -0.5;
  m.depression(1, 1) = 1.5;
  expect_invalid([&] { m.validate(); }, "depression[1][0]");
  m = syn::serial(4, 0.5);
  m.depression(3, 3) = std::nan("");
  expect_invalid([&] { m.validate(); }, "nan");
  m = syn::serial(4, 0.5);
  m.weights(1) = 2.0;
  expect_invalid([&] { m.validate(); }, "weights[1]");
  m = syn::serial(4, 0.5);
  m.f_pot = 1.0;
  expect_invalid([&] { m.validate(); }, "f_pot");
  m = syn::serial(4, 0.5);
  m.potentiation = Eigen::MatrixXd::Identity(3, 3);
  expect_invalid([&] { m.validate(); }, "3x3");
  // Rows sum to 1 within 1e-12: a 1e-13 slip is accepted, 1e-11 is not.
  m = syn::serial(4, 0.5);
  m.potentiation(0, 0) += 1e-13;
  EXPECT_NO_THROW(m.validate());
  m.potentiation(0, 0) += 1e-11;
  EXPECT_THROW(m.validate(), nt::invalid_argument);
}

TEST(SynapsesModel, SeveralClosedClassesAreRejected) {
  // Nothing ever moves: every state is closed, p_inf is not unique.
  auto m = syn::serial(4, 0.5);
  m.potentiation.setIdentity();
  m.depression.setIdentity();
  EXPECT_THROW(syn::stationary(m), nt::invalid_argument);
  EXPECT_THROW(syn::snr(m, 1.0, 100.0), nt::invalid_argument);
}

TEST(SynapsesModel, TomlAndJsonFilesLoad) {
  const auto toml = temp_file("ok.toml", kValidToml);
  const auto m = syn::load_model(toml);
  EXPECT_EQ(m.name, "two");
  EXPECT_DOUBLE_EQ(m.f_pot, 0.4);
  EXPECT_DOUBLE_EQ(m.potentiation(0, 1), 0.3);
  EXPECT_DOUBLE_EQ(m.depression(1, 0), 0.25);
  // to_json -> file -> load_model gives the same model (JSON, detected by extension and by content).
  const auto json = temp_file("ok.json", syn::to_json(m).dump());
  const auto back = syn::load_model(json);
  EXPECT_EQ(back.potentiation, m.potentiation);
  EXPECT_EQ(back.depression, m.depression);
  EXPECT_EQ(back.weights, m.weights);
  EXPECT_EQ(back.f_pot, m.f_pot);
  const auto noext = temp_file("ok_noext", syn::to_json(syn::cascade(6, 0.5)).dump());
  EXPECT_EQ(syn::load_model(noext).potentiation, syn::cascade(6, 0.5).potentiation);
  // The shipped example, through make_model.
  syn::model_options o;
  o.model = "file";
  // The source tree: up from the working directory (build/h/tests/...) or from this file's path.
  for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "data/synapses/example_model.toml")) {
      o.file = (dir / "data/synapses/example_model.toml").string();
      break;
    }
    if (dir == dir.parent_path()) break;
  }
  if (o.file.empty())
    o.file = (std::filesystem::path(__FILE__).parent_path() / "../../../data/synapses/example_model.toml").string();
  const auto ex = syn::make_model(o);
  EXPECT_EQ(ex.name, "sticky4");
  EXPECT_EQ(ex.states(), 4);
  for (const auto& p : {toml, json, noext}) std::filesystem::remove(p);
}

TEST(SynapsesModel, InvalidFilesGiveClearErrors) {
  EXPECT_THROW(syn::load_model("/nonexistent/nt_model.toml"), nt::io_error);
  struct bad_case {
    const char* name;
    std::string text;
    const char* needle;
  };
  const std::vector<bad_case> cases = {
      {"syntax.toml", "weights = [-1, 1\n", "TOML"},
      {"syntax.json", "{\"weights\": [-1, 1],}", "JSON"},
      {"noweights.toml", "potentiation = [[1, 0], [0, 1]]\ndepression = [[1, 0], [0, 1]]\n", "weights"},
      {"badweight.toml", "weights = [-1, 0.5]\npotentiation = [[1, 0], [0, 1]]\ndepression = [[1, 0], [0, 1]]\n",
       "weights[1]"},
      {"rowsum.toml", "weights = [-1, 1]\npotentiation = [[0.5, 0.6], [0, 1]]\ndepression = [[1, 0], [0, 1]]\n",
       "potentiation row 0"},
      {"negative.toml", "weights = [-1, 1]\npotentiation = [[1, 0], [0, 1]]\ndepression = [[1, 0], [-0.5, 1.5]]\n",
       "depression[1][0]"},
      {"shape.toml", "weights = [-1, 1]\npotentiation = [[1, 0, 0], [0, 1, 0]]\ndepression = [[1, 0], [0, 1]]\n",
       "potentiation row 0"},
      {"nodep.toml", "weights = [-1, 1]\npotentiation = [[1, 0], [0, 1]]\n", "depression"},
      {"text.toml", "weights = [-1, 1]\npotentiation = [[1, \"a\"], [0, 1]]\ndepression = [[1, 0], [0, 1]]\n",
       "potentiation[0][1]"},
      {"fpot.toml",
       std::string("f_pot = 1.5\n") + std::string(kValidToml).substr(std::string(kValidToml).find("weights")), "f_pot"},
      {"key.toml", std::string("colour = 3\n") + kValidToml, "colour"},
      {"array.json", "[1, 2]", "object"},
  };
  for (const auto& c : cases) {
    const auto path = temp_file(c.name, c.text);
    expect_invalid([&] { syn::load_model(path); }, c.needle);
    std::filesystem::remove(path);
  }
}
