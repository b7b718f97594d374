#pragma once
// Empirical spectra of input-output Jacobians of finite random networks [Pe17 Fig. 1]: width N,
// depth L, many seeds, the input at the fixed point (h^0 ~ N(0, q* I), x^0 = phi(h^0), so every
// layer's pre-activations have variance q*). J = D^L W^L ... D^1 W^1 is accumulated layer by layer.
// Two methods:
//   direct: the plain product, rescaled by powers of two to stay in range, then an SVD. Exact while
//           the spectrum spans fewer than ~12 decades.
//   qr:     QR re-orthonormalisation along the product (as for Lyapunov spectra), keeping the
//           triangular factor in row-scaled log form, then a one-sided Jacobi SVD in that form:
//           log singular values of any spread, at any depth.
//   auto:   direct, falling back to qr when the direct spectrum spans more than ~10 decades.
// Replicate r draws layer l's weights from streams (seed, {r, l, kind, column block}): results do
// not depend on the thread count. Haar weights are sampled as Householder reflectors (Stewart 1980,
// see core/ensembles.hpp) and applied in blocked form; Gaussian ones by GEMM. Threads share each
// network's columns, or take whole networks when there are enough of them.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/signalprop/meanfield.hpp"

namespace nt::isometry {

struct jacobian_options {
  signalprop::network_params network;
  std::string weights = "orthogonal";  // orthogonal | gaussian
  int width = 512;
  int depth = 64;
  int seeds = 4;
  std::uint64_t seed = 1;
  double q_input = -1.0;        // variance of h^0; < 0: the fixed point q*
  std::string method = "auto";  // auto | direct | qr

  void validate() const;
  template <class V>
  void visit(V&& v) {
    network.visit(v);
    v("weights", weights, "weight ensemble: orthogonal or gaussian");
    v("width", width, "network width N");
    v("depth", depth, "number of layers L");
    v("seeds", seeds, "number of independent networks");
    v("seed", seed, "base seed of the random streams");
    v("q_input", q_input, "variance of the input pre-activation h^0 (negative: the fixed point q*)");
    v("method", method, "product method: auto, direct or qr");
  }
};

struct jacobian_result {
  // seeds x width, each row descending: natural logs of the singular values s of J (-inf for
  // exact zeros), and lambda = s^2 (0 or inf where exp(2 log s) leaves the double range).
  Eigen::ArrayXXd log_singular_values;
  Eigen::ArrayXXd lambda;
  std::string method;  // the method used: direct or qr
  double q_star = 0;
  // Pooled over seeds: mean and variance of lambda, with standard errors from the spread across seeds.
  double mean = 0, variance = 0, mean_sem = 0, variance_sem = 0;
  double mean_log = 0;  // mean of log s^2 (finite entries)
  // Timings of the phases (seconds, summed over seeds) and the product's GFLOP/s ((L-1) 2 N^3 per seed).
  double seconds_sample = 0, seconds_product = 0, seconds_svd = 0, product_gflops = 0;
};
jacobian_result simulate_jacobian(const jacobian_options& options);

// Log singular values (descending) of a product M_L ... M_1 of square matrices given one at a
// time, by QR re-orthonormalisation with a row-scaled triangular factor; usable on its own.
class stable_product {
 public:
  explicit stable_product(Eigen::Index n);
  // Multiplies the accumulated product from the left by m (n x n, finite).
  void multiply(const Eigen::Ref<const Eigen::MatrixXd>& m);
  // Log singular values of the current product, descending (-inf for exact zeros).
  [[nodiscard]] Eigen::ArrayXd log_singular_values() const;

 private:
  void reorthonormalize();
  // The product is q_ exp(log_scale_) diag(exp(log_row_scale_)) r_hat_: q_ holds the factors
  // multiplied since the last QR step times its orthonormal factor (a few at a time, see
  // src/isometry/product_stable.hpp).
  Eigen::MatrixXd q_;
  Eigen::MatrixXd r_hat_;  // upper triangular, unit-norm rows
  Eigen::ArrayXd log_row_scale_;
  Eigen::MatrixXd work_;
  Eigen::VectorXd tau_;
  std::vector<double> lapack_work_;
  Eigen::MatrixXd coeff_;
  Eigen::VectorXd scratch_;
  double log_scale_ = 0;
  int pending_ = 0;  // factors in q_ since the last QR step
  int block_ = 1;    // factors per QR step
};

// Log singular values of diag(exp(log_row_scale)) * rows (m x n, m <= n; m values, descending),
// by one-sided Jacobi on the rows with each row's scale kept apart (no overflow at any spread).
Eigen::ArrayXd row_scaled_log_singular_values(Eigen::MatrixXd rows, Eigen::ArrayXd log_row_scale);

}  // namespace nt::isometry
