#pragma once
// Random-matrix ensembles for weights. Convention (Poole et al. 2016; Schoenholz et al. 2017):
// W is rows x cols = N_out x N_in, Gaussian entries have variance sigma_w2 / N_in; orthogonal
// weights are sigma_w * O with O Haar-distributed (Mezzadri 2007: QR of a Gaussian matrix with
// the signs of diag(R) absorbed into Q), so W^T W = sigma_w2 I when rows >= cols.
#include <cstdint>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "neurotheory/core/random.hpp"

namespace nt {

enum class weight_ensemble { gaussian, orthogonal };

weight_ensemble weight_ensemble_from_name(std::string_view name);  // "gaussian" | "orthogonal"
std::string to_string(weight_ensemble ensemble);

// A Haar-random orthogonal matrix O = H_1 ... H_k S kept as k Householder reflectors (Stewart 1980,
// "The efficient generation of random orthogonal matrices with an application to condition
// estimators"): the reflectors LAPACK's dgeqrf produces from an n x n Gaussian matrix are, in
// distribution, independent reflectors built from fresh Gaussian vectors of lengths n, n-1, ...,
// n-k+1 (the trailing block stays iid Gaussian after each reflection), and S = diag(sign(R_jj)) makes
// the law exactly Haar (Mezzadri 2007). Sampling costs O(n k) (normals and one norm per column), no
// QR; applying O to an n x m block costs 2 n^2 m flops in blocked (compact WY) form.
// With k < n the first k columns of O are Haar-distributed on the Stiefel manifold (matrix()).
class householder_orthogonal {
 public:
  // Reflectors are grouped in blocks of this many columns; block b uses columns [64 b, 64 b + 64).
  static constexpr Eigen::Index block_size = 64;

  householder_orthogonal() = default;
  // Shape only (rows n >= reflectors k >= 0; k < 0 means k = n). Keeps storage when unchanged.
  void resize(Eigen::Index rows, Eigen::Index reflectors = -1);
  // Draws all reflectors from the stream, block after block (block b from the stream's next normals).
  void sample(rng::stream& stream, Eigen::Index rows, Eigen::Index reflectors = -1);
  // Draws the reflectors of block b only, from the given stream (after resize): blocks are
  // independent, so they may be drawn concurrently, each from its own stream.
  void sample_block(Eigen::Index block, rng::stream& stream);

  [[nodiscard]] Eigen::Index rows() const { return v_.rows(); }
  [[nodiscard]] Eigen::Index reflectors() const { return v_.cols(); }
  [[nodiscard]] Eigen::Index blocks() const { return (reflectors() + block_size - 1) / block_size; }
  // S: the signs (+1 or -1) of the diagonal of R.
  [[nodiscard]] const Eigen::VectorXd& signs() const { return signs_; }
  // Reflector vectors (unit diagonal, zeros above it) and their factors: H_j = I - tau_j v_j v_j^T.
  [[nodiscard]] const Eigen::MatrixXd& reflector_vectors() const { return v_; }
  [[nodiscard]] const Eigen::VectorXd& tau() const { return tau_; }

  // x <- O x and x <- O^T x for square O (rows x m blocks).
  void apply(Eigen::Ref<Eigen::MatrixXd> x) const;
  void apply_transpose(Eigen::Ref<Eigen::MatrixXd> x) const;
  // x <- Q x or Q^T x with Q = H_1 ... H_k, without S (callers fold S into a diagonal scaling).
  // work: at least block_size x x.cols(); nothing is allocated. Safe to call concurrently.
  void apply_reflectors(Eigen::Ref<Eigen::MatrixXd> x, bool transpose, Eigen::Ref<Eigen::MatrixXd> work) const;
  // The first k columns of O explicitly (rows x k), by LAPACK's dorgqr.
  [[nodiscard]] Eigen::MatrixXd matrix() const;

 private:
  Eigen::MatrixXd v_;      // rows x k: reflector vectors
  Eigen::VectorXd tau_;    // k
  Eigen::VectorXd signs_;  // k
  Eigen::MatrixXd t_;      // block_size x k: the triangular factor T_b of each block (I - V_b T_b V_b^T)
};

// Entries N(0, sigma_w2 / cols).
void gaussian_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);
// sigma_w times a Haar-random matrix with orthonormal columns (rows >= cols) or rows (rows < cols),
// by householder_orthogonal (O(rows cols) normals, no QR of a Gaussian matrix).
void haar_orthogonal_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);
// Dispatch on the ensemble.
void random_weights(weight_ensemble ensemble, rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);

}  // namespace nt
