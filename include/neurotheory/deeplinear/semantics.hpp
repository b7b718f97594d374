#pragma once
// The mathematical theory of semantic development [S19], evaluated on the closed-form solution of a
// balanced deep linear network trained from small init on a data set with one-hot (whitened) items:
//   W_D ... W_1 (t) = U A(t) V^T,   A(t) = diag(u_alpha(t)),  u_alpha(t) = mode_strength(t, s_alpha, a0, D),
//   layer-l hidden representation of item i: h_i^l(t) = A(t)^{l/D} V^T e_i (up to an orthogonal rotation,
//   which no observable below depends on). Times in units of tau (sum convention, dynamics.hpp).
// Every function throws nt::invalid_argument for a non-whitened data set (Sigma_x != I), t < 0,
// a0 <= 0, depth < 1, or an item / feature / mode out of range.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/deeplinear/data.hpp"

namespace nt::deeplinear {

// u_alpha(t) for every mode of the data set (r values).
Eigen::VectorXd mode_strengths(const dataset& data, double t, double a0, int depth = 2);

// Hidden representations at layer `layer` (1..depth-1; default 1, the first hidden layer):
// r x P, column i = A(t)^{layer/D} V^T e_i [S19 eq. for h; notes 2.1, 2.5]. depth = 1 has no hidden layer.
Eigen::MatrixXd hidden_representations(const dataset& data, double t, double a0, int depth = 2, int layer = 1);

// Representational similarity of the items, P x P:
//   "hidden": h_i . h_j = [V A^{2 layer/D} V^T]_ij (D = 2: V A V^T; at convergence (Y^T Y)^{1/2});
//   "output": y_hat_i . y_hat_j = [V A^2 V^T]_ij.
Eigen::MatrixXd representational_similarity(const dataset& data, double t, double a0, int depth = 2,
                                            const std::string& space = "hidden");

// Classical (Torgerson) MDS of a Gram matrix G (P x P, symmetric): the top `dims` eigenvectors of the
// double-centred J G J scaled by sqrt(eigenvalue) (negative eigenvalues -> 0). Rows = items. Columns are
// sign-fixed so each column's largest-|.| entry (first one on ties) is positive.
Eigen::MatrixXd classical_mds(const Eigen::MatrixXd& gram, int dims = 2);
// MDS of the hidden representations at time t (P x dims).
Eigen::MatrixXd mds_coordinates(const dataset& data, double t, double a0, int depth = 2, int dims = 2);
// MDS trajectory through development: one P x dims frame per time, each frame rotated/reflected
// (orthogonal Procrustes) onto the previous one so the items move smoothly [S19 Fig. 1 style].
std::vector<Eigen::MatrixXd> mds_trajectory(const dataset& data, const Eigen::VectorXd& times, double a0, int depth = 2,
                                            int dims = 2);

// Network output for every item at time t: N_out x P = U A(t) V^T (one-hot items) [S19 eq. 12].
Eigen::MatrixXd predicted_outputs(const dataset& data, double t, double a0, int depth = 2);
// The same for one (item, feature) over many times: y_hat_{m,i}(t) = sum_alpha u_alpha(t) U_{m alpha} V_{i alpha}.
Eigen::VectorXd predicted_output_trajectory(const dataset& data, int item, int feature, const Eigen::VectorXd& times,
                                            double a0, int depth = 2);

// Illusory correlations [S19 "illusory correlations"; notes 2.6]: the prediction of one (item, feature)
// can overshoot because coarse modes are learned before the finer mode that encodes the exception.
struct illusory_result {
  double peak_value = 0;    // max over t >= 0 of y_hat_{m,i}(t)
  double peak_time = 0;     // its time (+infinity when the maximum is the asymptote)
  double trough_value = 0;  // min over t >= 0 (the overshoot below the target, e.g. a feature the item has)
  double trough_time = 0;   // its time (+infinity when the minimum is the asymptote)
  double initial_value = 0;
  double final_value = 0;  // t -> infinity: the target Y_{m,i} (projected on the modes)
  double overshoot = 0;    // max(peak - max(final, initial), min(final, initial) - trough, 0)
  int item = 0, feature = 0;
};
// Peak and trough located on a 4000-point time grid up to the convergence of the slowest mode, then
// refined by golden-section search (relative accuracy ~1e-9 in time).
illusory_result illusory_correlation(const dataset& data, int item, int feature, double a0 = 1e-3, int depth = 2);
// All (item, feature) pairs with overshoot > min_overshoot, largest first.
std::vector<illusory_result> find_illusory_correlations(const dataset& data, double a0 = 1e-3, int depth = 2,
                                                        double min_overshoot = 0.05);

// Typicality [S19; notes 2.7]: v_{alpha,i} = (u_alpha . y^i) / s_alpha, the projection of item i's
// features on mode alpha's prototype u_alpha (P values, sign convention of correlations()).
Eigen::VectorXd typicality(const dataset& data, int mode);
// Category response of every item along a mode at time t: u_alpha(t) v_{alpha,i} (typical items respond
// more strongly at every t).
Eigen::VectorXd category_response(const dataset& data, int mode, double t, double a0, int depth = 2);

// Category coherence via spiked random matrices [S19 idea; notes 2.8, D]: N_o items, N_f features, a
// category of K_o items and K_f features with each category feature present with probability p in
// members, every other entry present with probability q.
struct coherence_options {
  int items = 1000;             // N_o
  int features = 1000;          // N_f
  int category_items = 100;     // K_o
  int category_features = 100;  // K_f
  double p = 0.5;
  double q = 0.1;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("items", items, "number of items N_o");
    v("features", features, "number of features N_f");
    v("category_items", category_items, "items K_o in the category");
    v("category_features", category_features, "features K_f of the category");
    v("p", p, "probability that a member has a category feature");
    v("q", q, "probability of every other item-feature entry");
  }
};
struct coherence_result {
  double coherence = 0;       // C = (p-q)^2 K_f K_o / (q(1-q) sqrt(N_f N_o)); a mode emerges iff C > 1
  bool learnable = false;     // C > 1
  double theta = 0;           // (p-q) sqrt(K_f K_o) / (sigma sqrt(N_o)), sigma^2 = q(1-q)
  double aspect = 0;          // A = N_f / N_o
  double bulk_edge = 0;       // sigma sqrt(N_o) (1 + sqrt(A)): the largest noise singular value
  double signal = 0;          // (p-q) sqrt(K_f K_o): the category's singular value without noise
  double singular_value = 0;  // the mode's singular value in Y - q: sigma sqrt(N_o) sqrt((1+theta^2)(A+theta^2))/theta
                              // above threshold, bulk_edge below it
  double time_scale = 0;      // 1 / singular_value: the mode's learning time scale (tau / s; +inf if not learnable)
};
coherence_result category_coherence(const coherence_options& options);
// A sampled data set of that model (features x items in {0, 1}; inputs the identity), for checks:
// the category occupies the first K_o items and first K_f features. Stream (seed, {item}).
dataset coherence_dataset(const coherence_options& options, std::uint64_t seed);

// Inductive projection [S19 "inductive projection"; notes 2.10], normalized so the taught entry is 1
// (depth >= 2):
//   novel property taught on item i (only a new output unit learns, reading the last hidden layer
//   h^{D-1} = A^{(D-1)/D} V^T e): generalization to item j = [V A^{2(D-1)/D} V^T]_ij / [..]_ii;
//   novel item taught one familiar feature m (only its first-layer weights learn, along
//   (W_D...W_2)^T e_m): predicted feature k = [U A^{2(D-1)/D} U^T]_km / [..]_mm.
// For D = 2 both are V A V^T and U A U^T.
Eigen::VectorXd novel_property_projection(const dataset& data, int item, double t, double a0, int depth = 2);
Eigen::VectorXd novel_item_projection(const dataset& data, int feature, double t, double a0, int depth = 2);

}  // namespace nt::deeplinear
