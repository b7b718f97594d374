#pragma once
// Private helpers of the stable product (jacobian.cpp): QR re-orthonormalisation of a running
// product with a row-scaled triangular factor, as for Lyapunov spectra (Benettin, Galgani,
// Giorgilli & Strelcyn 1980, "Lyapunov characteristic exponents for smooth dynamical systems";
// Eckmann & Ruelle 1985). The product is P = Z R-hat with R-hat = diag(exp(r)) T, T upper
// triangular with unit-norm rows; Z is orthonormal right after each QR step and carries the plain
// product of the few factors applied since.
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "neurotheory/core/error.hpp"

namespace nt::isometry::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kLn2 = 0.693147180559945309417;
// Factors are multiplied plainly between QR steps while the last QR saw a spread of its diagonal
// below e^kBlockBudget (at most kMaxBlock factors): a block then loses at most ~eps e^18 ~ 1e-8 of
// its smallest directions relative to its largest ones, and cannot overflow.
inline constexpr double kBlockBudget = 18.0;
inline constexpr int kMaxBlock = 8;
// Plain products are rescaled by powers of two when their largest entry leaves [2^-500, 2^500].
inline constexpr int kRescaleExponent = 500;

// Power-of-two exponent that brings max |entry| = m back to ~1, or 0 while m is in range.
inline int rescale_exponent(double m) {
  if (!(m > 0.0) || !std::isfinite(m)) return 0;
  const int e = std::ilogb(m);
  return (e > kRescaleExponent || e < -kRescaleExponent) ? e : 0;
}

// Preallocated LAPACK, coefficient and scratch storage for absorb(): nothing is allocated per call.
struct qr_buffers {
  Eigen::VectorXd& tau;       // n
  std::vector<double>& work;  // dgeqrf and dorgqr workspace
  Eigen::MatrixXd& coeff;     // n x n
  Eigen::VectorXd& scratch;   // 2 n
};

inline void reserve(qr_buffers b, Eigen::Index n) {
  if (b.coeff.rows() == n && b.tau.size() == n && !b.work.empty()) return;
  b.tau.resize(n);
  b.coeff.resize(n, n);
  b.scratch.resize(2 * n);
  const Eigen::Index m = std::max<Eigen::Index>(n, 1);
  const auto ln = static_cast<lapack_int>(m);
  double q1 = 0, q2 = 0;
  Eigen::MatrixXd probe(m, m);
  Eigen::VectorXd tau(m);
  LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, ln, ln, probe.data(), ln, tau.data(), &q1, -1);
  LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, ln, ln, ln, probe.data(), ln, tau.data(), &q2, -1);
  b.work.resize(static_cast<std::size_t>(std::max({q1, q2, 1.0})));
}

// One QR step. On entry z (n x n) is the product since the last step, times exp(log_scale).
// Householder QR z = Q' R'; then R-hat <- exp(log_scale) R' R-hat in row-scaled log form:
//   (R' diag(e^r) T)_i = sum_{j>=i} R'_ij e^{r_j} T_j = e^{rho_i} sum_j C_ij T_j,
//   rho_i = max_j (log|R'_ij| + r_j),  C_ij = sign(R'_ij) exp(log|R'_ij| + r_j - rho_i) in [-1, 1],
// every exponent difference formed before exponentiating, so no spread overflows. T <- C T (dtrmm),
// rows renormalised into r. Unless final, z is overwritten with Q' (dorgqr). Returns the spread
// max_j log|R'_jj| - min_j log|R'_jj| (+inf when some R'_jj = 0), or NaN on a LAPACK failure.
inline double absorb(Eigen::Ref<Eigen::MatrixXd> z, double log_scale, Eigen::MatrixXd& t, Eigen::ArrayXd& r,
                     qr_buffers ws, bool final) {
  const Eigen::Index n = z.rows();
  const auto ln = static_cast<lapack_int>(n);
  const auto lda = static_cast<lapack_int>(z.outerStride());
  const auto lwork = static_cast<lapack_int>(ws.work.size());
  if (n == 0) return 0.0;
  if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, ln, ln, z.data(), lda, ws.tau.data(), ws.work.data(), lwork) != 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double dmax = -kInf, dmin = kInf;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double a = std::abs(z(j, j));
    const double la = a > 0.0 ? std::log(a) : -kInf;
    dmax = std::max(dmax, la);
    dmin = std::min(dmin, la);
  }
  const double spread = dmax - dmin;

  // Exponents L_ij = log|R'_ij| + r_j (upper triangle, column by column), row maxima rho_i.
  auto& c = ws.coeff;
  auto rho = ws.scratch.head(n);
  auto row_norm = ws.scratch.tail(n);
  rho.setConstant(-kInf);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i <= j; ++i) {
      const double a = std::abs(z(i, j));
      const double e = (a > 0.0 && r[j] > -kInf) ? std::log(a) + r[j] : -kInf;
      c(i, j) = e;
      rho[i] = std::max(rho[i], e);
    }
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i <= j; ++i) {
      const double e = c(i, j);
      c(i, j) = e > -kInf ? std::copysign(std::exp(e - rho[i]), z(i, j)) : 0.0;
    }
  }
  {
    const char side = 'L', uplo = 'U', trans = 'N', diag = 'N';
    const int in = static_cast<int>(n), ldc = static_cast<int>(c.outerStride()),
              ldt = static_cast<int>(t.outerStride());
    const double one = 1.0;
    dtrmm_(&side, &uplo, &trans, &diag, &in, &in, &one, c.data(), &ldc, t.data(), &ldt);
  }
  row_norm = t.rowwise().norm();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double nrm = row_norm[i];
    if (nrm > 0.0 && rho[i] > -kInf && std::isfinite(nrm)) {
      r[i] = log_scale + rho[i] + std::log(nrm);
      row_norm[i] = 1.0 / nrm;
    } else {
      r[i] = -kInf;
      row_norm[i] = 0.0;
    }
  }
  t.array().colwise() *= row_norm.array();
  if (!final) {
    if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, ln, ln, ln, z.data(), lda, ws.tau.data(), ws.work.data(), lwork) != 0) {
      return std::numeric_limits<double>::quiet_NaN();
    }
  }
  return spread;
}

// Factors to multiply plainly before the next QR step, from the spread of the last one.
inline int next_block(double spread, int layers) {
  if (!(spread >= 0.0) || !std::isfinite(spread)) return 1;
  const double per_layer = spread / std::max(layers, 1);
  if (per_layer <= kBlockBudget / kMaxBlock) return kMaxBlock;
  return std::clamp(static_cast<int>(kBlockBudget / per_layer), 1, kMaxBlock);
}

}  // namespace nt::isometry::detail
