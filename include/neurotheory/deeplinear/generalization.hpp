#pragma once
// Generalization dynamics of gradient descent (docs/theory/deeplinear.md, "Generalization"):
//   Advani & Saxe, "High-dimensional dynamics of generalization error in neural networks", 2017 [AS]:
//     linear student, noisy linear teacher, inputs x ~ N(0, I/N), load alpha = P/N, total variance
//     sigma_w^2 + sigma_eps^2 = 1 with SNR = sigma_w^2 / sigma_eps^2; the train and test errors of
//     gradient flow are Marchenko-Pastur integrals (notes 3.1).
//   Lampinen & Ganguli, "An analytic theory of generalization dynamics and transfer learning in deep
//     linear networks", ICLR 2019 [LG]: low-rank teacher plus iid noise, deep linear student; spiked
//     random-matrix formulas for the visible modes (notes 3.2).
// Conventions: sum loss, gradient flow tau dw/dt = -dL/dw with tau = 1 (after n GD steps of size eta,
// t = n eta). Errors are per example (AS: mean squared error, test error includes sigma_eps^2) or
// Frobenius sums (LG, in units sigma_z = 1). Every routine validates its options and throws
// nt::invalid_argument for bad input.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include <Eigen/Core>

namespace nt::deeplinear {

// ---------------------------------------------------------------------------------------------
// Advani & Saxe: linear student, noisy linear teacher.

// sigma_w^2 = SNR / (1 + SNR), sigma_eps^2 = 1 / (1 + SNR) (total variance 1, as the AS group's code).
struct teacher_variances {
  double signal = 0;  // sigma_w^2
  double noise = 0;   // sigma_eps^2
};
teacher_variances variances_from_snr(double snr);

struct generalization_options {
  double alpha = 1.0;                                     // load P/N (examples per input dimension)
  double snr = 4.0;                                       // sigma_w^2 / sigma_eps^2
  double time = std::numeric_limits<double>::infinity();  // t / tau; +inf = the asymptote
  double init_variance = 0.0;  // sigma_0^2 of the student's initial weights (frozen for alpha < 1)
  int quadrature = 256;        // Gauss-Legendre nodes for the Marchenko-Pastur integrals

  void validate() const;
  template <class V>
  void visit(V&& v) {
    v("alpha", alpha, "load alpha = P/N (examples per input dimension), > 0");
    v("snr", snr, "signal-to-noise ratio sigma_w^2/sigma_eps^2 (total variance 1), >= 0");
    v("time", time, "training time t/tau (tau = 1/learning rate); inf = the t -> infinity asymptote");
    v("init_variance", init_variance, "variance sigma_0^2 of the student's initial weights");
    v("quadrature", quadrature, "Gauss-Legendre nodes of the Marchenko-Pastur integrals");
  }
};

struct generalization_result {
  double train_error = 0;  // E_t: mean squared training error per example
  double test_error = 0;   // E_g: expected squared error on a fresh example (includes sigma_eps^2)
};

// E_t(t), E_g(t) of AS (notes 3.1) at options.time; +inf gives the closed-form asymptote
// (test error +inf at alpha = 1).
generalization_result generalization_error(const generalization_options& options);

// The t -> infinity limits in closed form [AS; notes 3.1]: E_g = sigma_eps^2 alpha/(alpha - 1) (alpha > 1),
// (1 - alpha)(sigma_w^2 + sigma_0^2) + sigma_eps^2/(1 - alpha) (alpha < 1), +inf at alpha = 1.
generalization_result generalization_asymptote(const generalization_options& options);

// Curves at the given times (options.time is ignored); each time >= 0 (+inf allowed).
struct generalization_curve_result {
  Eigen::ArrayXd time, train_error, test_error;
};
generalization_curve_result generalization_curve(const generalization_options& options, std::span<const double> times);

// points log-spaced times from t_min to t_max (both > 0), for plotting.
std::vector<double> log_time_grid(double t_min, double t_max, int points);

// Optimal early stopping: t* minimises E_g(t) over t >= 0 (log-grid scan, then Brent on log t).
// t* = 0 when training never helps (SNR = 0); t* = +inf when the error never turns up.
struct early_stopping_result {
  double t_star = 0;
  double test_error = 0;   // E_g(t*)
  double train_error = 0;  // E_t(t*)
};
early_stopping_result optimal_early_stopping(const generalization_options& options);

// Ridge regression w = (X^T X + ridge I)^{-1} X^T y on the same data (independent of the
// initialization): per eigenmode the test error is (ridge^2 sigma_w^2 + lambda sigma_eps^2)/(lambda + ridge)^2.
struct ridge_result {
  double ridge = 0;  // the L2 penalty (sum convention)
  double test_error = 0;
  double train_error = 0;
};
ridge_result ridge_error(const generalization_options& options, double ridge);
// The optimum is ridge = 1/SNR (Bayes posterior mean, so no estimator does better; +inf at SNR = 0).
ridge_result optimal_ridge(const generalization_options& options);

// Marchenko-Pastur law of the eigenvalues of X^T X, X: P x N with N(0, 1/N) entries, alpha = P/N:
// rho(lambda) = sqrt((lambda_+ - lambda)(lambda - lambda_-)) / (2 pi lambda), lambda_+- = (sqrt(alpha) +- 1)^2,
// plus a point mass 1 - alpha at 0 when alpha < 1.
struct marchenko_pastur_law {
  double lower = 0, upper = 0;  // lambda_-, lambda_+
  double point_mass = 0;        // max(0, 1 - alpha) at lambda = 0
};
marchenko_pastur_law marchenko_pastur(double alpha);
// The continuous density at each lambda (0 outside the support).
Eigen::ArrayXd marchenko_pastur_density(double alpha, const Eigen::ArrayXd& lambda);

// A finite teacher-student simulation: N inputs, P = round(alpha N) examples with x ~ N(0, I/N),
// teacher w ~ N(0, sigma_w^2 I), label noise N(0, sigma_eps^2), student from N(0, sigma_0^2 I); exact
// gradient flow (or GD with the given step, exactly) in the eigenbasis of X^T X. Test error is exact
// over x: |w - wbar|^2/N + sigma_eps^2; train error |y - X w|^2 / P. Seed s uses rng::stream(seed, {s, ...}).
struct teacher_student_options {
  double alpha = 0.5;
  double snr = 4.0;
  double init_variance = 0.0;
  int inputs = 200;  // N
  int seeds = 16;    // independent data sets (replicates)
  std::uint64_t seed = 1;
  double learning_rate = 0.0;  // 0: gradient flow; > 0: discrete GD, t = steps * learning_rate
  std::vector<double> times = {0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0};
  int quadrature = 256;  // for the theory columns

  void validate() const;
  [[nodiscard]] generalization_options problem() const;  // the matching theory options
  template <class V>
  void visit(V&& v) {
    v("alpha", alpha, "load alpha = P/N, > 0");
    v("snr", snr, "signal-to-noise ratio sigma_w^2/sigma_eps^2 (total variance 1)");
    v("init_variance", init_variance, "variance of the student's initial weights");
    v("inputs", inputs, "input dimension N (P = round(alpha N) examples)");
    v("seeds", seeds, "number of independent data sets");
    v("seed", seed, "base seed of the random streams");
    v("learning_rate", learning_rate, "GD step eta (0: exact gradient flow); t = steps * eta");
    v("times", times, "times t/tau at which errors are recorded");
    v("quadrature", quadrature, "Gauss-Legendre nodes of the theory integrals");
  }
};

struct teacher_student_result {
  Eigen::ArrayXd time;
  Eigen::ArrayXd train_mean, train_sem, test_mean, test_sem;  // over seeds
  Eigen::ArrayXd train_theory, test_theory;                   // AS at the same times
  int examples = 0;                                           // P
  int replicates = 0;
};
teacher_student_result simulate_teacher_student(const teacher_student_options& options);

// ---------------------------------------------------------------------------------------------
// Lampinen & Ganguli: low-rank teacher Wbar = sum sbar u v^T, N1 orthonormal inputs, targets
// Sigma_yx = Wbar + Z with Z iid N(0, 1/N1) (units sigma_z = 1), aspect A = N3/N1. Student: D weight
// matrices, every empirical mode follows the balanced deep mode ODE du/dt = D u^{2-2/D} (shat - u)
// from u(0) = a0 (notes 1.5; D = 1 exponential, D = 2 the S14 sigmoid).

// A teacher mode is visible iff sbar > A^{1/4}.
double spiked_threshold(double aspect);
// shat(sbar) = sqrt((1 + sbar^2)(A + sbar^2)) / sbar above the threshold; the bulk edge 1 + sqrt(A) below.
double spiked_singular_value(double sbar, double aspect);
// O(sbar) = (ubar.uhat)(vbar.vhat) above the threshold, 0 below.
double spiked_overlap(double sbar, double aspect);
// Density of the nonzero singular values s of Z (integrates to 1 over [|1 - sqrt A|, 1 + sqrt A]):
// 2 s rho_MP(s^2; A) / min(1, A); the quarter circle sqrt(4 - s^2)/pi at A = 1.
Eigen::ArrayXd spiked_bulk_density(double aspect, const Eigen::ArrayXd& s);
// Mode strength u(t) of a balanced mode of singular value s from u(0) = a0 in a depth-D student
// (closed forms for D = 1, 2; for D >= 3 the ODE integrated by adaptive RK4 in log u).
Eigen::ArrayXd spiked_mode_strength(double s, double a0, int depth, std::span<const double> times);

struct spiked_options {
  std::vector<double> teacher = {2.0};  // teacher singular values sbar (units sigma_z = 1)
  int inputs = 400;                     // N1 (= P examples, orthonormal inputs)
  int outputs = 400;                    // N3
  int depth = 2;                        // D, weight matrices of the student
  double a0 = 1e-3;                     // initial strength of every mode (2 layers, small random
                                        // init of variance sigma_0^2 and hidden size N2: ~ N2 sigma_0^2 / 2)
  int quadrature = 256;                 // Gauss-Legendre nodes of the bulk integral

  void validate() const;
  [[nodiscard]] double aspect() const { return static_cast<double>(outputs) / static_cast<double>(inputs); }
  template <class V>
  void visit(V&& v) {
    v("teacher", teacher, "teacher singular values sbar (units of the noise sigma_z = 1)");
    v("inputs", inputs, "input dimension N1 (= number of orthonormal examples)");
    v("outputs", outputs, "output dimension N3");
    v("depth", depth, "number of weight matrices D of the student");
    v("a0", a0, "initial strength of every mode");
    v("quadrature", quadrature, "Gauss-Legendre nodes of the noise-bulk integral");
  }
};

struct spiked_mode {
  double sbar = 0, shat = 0, overlap = 0;
  bool visible = false;
};

// LG train and test errors over time (notes 3.2), Frobenius sums:
//   train(t) = sum_visible (shat - a(t; shat))^2 + (min(N1,N3) - #visible) int rho_bulk(s) (s - a(t; s))^2 ds
//   test(t)  = sum_visible [sbar^2 + a^2 - 2 sbar a O] + sum_invisible sbar^2
//              + (min(N1,N3) - #visible) int rho_bulk(s) a(t; s)^2 ds
// Divide by teacher_norm2 = sum sbar^2 for the relative error LG plot.
struct spiked_curve_result {
  std::vector<spiked_mode> modes;  // in the order of options.teacher
  int visible = 0;
  double teacher_norm2 = 0;
  double bulk_lower = 0, bulk_upper = 0;  // |1 - sqrt A|, 1 + sqrt A
  Eigen::ArrayXd time, train_error, test_error;
};
spiked_curve_result spiked_curve(const spiked_options& options, std::span<const double> times);

// Optimal early stopping of the LG test curve: t* minimises test(t) (log-grid scan over 1e-4..1e6,
// then Brent on log t); LG [P]: the early-stopped error depends on the teacher's SNRs, hardly on depth.
early_stopping_result spiked_optimal_stopping(const spiked_options& options);

// The non-gradient estimator of LG [P]: keep the modes above the bulk edge and shrink each observed
// singular value shat to sbar(shat) O(sbar(shat)), inverting shat(sbar):
// sbar^2 = [(shat^2 - 1 - A) + sqrt((shat^2 - 1 - A)^2 - 4A)] / 2; 0 at or below the edge 1 + sqrt(A).
// (A = 1: sqrt(shat^2 - 4) = sbar - 1/sbar, the optimal Frobenius-loss shrinker.)
double spiked_shrinkage(double shat, double aspect);
// Its test error sum_visible sbar^2 (1 - O^2) + sum_invisible sbar^2 (large N), never above early-stopped GD.
double spiked_shrinkage_error(const spiked_options& options);

// Monte Carlo of the spiked model: sample Wbar + Z, SVD, measure shat and the overlap of each teacher
// mode (matched by rank order), and the errors of the decoupled-mode student
// W(t) = sum_beta a(t; shat_beta) uhat_beta vhat_beta^T on the sample at the given times.
struct spiked_simulation_options {
  spiked_options model;
  int seeds = 8;
  std::uint64_t seed = 1;
  std::vector<double> times = {0.0, 1.0, 2.0, 4.0, 8.0, 16.0};

  void validate() const;
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    v("seeds", seeds, "number of sampled noisy matrices");
    v("seed", seed, "base seed of the random streams");
    v("times", times, "times t/tau at which errors are recorded");
  }
};

struct spiked_simulation_result {
  // Per teacher mode (order of options.model.teacher):
  Eigen::ArrayXd shat_mean, shat_sem, shat_theory;
  Eigen::ArrayXd overlap_mean, overlap_sem, overlap_theory;
  // Per time:
  Eigen::ArrayXd time, train_mean, train_sem, test_mean, test_sem, train_theory, test_theory;
  int replicates = 0;
};
spiked_simulation_result simulate_spiked(const spiked_simulation_options& options);

}  // namespace nt::deeplinear
