#pragma once
// Data sets for the semantic-development theory [S19] and their input-output correlations.
// Sum convention (dynamics.hpp): Sigma_x = X X^T, Sigma_yx = Y X^T over the P items (columns); one-hot
// item inputs give Sigma_x = I and Sigma_yx = Y (features x items).
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace nt::deeplinear {

struct dataset {
  Eigen::MatrixXd inputs;   // N_in x P, columns are items (one-hot for every data set built here)
  Eigen::MatrixXd targets;  // N_out x P
  std::vector<std::string> item_names, feature_names;
  std::string name;

  [[nodiscard]] int items() const { return static_cast<int>(targets.cols()); }
  [[nodiscard]] int features() const { return static_cast<int>(targets.rows()); }
};

// The Rumelhart / McClelland & Rogers eight items x 36 attributes (ISA 15, is 6, can 5, has 10), as in
// 8things.pat of lampinen/transfer-theory [S19 Fig. 1; notes 2.2]; also shipped as data/living_things.csv.
// Singular values of Y: 6.8059, 4.4732, 3.0440, 3.0035, 2.0431, 1.3806, 1.1411, 1.0000.
dataset living_things();
// S19's worked example (Fig. ~3): canary, salmon, oak, rose x {grow, move, roots, fly, swim, leaves, petals};
// singular values sqrt7, sqrt3, 1, 1.
dataset four_items();
// "living-things" | "four-items" (names as the CLI spells them; underscores accepted).
dataset dataset_by_name(const std::string& name);
// Reads a table: header "item,<feature>,...", one row per item with 0/1 (or real) values; one-hot inputs.
dataset read_item_table(const std::string& path);

// Index of an item or feature given by name or by 0-based number (as text); throws nt::invalid_argument.
int item_index(const dataset& data, const std::string& item);
int feature_index(const dataset& data, const std::string& feature);

// Hierarchical data by branching diffusion on a tree [S19 sec. "hierarchical structure"; notes 2.4]:
// per feature the root is +-1 at random, each child copies its parent and flips the sign with
// probability `flip`; the B^L leaves are the items. Item covariance per feature: E[y_i y_j] = q^k,
// q = (1 - 2 flip)^2, k = edges from the leaves up to their lowest common ancestor.
struct hierarchy_options {
  int branching = 2;   // B >= 2
  int levels = 3;      // L >= 1 edges from root to leaf (P = B^L items)
  double flip = 0.15;  // eps in [0, 1/2]
  int features = 1000;
  std::uint64_t seed = 1;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("branching", branching, "branching factor B of the tree (>= 2)");
    v("levels", levels, "edges L from the root to a leaf (items = B^L)");
    v("flip", flip, "sign-flip probability eps on every edge (0 <= eps <= 0.5)");
    v("features", features, "number of sampled features N_f");
    v("seed", seed, "seed of the feature streams (one stream per feature)");
  }
};
// Targets N_f x B^L in {-1, +1}; inputs the identity; feature f uses nt::rng::stream(seed, {f}).
dataset branching_diffusion(const hierarchy_options& options);
// Analytic eigenvalues of the per-feature item covariance, one per level k = 0..L [notes 2.4, D]:
//   lambda_0 = (Bq)^L + (1-q) sum_{m=0}^{L-1} (Bq)^m,  lambda_k = (1-q) sum_{m=0}^{L-k} (Bq)^m.
Eigen::VectorXd hierarchy_eigenvalues(const hierarchy_options& options);
// Multiplicities: 1 for level 0, B^k - B^{k-1} for level k.
Eigen::VectorXi hierarchy_multiplicities(const hierarchy_options& options);
// Expected singular values of the sampled Y (large N_f): sqrt(N_f lambda_k), one per level.
Eigen::VectorXd hierarchy_singular_values(const hierarchy_options& options);
// The analytic item covariance matrix E[y_i y_j] = q^k (P x P).
Eigen::MatrixXd hierarchy_covariance(const hierarchy_options& options);

// Input-output statistics and the SVD that the whole theory runs on.
struct correlations_result {
  Eigen::MatrixXd sigma_x;   // N_in x N_in
  Eigen::MatrixXd sigma_yx;  // N_out x N_in
  // Thin SVD Sigma_yx = U diag(s) V^T, r = min(N_out, N_in) modes, s descending. Sign convention:
  // each v_alpha (object analyzer) has a positive sum; if the sum is ~0 (|sum| < 1e-9 sqrt(N_in)), its
  // first entry with |v| > 1e-6 is positive. u_alpha (feature synthesizer) follows from U = Sigma_yx V / s.
  Eigen::MatrixXd u;      // N_out x r
  Eigen::VectorXd s;      // r
  Eigen::MatrixXd v;      // N_in x r
  bool whitened = false;  // Sigma_x == I to 1e-12 (the closed-form theory needs it)
};
correlations_result correlations(const dataset& data);

}  // namespace nt::deeplinear
