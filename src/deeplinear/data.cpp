// Data sets of the semantic-development theory [S19] and their correlations (notes 2.2-2.4).
#include "neurotheory/deeplinear/data.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string_view>

#include <Eigen/SVD>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::deeplinear {
namespace {

// The 8 x 36 living-things table (notes 2.2: 8things.pat of lampinen/transfer-theory, identical to
// Rumelhart_livingthings.csv of Pocket-titan/deepnote_ml); the same table is data/living_things.csv.
constexpr std::array<std::string_view, 8> living_things_items = {"pine",  "oak",    "rose",    "daisy",
                                                                 "robin", "canary", "sunfish", "salmon"};
constexpr std::array<std::string_view, 36> living_things_attributes = {
    "living thing", "plant",  "animal", "tree",     "flower",  "bird",   "fish",     "pine",  "oak",
    "rose",         "daisy",  "robin",  "canary",   "sunfish", "salmon", "pretty",   "big",   "living",
    "green",        "red",    "yellow", "grow",     "move",    "swim",   "fly",      "sing",  "skin",
    "roots",        "leaves", "bark",   "branches", "petals",  "wings",  "feathers", "gills", "scales"};
constexpr std::array<std::string_view, 8> living_things_rows = {
    "110100010000000011100100000101100000",  // pine
    "110100001000000011000100000111100000",  // oak
    "110010000100000101010100000110010000",  // rose
    "110010000010000101001100000110010000",  // daisy
    "101001000001000001010110101000001100",  // robin
    "101001000000100001001110111000001100",  // canary
    "101000100000010001001111001000000011",  // sunfish
    "101000100000001001010111001000000011",  // salmon
};

std::string normalized(std::string s) {
  for (char& c : s) c = (c == '_' || c == ' ') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int index_of(const std::vector<std::string>& names, const std::string& key, const char* field) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  const std::string low = normalized(key);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (normalized(names[i]) == low) return static_cast<int>(i);
  }
  // A 0-based number given as text.
  if (!key.empty() &&
      std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    const long long k = key.size() > 9 ? -1 : std::stoll(key);
    if (k >= 0 && k < static_cast<long long>(names.size())) return static_cast<int>(k);
  }
  std::string allowed = fmt::format("must be a name or a 0-based index < {}", names.size());
  if (names.size() <= 40) {
    allowed += " (";
    for (std::size_t i = 0; i < names.size(); ++i) allowed += (i ? ", " : "") + names[i];
    allowed += ")";
  }
  throw invalid_argument(field, key, allowed);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

dataset living_things() {
  dataset d;
  d.name = "living-things";
  const int p = 8, n = 36;
  d.targets = Eigen::MatrixXd::Zero(n, p);
  for (int i = 0; i < p; ++i) {
    for (int m = 0; m < n; ++m) {
      d.targets(m, i) = living_things_rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(m)] == '1' ? 1.0 : 0.0;
    }
  }
  d.inputs = Eigen::MatrixXd::Identity(p, p);
  for (auto s : living_things_items) d.item_names.emplace_back(s);
  for (auto s : living_things_attributes) d.feature_names.emplace_back(s);
  return d;
}

dataset four_items() {
  // S19 Fig. ~3: canary {grow, move, fly}, salmon {grow, move, swim}, oak {grow, roots, leaves},
  // rose {grow, roots, petals} (roses without leaves, which keeps the modes clean; notes 2.2).
  dataset d;
  d.name = "four-items";
  d.item_names = {"canary", "salmon", "oak", "rose"};
  d.feature_names = {"grow", "move", "roots", "fly", "swim", "leaves", "petals"};
  d.targets.resize(7, 4);
  // clang-format off
  d.targets << 1, 1, 1, 1,   // grow
               1, 1, 0, 0,   // move
               0, 0, 1, 1,   // roots
               1, 0, 0, 0,   // fly
               0, 1, 0, 0,   // swim
               0, 0, 1, 0,   // leaves
               0, 0, 0, 1;   // petals
  // clang-format on
  d.inputs = Eigen::MatrixXd::Identity(4, 4);
  return d;
}

dataset dataset_by_name(const std::string& name) {
  const std::string n = normalized(name);
  if (n == "living-things") return living_things();
  if (n == "four-items") return four_items();
  throw invalid_argument("dataset", name, "must be living-things or four-items");
}

dataset read_item_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw io_error(fmt::format("cannot read item table {}", path));
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (!trim(line).empty() && trim(line)[0] != '#') {
      header = split_csv(line);
      break;
    }
  }
  if (header.size() < 2) throw invalid_argument("path", path, "must hold a header 'item,<feature>,...'");
  dataset d;
  d.name = path;
  d.feature_names.assign(header.begin() + 1, header.end());
  std::vector<std::vector<double>> rows;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const auto cells = split_csv(line);
    if (cells.size() != header.size()) {
      throw invalid_argument(
          "path", path, fmt::format("line {} has {} cells, the header {}", line_number, cells.size(), header.size()));
    }
    d.item_names.push_back(cells[0]);
    std::vector<double> row;
    for (std::size_t k = 1; k < cells.size(); ++k) {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(cells[k], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != cells[k].size() || !std::isfinite(v)) {
        throw invalid_argument("path", path,
                               fmt::format("line {}: '{}' is not a finite number", line_number, cells[k]));
      }
      row.push_back(v);
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw invalid_argument("path", path, "must hold at least one item row");
  const auto p = static_cast<Eigen::Index>(rows.size());
  const auto n = static_cast<Eigen::Index>(d.feature_names.size());
  d.targets.resize(n, p);
  for (Eigen::Index i = 0; i < p; ++i) {
    for (Eigen::Index m = 0; m < n; ++m)
      d.targets(m, i) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(m)];
  }
  d.inputs = Eigen::MatrixXd::Identity(p, p);
  return d;
}

int item_index(const dataset& data, const std::string& item) { return index_of(data.item_names, item, "item"); }

int feature_index(const dataset& data, const std::string& feature) {
  return index_of(data.feature_names, feature, "feature");
}

void hierarchy_options::validate() const {
  require_at_least("branching", branching, 2);
  require_at_least("levels", levels, 1);
  require_in_range("flip", flip, 0.0, 0.5);
  require_at_least("features", features, 1);
  // Items B^L must stay small enough for dense P x P algebra (and below int overflow).
  const double items = std::pow(static_cast<double>(branching), levels);
  if (items > 65536.0) {
    throw invalid_argument("levels", std::to_string(levels),
                           fmt::format("branching^levels = {} items must be <= 65536", format_value(items)));
  }
  if (items * features > 2.0e8) {
    throw invalid_argument("features", std::to_string(features),
                           fmt::format("items x features must be <= 2e8 (items = {})", format_value(items)));
  }
}

namespace {
int item_count(const hierarchy_options& o) {
  int p = 1;
  for (int l = 0; l < o.levels; ++l) p *= o.branching;
  return p;
}
}  // namespace

dataset branching_diffusion(const hierarchy_options& options) {
  options.validate();
  const int p = item_count(options);
  dataset d;
  d.name = fmt::format("branching-diffusion(B={},L={},eps={},N_f={},seed={})", options.branching, options.levels,
                       format_value(options.flip), options.features, options.seed);
  d.targets.resize(options.features, p);
  d.inputs = Eigen::MatrixXd::Identity(p, p);
  std::vector<double> level(1), next;
  for (int f = 0; f < options.features; ++f) {
    // One stream per feature: the data do not depend on how features are split across threads.
    rng::stream st(options.seed, {static_cast<std::uint64_t>(f)});
    level.assign(1, st.uniform() < 0.5 ? 1.0 : -1.0);
    for (int l = 0; l < options.levels; ++l) {
      next.resize(level.size() * static_cast<std::size_t>(options.branching));
      for (std::size_t j = 0; j < next.size(); ++j) {
        const double parent = level[j / static_cast<std::size_t>(options.branching)];
        next[j] = st.uniform() < options.flip ? -parent : parent;
      }
      level.swap(next);
    }
    for (int i = 0; i < p; ++i) d.targets(f, i) = level[static_cast<std::size_t>(i)];
  }
  for (int i = 0; i < p; ++i) d.item_names.push_back(fmt::format("item{}", i));
  for (int f = 0; f < options.features; ++f) d.feature_names.push_back(fmt::format("feature{}", f));
  return d;
}

Eigen::VectorXd hierarchy_eigenvalues(const hierarchy_options& options) {
  options.validate();
  const double q = std::pow(1.0 - 2.0 * options.flip, 2.0);
  const double bq = options.branching * q;
  const int big_l = options.levels;
  // partial(n) = sum_{m=0}^{n} (Bq)^m
  auto partial = [bq](int n) {
    double sum = 0.0, term = 1.0;
    for (int m = 0; m <= n; ++m) {
      sum += term;
      term *= bq;
    }
    return sum;
  };
  Eigen::VectorXd lambda(big_l + 1);
  lambda(0) = std::pow(bq, big_l) + (1.0 - q) * partial(big_l - 1);
  for (int k = 1; k <= big_l; ++k) lambda(k) = (1.0 - q) * partial(big_l - k);
  return lambda;
}

Eigen::VectorXi hierarchy_multiplicities(const hierarchy_options& options) {
  options.validate();
  Eigen::VectorXi m(options.levels + 1);
  m(0) = 1;
  int bk = 1;
  for (int k = 1; k <= options.levels; ++k) {
    const int prev = bk;
    bk *= options.branching;
    m(k) = bk - prev;
  }
  return m;
}

Eigen::VectorXd hierarchy_singular_values(const hierarchy_options& options) {
  return (static_cast<double>(options.features) * hierarchy_eigenvalues(options).array()).sqrt().matrix();
}

Eigen::MatrixXd hierarchy_covariance(const hierarchy_options& options) {
  options.validate();
  const int p = item_count(options);
  const double q = std::pow(1.0 - 2.0 * options.flip, 2.0);
  Eigen::MatrixXd c(p, p);
  for (int i = 0; i < p; ++i) {
    for (int j = 0; j < p; ++j) {
      int a = i, b = j, k = 0;
      while (a != b) {
        a /= options.branching;
        b /= options.branching;
        ++k;
      }
      c(i, j) = std::pow(q, k);
    }
  }
  return c;
}

correlations_result correlations(const dataset& data) {
  if (data.inputs.cols() != data.targets.cols() || data.inputs.cols() == 0) {
    throw invalid_argument("dataset", data.name,
                           fmt::format("inputs ({} items) and targets ({} items) must have the same number (> 0) of "
                                       "columns",
                                       data.inputs.cols(), data.targets.cols()));
  }
  if (!data.inputs.allFinite() || !data.targets.allFinite()) {
    throw invalid_argument("dataset", data.name, "inputs and targets must be finite");
  }
  correlations_result r;
  r.sigma_x = data.inputs * data.inputs.transpose();  // sum convention: no 1/P
  r.sigma_yx = data.targets * data.inputs.transpose();
  const Eigen::Index n_in = r.sigma_x.rows();
  r.whitened = (r.sigma_x - Eigen::MatrixXd::Identity(n_in, n_in)).cwiseAbs().maxCoeff() <= 1e-12;
  Eigen::BDCSVD<Eigen::MatrixXd> svd(r.sigma_yx, Eigen::ComputeThinU | Eigen::ComputeThinV);
  r.u = svd.matrixU();
  r.s = svd.singularValues();
  r.v = svd.matrixV();
  // Deterministic signs: positive sum of the object analyzer, else its first clearly nonzero entry positive.
  for (Eigen::Index a = 0; a < r.v.cols(); ++a) {
    const double sum = r.v.col(a).sum();
    double sign = 1.0;
    if (std::abs(sum) > 1e-9 * std::sqrt(static_cast<double>(n_in))) {
      sign = sum > 0 ? 1.0 : -1.0;
    } else {
      for (Eigen::Index i = 0; i < r.v.rows(); ++i) {
        if (std::abs(r.v(i, a)) > 1e-6) {
          sign = r.v(i, a) > 0 ? 1.0 : -1.0;
          break;
        }
      }
    }
    if (sign < 0) {
      r.v.col(a) *= -1.0;
      r.u.col(a) *= -1.0;
    }
  }
  return r;
}

}  // namespace nt::deeplinear
