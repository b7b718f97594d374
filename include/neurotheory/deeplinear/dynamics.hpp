#pragma once
// Exact learning dynamics of deep linear networks.
//   Saxe, McClelland & Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear
//   neural networks", ICLR 2014 [S14]; "A mathematical theory of semantic development in deep neural
//   networks", PNAS 2019 [S19].
//
// Conventions (pinned for the whole module; docs/theory/deeplinear.md):
//   network y_hat = W_D ... W_2 W_1 x, D = number of weight matrices (D = 1: shallow, D = 2: one hidden layer);
//   SUM loss L = 1/2 sum_mu ||y^mu - y_hat(x^mu)||^2, Sigma_x = sum_mu x x^T, Sigma_yx = sum_mu y x^T;
//   gradient descent with step eta is the flow tau dW/dt = -dL/dW with tau = 1/eta, so n steps = time n*eta.
//   Every time in this module is in units of tau (tau = 1). A mean loss 1/(2P) sum_mu with step eta has
//   t = n*eta/P; PyTorch MSELoss() (mean over batch and outputs, no 1/2) has t = 2*n*eta/(P*N_out).
//   A mode's strength is u = a_alpha(t) = u_alpha^T W_D...W_1 v_alpha on the target's singular vectors.
//
// Balanced decoupled mode, whitened inputs (Sigma_x = I) [S14 eq. 5-7; S14 sec. 5 for depth D]:
//   tau du/dt = D u^{2-2/D} (s - u),   u(0) = a0 (the composite strength; each layer carries a0^{1/D}).
//   D = 1: u(t) = s + (a0 - s) e^{-t}                      (shallow: one time constant for every mode)
//   D = 2: u(t) = s / (1 + (s/a0 - 1) e^{-2 s t})           (sigmoid; overflow-safe form)
//   D >= 3: t(u) inverted by a safeguarded Newton iteration on the learning-time integral.
#include <vector>

#include <Eigen/Core>

namespace nt::deeplinear {

// u(t) of one balanced mode with singular value s >= 0 from u(0) = a0, after time t >= 0 (t may be
// +infinity). D = 1 accepts any finite a0 (the shallow weight starts anywhere); D >= 2 needs a0 >= 0
// (a0 = 0 is the saddle and stays there). s = 0 decays: u^{-(2-2/D)} = a0^{-(2-2/D)} + (2D-2) t.
// Throws nt::invalid_argument for depth < 1, s < 0, t < 0 or non-finite input.
double mode_strength(double t, double s, double a0, int depth = 2);

// Gradient-flow time (tau = 1) for a balanced mode to grow from u0 to uf:
//   t = (1/D) integral_{u0}^{uf} du / (u^{2-2/D} (s - u))                          [S14; notes 1.5]
// Needs s > 0 and 0 < u0 < uf < s (D = 1: any u0 < uf < s). D = 1, 2 in closed form; D >= 3 by
// splitting the integrand into its singular parts at u = 0 and u = s (integrated exactly) and a smooth
// remainder integrated by Gauss-Legendre after u = s y^D: stable for tiny u0, uf close to s and large D.
double learning_time(int depth, double s, double u0, double uf);

// Time for u to reach s/2 from a0 (0 < a0 < s); D = 2: t = ln(s/a0 - 1)/(2s) [notes 1.3].
double half_learning_time(double s, double a0, int depth = 2);

// The closed-form limits of notes 1.5, used as checks and for the depth figure:
//   small per-layer scale c0 (u0 = c0^D, D >= 3): t ~= c0^{-(D-2)} / ((D-2) s);
//   fixed composite u0, D -> infinity: D t -> (1/s)(1/u0 - 1/uf) + (1/s^2) ln[uf (s-u0) / (u0 (s-uf))].
double learning_time_small_init(int depth, double s, double c0);
double learning_time_infinite_depth(double s, double u0, double uf);  // returns the limit of D * t

// Largest stable gradient-descent step for a balanced mode at the solution u = s:
// eta_max = 2 / (D s^{2-2/D}) (the Hessian along the balanced direction has eigenvalue D s^{2-2/D}).
double max_stable_learning_rate(int depth, double s);

// u(t) for every mode and time: rows = times, columns = modes (s.size() == a0.size()).
Eigen::MatrixXd mode_trajectories(const Eigen::VectorXd& s, const Eigen::VectorXd& a0, const Eigen::VectorXd& times,
                                  int depth = 2);

// The loss along the closed-form solution, per time: 1/2 sum_alpha (s_alpha - u_alpha(t))^2 (plus
// 1/2 ||Y||_F^2 - 1/2 sum s^2, which is 0 when the modes span the targets, e.g. one-hot items).
Eigen::VectorXd loss_trajectory(const Eigen::VectorXd& s, const Eigen::VectorXd& a0, const Eigen::VectorXd& times,
                                int depth = 2);

// Effective initial strength of each mode for a small random (non-aligned) two-layer init [notes 1.4]:
//   a0_eff = |W1(0) v_alpha + W2(0)^T u_alpha|^2 / 4
// (the growing a + b component; a - b decays). W1: hidden x N_in, W2: N_out x hidden, U: N_out x r,
// V: N_in x r (the target's singular vectors). Raw projections u^T W2 W1 v are the wrong a0 (can be < 0).
Eigen::VectorXd effective_a0(const Eigen::MatrixXd& w1, const Eigen::MatrixXd& w2, const Eigen::MatrixXd& u,
                             const Eigen::MatrixXd& v);
// Its expectation for iid N(0, sigma0_2) entries in both matrices: hidden * sigma0_2 / 2.
double expected_effective_a0(int hidden, double sigma0_2);

// Conserved quantities of gradient flow with whitened inputs [S14; notes 1.4]: for weights ordered
// input to output (W_1 first), Q_l = W_{l+1}^T W_{l+1} - W_l W_l^T, l = 1..D-1 (hidden x hidden each).
// Zero for balanced init; constant under the flow; drifts by O(eta) under discrete steps.
std::vector<Eigen::MatrixXd> conserved_quantities(const std::vector<Eigen::MatrixXd>& weights);

// One unbalanced two-layer mode (scalars a, b): tau da/dt = b (s - ab), tau db/dt = a (s - ab) [S14 eq. 6],
// a^2 - b^2 conserved. Integrated by RK4 with steps <= 1e-3 / max(s, |a|^2 + |b|^2); rows = times (ascending,
// >= 0), columns (a, b). For phase portraits.
Eigen::MatrixXd mode_phase_trajectory(double s, double a0, double b0, const Eigen::VectorXd& times);

// Parameters of the CLI's `deeplinear learning-time` (flags --depth --s --u0 --uf).
struct learning_time_options {
  int depth = 2;
  double s = 1.0;
  double u0 = 1e-3;
  double uf = 0.5;

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("depth", depth, "number of weight matrices D (1 = shallow)");
    v("s", s, "singular value of the mode (> 0)");
    v("u0", u0, "initial composite mode strength (0 < u0 < s)");
    v("uf", uf, "final mode strength (u0 < uf < s)");
  }
};

}  // namespace nt::deeplinear
