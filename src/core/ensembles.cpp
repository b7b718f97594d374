#include "neurotheory/core/ensembles.hpp"
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "neurotheory/core/error.hpp"

namespace nt {

weight_ensemble weight_ensemble_from_name(std::string_view name) {
  if (name == "gaussian") return weight_ensemble::gaussian;
  if (name == "orthogonal") return weight_ensemble::orthogonal;
  throw invalid_argument("weights", std::string(name), "must be one of: gaussian, orthogonal");
}

std::string to_string(weight_ensemble ensemble) {
  return ensemble == weight_ensemble::gaussian ? "gaussian" : "orthogonal";
}

void gaussian_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out) {
  require_nonnegative("sigma_w2", sigma_w2);
  if (out.cols() == 0) return;
  const double scale = std::sqrt(sigma_w2 / static_cast<double>(out.cols()));
  // Column-major fill in one sweep when the storage is contiguous, column by column otherwise.
  if (out.outerStride() == out.rows()) {
    stream.fill_normal({out.data(), static_cast<std::size_t>(out.size())});
  } else {
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      stream.fill_normal({out.col(j).data(), static_cast<std::size_t>(out.rows())});
    }
  }
  out *= scale;
}

void haar_orthogonal_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out) {
  require_nonnegative("sigma_w2", sigma_w2);
  const Eigen::Index rows = out.rows();
  const Eigen::Index cols = out.cols();
  if (rows == 0 || cols == 0) return;
  const bool tall = rows >= cols;
  const Eigen::Index m = tall ? rows : cols;  // QR of an m x k Gaussian matrix, k <= m
  const Eigen::Index k = tall ? cols : rows;
  Eigen::MatrixXd a(m, k);
  stream.fill_normal({a.data(), static_cast<std::size_t>(a.size())});
  std::vector<double> tau(static_cast<std::size_t>(k));
  const auto lm = static_cast<lapack_int>(m);
  const auto lk = static_cast<lapack_int>(k);
  if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, lm, lk, a.data(), lm, tau.data()) != 0) {
    throw internal_error("haar_orthogonal_matrix: dgeqrf failed");
  }
  // Signs of diag(R) make the distribution exactly Haar (Mezzadri 2007, "How to generate random
  // matrices from the classical compact groups").
  Eigen::VectorXd signs(k);
  for (Eigen::Index i = 0; i < k; ++i) signs[i] = a(i, i) < 0.0 ? -1.0 : 1.0;
  if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, lm, lk, lk, a.data(), lm, tau.data()) != 0) {
    throw internal_error("haar_orthogonal_matrix: dorgqr failed");
  }
  const double sigma_w = std::sqrt(sigma_w2);
  a *= (sigma_w * signs).asDiagonal();
  if (tall) {
    out = a;
  } else {
    out = a.transpose();
  }
}

void random_weights(weight_ensemble ensemble, rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out) {
  if (ensemble == weight_ensemble::gaussian) {
    gaussian_matrix(stream, sigma_w2, out);
  } else {
    haar_orthogonal_matrix(stream, sigma_w2, out);
  }
}

}  // namespace nt
