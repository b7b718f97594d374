#pragma once
// Random-matrix ensembles for weights. Convention (Poole et al. 2016; Schoenholz et al. 2017):
// W is rows x cols = N_out x N_in, Gaussian entries have variance sigma_w2 / N_in; orthogonal
// weights are sigma_w * O with O Haar-distributed (Mezzadri 2007: QR of a Gaussian matrix with
// the signs of diag(R) absorbed into Q), so W^T W = sigma_w2 I when rows >= cols.
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "neurotheory/core/random.hpp"

namespace nt {

enum class weight_ensemble { gaussian, orthogonal };

weight_ensemble weight_ensemble_from_name(std::string_view name);  // "gaussian" | "orthogonal"
std::string to_string(weight_ensemble ensemble);

// Entries N(0, sigma_w2 / cols).
void gaussian_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);
// sigma_w times a Haar-random matrix with orthonormal columns (rows >= cols) or rows (rows < cols).
void haar_orthogonal_matrix(rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);
// Dispatch on the ensemble.
void random_weights(weight_ensemble ensemble, rng::stream& stream, double sigma_w2, Eigen::Ref<Eigen::MatrixXd> out);

}  // namespace nt
