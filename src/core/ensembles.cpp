#include "neurotheory/core/ensembles.hpp"
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <string>
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

namespace {

// The reflector H = I - tau v v^T with H [alpha; x] = [beta; 0] (LAPACK's dlarfg), overwriting
// col[0..m) with v (v_0 = 1); returns tau and sign(beta). Gaussian columns never need dlarfg's
// rescaling loop; anything else goes to LAPACK.
void make_reflector(double* col, Eigen::Index m, double& tau, double& sign) {
  const double alpha = col[0];
  Eigen::Map<Eigen::VectorXd> x(col + 1, m - 1);
  const double xnorm2 = x.squaredNorm();
  if (xnorm2 == 0.0) {
    tau = 0.0;
    sign = alpha < 0.0 ? -1.0 : 1.0;
  } else if (xnorm2 > 1e-280 && xnorm2 < 1e280 && std::abs(alpha) < 1e140) {
    const double beta = -std::copysign(std::sqrt(alpha * alpha + xnorm2), alpha);
    tau = (beta - alpha) / beta;
    x *= 1.0 / (alpha - beta);
    sign = beta < 0.0 ? -1.0 : 1.0;
  } else {
    double a = alpha;
    LAPACKE_dlarfg_work(static_cast<lapack_int>(m), &a, col + 1, 1, &tau);
    sign = a < 0.0 ? -1.0 : 1.0;
  }
  col[0] = 1.0;
}

}  // namespace

void householder_orthogonal::resize(Eigen::Index rows, Eigen::Index reflectors) {
  if (reflectors < 0) reflectors = rows;
  require_at_least("rows", rows, 0);
  if (reflectors > rows) {
    throw invalid_argument("reflectors", std::to_string(reflectors),
                           "must be at most rows (" + std::to_string(rows) + ")");
  }
  if (v_.rows() == rows && v_.cols() == reflectors) return;
  // Entries above the diagonal stay zero for good: sampling writes the diagonal and below only.
  v_.setZero(rows, reflectors);
  tau_.setZero(reflectors);
  signs_.setOnes(reflectors);
  t_.setZero(block_size, reflectors);
}

void householder_orthogonal::sample_block(Eigen::Index block, rng::stream& stream) {
  const Eigen::Index n = rows();
  const Eigen::Index j0 = block * block_size;
  const Eigen::Index j1 = std::min(j0 + block_size, reflectors());
  if (block < 0 || j0 >= j1) throw invalid_argument("block", std::to_string(block), "no such block of reflectors");
  for (Eigen::Index j = j0; j < j1; ++j) {
    double* col = &v_(j, j);
    stream.fill_normal({col, static_cast<std::size_t>(n - j)});
    make_reflector(col, n - j, tau_[j], signs_[j]);
  }
  // Compact WY form of the block: H_j0 ... H_j1-1 = I - V T V^T (Schreiber & Van Loan 1989).
  LAPACKE_dlarft_work(LAPACK_COL_MAJOR, 'F', 'C', static_cast<lapack_int>(n - j0), static_cast<lapack_int>(j1 - j0),
                      &v_(j0, j0), static_cast<lapack_int>(n), &tau_[j0], &t_(0, j0),
                      static_cast<lapack_int>(block_size));
}

void householder_orthogonal::sample(rng::stream& stream, Eigen::Index rows, Eigen::Index reflectors) {
  resize(rows, reflectors);
  for (Eigen::Index b = 0; b < blocks(); ++b) sample_block(b, stream);
}

void householder_orthogonal::apply_reflectors(Eigen::Ref<Eigen::MatrixXd> x, bool transpose,
                                              Eigen::Ref<Eigen::MatrixXd> work) const {
  const Eigen::Index n = rows();
  const Eigen::Index cols = x.cols();
  if (x.rows() != n) throw invalid_argument("x", std::to_string(x.rows()) + " rows", "must have " + std::to_string(n));
  if (cols == 0 || reflectors() == 0) return;
  if (work.rows() < block_size || work.cols() < cols) {
    throw invalid_argument("work", std::to_string(work.rows()) + " x " + std::to_string(work.cols()),
                           "must be at least " + std::to_string(block_size) + " x " + std::to_string(cols));
  }
  // Q = W_1 ... W_B with W_b = I - V_b T_b V_b^T acting on rows [j0, n): Q x applies W_B first,
  // Q^T x applies W_1^T = I - V_1 T_1^T V_1^T first.
  const Eigen::Index nb = blocks();
  for (Eigen::Index step = 0; step < nb; ++step) {
    const Eigen::Index b = transpose ? step : nb - 1 - step;
    const Eigen::Index j0 = b * block_size;
    const Eigen::Index kb = std::min(block_size, reflectors() - j0);
    const Eigen::Index m = n - j0;
    const auto v = v_.block(j0, j0, m, kb);
    auto xb = x.bottomRows(m);
    auto w = work.topLeftCorner(kb, cols);
    w.noalias() = v.transpose() * xb;
    const char side = 'L', uplo = 'U', trans = transpose ? 'T' : 'N', diag = 'N';
    const int ik = static_cast<int>(kb), ic = static_cast<int>(cols), ldt = static_cast<int>(block_size);
    const int ldw = static_cast<int>(work.outerStride());
    const double one = 1.0;
    dtrmm_(&side, &uplo, &trans, &diag, &ik, &ic, &one, &t_(0, j0), &ldt, w.data(), &ldw);
    xb.noalias() -= v * w;
  }
}

void householder_orthogonal::apply(Eigen::Ref<Eigen::MatrixXd> x) const {
  if (reflectors() != rows())
    throw invalid_argument("reflectors", std::to_string(reflectors()), "apply needs a square O");
  Eigen::MatrixXd work(block_size, x.cols());
  x.array().colwise() *= signs_.array();
  apply_reflectors(x, false, work);
}

void householder_orthogonal::apply_transpose(Eigen::Ref<Eigen::MatrixXd> x) const {
  if (reflectors() != rows())
    throw invalid_argument("reflectors", std::to_string(reflectors()), "apply needs a square O");
  Eigen::MatrixXd work(block_size, x.cols());
  apply_reflectors(x, true, work);
  x.array().colwise() *= signs_.array();
}

Eigen::MatrixXd householder_orthogonal::matrix() const {
  Eigen::MatrixXd q = v_;
  const auto m = static_cast<lapack_int>(rows());
  const auto k = static_cast<lapack_int>(reflectors());
  if (k == 0) return q;
  double query = 0;
  LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, k, k, q.data(), m, tau_.data(), &query, -1);
  std::vector<double> work(static_cast<std::size_t>(query));
  if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, k, k, q.data(), m, tau_.data(), work.data(),
                          static_cast<lapack_int>(work.size())) != 0) {
    throw internal_error("householder_orthogonal: dorgqr failed");
  }
  // Mezzadri 2007: O = Q diag(sign(R_jj)) is Haar.
  q *= signs_.asDiagonal();
  return q;
}

void haar_orthogonal_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out) {
  require_nonnegative("sigma_w2", sigma_w2);
  const Eigen::Index rows = out.rows();
  const Eigen::Index cols = out.cols();
  if (rows == 0 || cols == 0) return;
  const bool tall = rows >= cols;
  householder_orthogonal o;
  o.sample(stream, tall ? rows : cols, tall ? cols : rows);
  const double sigma_w = std::sqrt(sigma_w2);
  if (tall) {
    out = sigma_w * o.matrix();
  } else {
    out = sigma_w * o.matrix().transpose();
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
