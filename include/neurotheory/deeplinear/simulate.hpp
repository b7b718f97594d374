#pragma once
// Full-batch gradient descent (and RK4 gradient flow) of deep networks y_hat = W_D phi(... phi(W_1 x)),
// run next to the exact theory of deep linear learning dynamics [S14 sec. 2-5; S19 Fig. 3].
//
// Conventions (dynamics.hpp, docs/theory/deeplinear.md): SUM loss L = 1/2 sum_mu ||y^mu - y_hat^mu||^2, plain
// steps W <- W - eta dL/dW, time t = n * eta (tau = 1). A mean loss 1/(2P) sum_mu with step lr is the same
// run with eta = lr / P. Mode strengths are a_alpha(t) = u_alpha^T W_tot(t) v_alpha on the TARGET's singular
// vectors (Sigma_yx = U S V^T, correlations()); never a re-SVD of W_tot. Linear networks: W_tot = W_D...W_1.
// Nonlinear networks: the input-output map projected the same way, W_tot := Y_hat X^T (the network's
// Sigma_{y_hat x}), which equals W_D...W_1 Sigma_x for a linear net, i.e. W_tot itself for whitened inputs.
//
// The step loop allocates nothing: every matrix is preallocated and products are BLAS GEMMs (noalias).
// Two exact reductions make small-sample problems cheap (exact in exact arithmetic; in floating point the
// losses agree with the plain computation to ~1e-12 relative):
//   - one-hot inputs in item order (X = I): W_1 X is W_1 itself, no product;
//   - the last layer: dW_D = E H^T with E = Y - W_D H, so the columns of W_D(t) stay in span[Y, W_D(0)]
//     (dimension r <= P + N_{D-1}) for any activation. When r is well below N_out, W_D = Q M with Q an
//     orthonormal basis of that span (Householder QR) and only M (r x N_{D-1}) is evolved; W_D = Q M at
//     the end. W3 (1000 features, 8 items, width 64) then runs on 72 instead of 1000 output rows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/deeplinear/data.hpp"

namespace nt::deeplinear {

struct network_options {
  // N_in, hidden widths..., N_out: D = widths.size() - 1 weight matrices (D = 1 is the shallow network).
  std::vector<int> widths = {8, 16, 36};
  std::string activation = "linear";  // linear | tanh | relu, applied to the hidden layers only
  // small_gaussian: iid N(0, init_scale^2) entries (init_scale is the entry's standard deviation);
  // balanced: aligned with the target SVD and decoupled, W_1 = c R_1 V^T, W_l = c R_l R_{l-1}^T,
  //   W_D = c U R_{D-1}^T with c = init_scale^{1/D} and Haar-random orthonormal R_l, so every mode starts at
  //   composite strength a_alpha(0) = init_scale (the a0 of the closed form); the top k = min(N_in, N_out,
  //   hidden widths) modes are set;
  // orthogonal: each W_l = init_scale * (Haar-random matrix with orthonormal rows or columns);
  // given: the initial weights passed to simulate().
  std::string init = "small_gaussian";
  double init_scale = 1e-3;
  std::uint64_t seed = 1;  // layer l's weights come from nt::rng::stream(seed, {l})

  [[nodiscard]] int depth() const { return static_cast<int>(widths.size()) - 1; }
  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("widths", widths, "layer widths N_in, hidden..., N_out (D = count - 1 weight matrices)");
    v("activation", activation, "hidden-layer nonlinearity: linear, tanh or relu");
    v("init", init, "initial weights: small_gaussian, balanced, orthogonal or given");
    v("init_scale", init_scale,
      "small_gaussian: entry standard deviation; balanced: initial mode strength a0; orthogonal: per-layer gain");
    v("seed", seed, "seed of the initial weights (stream (seed, layer))");
  }
};

struct training_options {
  double learning_rate = 0.01;  // eta of the sum loss (time per step); rk4: the flow's time step
  long steps = 1000;
  // Record the state every record_every steps (0: about 100 records); record_steps, when not empty,
  // lists the steps instead. Step 0 and the last step are always recorded.
  long record_every = 0;
  std::vector<long> record_steps;
  bool record_hidden = true;      // keep the hidden representations at every record
  std::string integrator = "gd";  // gd: gradient descent; rk4: gradient flow by classical Runge-Kutta
  bool reduce = true;             // use the exact reductions above where they pay

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("learning_rate", learning_rate, "step eta of the sum loss (gd) or time step of the flow (rk4); t = n eta");
    v("steps", steps, "number of steps");
    v("record_every", record_every, "record every this many steps (0: about 100 records)");
    v("record_steps", record_steps, "explicit steps to record (overrides record_every)");
    v("record_hidden", record_hidden, "record the hidden representations of every item");
    v("integrator", integrator, "gd (gradient descent) or rk4 (gradient flow, Runge-Kutta 4)");
    v("reduce", reduce, "evolve the last layer in the span of the targets and its initial columns when smaller");
  }
};

struct simulation_result {
  Eigen::VectorXd steps;  // recorded step numbers n
  Eigen::VectorXd times;  // t = n * eta (tau = 1)
  Eigen::VectorXd loss;   // sum convention, 1/2 sum_mu ||y - y_hat||^2
  // records x modes: a_alpha(t) = u_alpha^T W_tot(t) v_alpha (modes = min(N_in, N_out), order of s).
  Eigen::MatrixXd mode_strengths;
  // The target's SVD the strengths are measured on (correlations(data)): Sigma_yx = U diag(s) V^T.
  Eigen::VectorXd singular_values;
  Eigen::MatrixXd u, v;
  // hidden[k][l]: activity phi(W_{l+1} ... ) of hidden layer l + 1 (widths[l+1] x P, columns = items) at
  // record k; empty when record_hidden is false or D = 1.
  std::vector<std::vector<Eigen::MatrixXd>> hidden;
  std::vector<Eigen::MatrixXd> initial_weights;  // W_1 ... W_D at step 0
  std::vector<Eigen::MatrixXd> weights;          // at the last completed step
  // "completed", or "diverged" (the loss became non-finite or exceeded 1e100: the records stop at the
  // last finite state and weights are those of that state).
  std::string status = "completed";
  long steps_done = 0;
  bool reduced_output = false;  // the last-layer reduction was used
  int reduced_rank = 0;         // its r
};

// Throws nt::invalid_argument for bad options, a data set whose shape does not match widths, non-finite
// data, or initial weights that do not match (init = "given" needs them; any other init refuses them).
simulation_result simulate(const dataset& data, const network_options& network, const training_options& training,
                           const std::optional<std::vector<Eigen::MatrixXd>>& initial_weights = std::nullopt);

// The initial weights simulate() starts from (W_1 first), for init != "given".
std::vector<Eigen::MatrixXd> initial_weights(const dataset& data, const network_options& network);

}  // namespace nt::deeplinear
