#include "neurotheory/signalprop/simulate.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/QR>

#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::signalprop {
namespace {

enum stream_tag : std::uint64_t { weights_tag = 1, bias_tag = 2, input_tag = 3, error_tag = 4 };

// Per-replicate measurements: rows = layers, columns = inputs or pairs.
struct replicate_measure {
  Eigen::ArrayXXd q, c, growth;
};

// Orthonormal directions for the inputs (Gram-Schmidt of Gaussian vectors): exact lengths and
// exact input correlations.
Eigen::MatrixXd orthonormal_directions(rng::stream& s, Eigen::Index n, Eigen::Index k) {
  Eigen::MatrixXd g(n, k);
  s.fill_normal({g.data(), static_cast<std::size_t>(g.size())});
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  return qr.householderQ() * Eigen::MatrixXd::Identity(n, k);
}

}  // namespace

void simulation_options::validate() const {
  network.validate();
  require_at_least("width", width, 1);
  require_at_least("depth", depth, 1);
  require_at_least("seeds", seeds, 1);
  (void)weight_ensemble_from_name(weights);
  if (static_cast<double>(width) * width > 2.5e8) {
    throw invalid_argument("width", std::to_string(width), "must be at most 15811 (a width x width matrix per layer)");
  }
  const auto inputs = static_cast<long long>(q0.size() + 2 * c0.size());
  if (inputs < 1) throw invalid_argument("q0, c0", "empty", "give at least one input length or pair correlation");
  if (inputs + 1 > width) {
    throw invalid_argument("width", std::to_string(width),
                           "must exceed the number of input vectors (" + std::to_string(inputs) + ")");
  }
  for (double q : q0) require_positive("q0", q);
  for (double c : c0) require_in_range("c0", c, -1.0, 1.0);
  if (pair_q0 >= 0.0) require_positive("pair_q0", pair_q0);
}

simulation_result simulate(const simulation_options& options) {
  options.validate();
  const auto& params = options.network;
  const auto& act = activation_by_name(params.activation);
  const auto ensemble = weight_ensemble_from_name(options.weights);
  const Eigen::Index n = options.width;
  const Eigen::Index depth = options.depth;
  const auto nq = static_cast<Eigen::Index>(options.q0.size());
  const auto nc = static_cast<Eigen::Index>(options.c0.size());
  const Eigen::Index k = nq + 2 * nc;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  simulation_result r;
  r.replicates = options.seeds;
  r.layer = Eigen::ArrayXd::LinSpaced(depth + 1, 0.0, static_cast<double>(depth));
  const auto fp = fixed_point(params);
  r.q_star = fp.q_star;
  if (options.pair_q0 >= 0.0) {
    r.pair_q0 = options.pair_q0;
  } else {
    // q^1 = sigma_w2 q^0 + sigma_b2 = q*  =>  q^0 = (q* - sigma_b2) / sigma_w2.
    const bool ok = fp.q_status == solve_status::converged && params.sigma_w2 > 0.0 && fp.q_star > params.sigma_b2;
    r.pair_q0 = ok ? (fp.q_star - params.sigma_b2) / params.sigma_w2 : 1.0;
  }

  std::vector<replicate_measure> per(static_cast<std::size_t>(options.seeds));
  constexpr double kWeightMemoryBudget = 3.0 * (1U << 30U);  // bytes, all threads together
  const bool keep_weights = options.gradients && static_cast<double>(depth) * static_cast<double>(n * n) *
                                                         sizeof(double) * std::min(thread_count(), options.seeds) <=
                                                     kWeightMemoryBudget;
  const blas_single_thread blas_guard;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (int rep = 0; rep < options.seeds; ++rep) {
    auto& m = per[static_cast<std::size_t>(rep)];
    m.q.setConstant(depth + 1, nq, nan);
    m.c.setConstant(depth + 1, nc, nan);
    m.growth.setConstant(depth + 1, nq, nan);
    const auto urep = static_cast<std::uint64_t>(rep);
    rng::stream input_stream(options.seed, {input_tag, urep});
    const Eigen::MatrixXd dirs = orthonormal_directions(input_stream, n, nq + 2 * nc);
    Eigen::MatrixXd x(n, k);
    const double sn = std::sqrt(static_cast<double>(n));
    for (Eigen::Index i = 0; i < nq; ++i)
      x.col(i) = sn * std::sqrt(options.q0[static_cast<std::size_t>(i)]) * dirs.col(i);
    for (Eigen::Index p = 0; p < nc; ++p) {
      const double c = options.c0[static_cast<std::size_t>(p)];
      const double len = sn * std::sqrt(r.pair_q0);
      x.col(nq + 2 * p) = len * dirs.col(nq + 2 * p);
      x.col(nq + 2 * p + 1) = len * (c * dirs.col(nq + 2 * p) + std::sqrt(1.0 - c * c) * dirs.col(nq + 2 * p + 1));
    }
    auto measure = [&](Eigen::Index l, const Eigen::MatrixXd& h) {
      const Eigen::RowVectorXd sq = h.colwise().squaredNorm() / static_cast<double>(n);
      for (Eigen::Index i = 0; i < nq; ++i) m.q(l, i) = sq[i];
      for (Eigen::Index p = 0; p < nc; ++p) {
        const Eigen::Index a = nq + 2 * p;
        m.c(l, p) = h.col(a).dot(h.col(a + 1)) / static_cast<double>(n) / std::sqrt(sq[a] * sq[a + 1]);
      }
    };
    measure(0, x);
    Eigen::MatrixXd w(n, n), h(n, k), post(n, k);
    Eigen::VectorXd b(n);
    // phi'(h^l) of the single inputs, kept for the backward pass.
    std::vector<Eigen::MatrixXd> slopes;
    if (options.gradients) slopes.resize(static_cast<std::size_t>(depth) + 1);
    post = x;
    std::vector<double> buffer(static_cast<std::size_t>(n * k));
    std::vector<double> slope_buffer(static_cast<std::size_t>(n * nq));
    // The backward pass needs every W^l again: keep them while they fit the memory budget,
    // otherwise regenerate them from their streams (same numbers either way).
    std::vector<Eigen::MatrixXd> kept;
    if (keep_weights) kept.resize(static_cast<std::size_t>(depth) + 1);
    for (Eigen::Index l = 1; l <= depth; ++l) {
      const auto ul = static_cast<std::uint64_t>(l);
      rng::stream ws(options.seed, {weights_tag, urep, ul});
      random_weights(ensemble, ws, params.sigma_w2, w);
      if (keep_weights) kept[static_cast<std::size_t>(l)] = w;
      rng::stream bs(options.seed, {bias_tag, urep, ul});
      bs.fill_normal({b.data(), static_cast<std::size_t>(n)});
      b *= std::sqrt(params.sigma_b2);
      h.noalias() = w * post;
      h.colwise() += b;
      measure(l, h);
      std::span<const double> hs(h.data(), static_cast<std::size_t>(h.size()));
      if (options.gradients) {
        act.evaluate(hs.first(static_cast<std::size_t>(n * nq)), {}, slope_buffer, {});
        slopes[static_cast<std::size_t>(l)] = Eigen::Map<Eigen::MatrixXd>(slope_buffer.data(), n, nq);
      }
      act.evaluate(hs, buffer, {}, {});
      post = Eigen::Map<Eigen::MatrixXd>(buffer.data(), n, k);
    }
    if (options.gradients && nq > 0) {
      // delta^L = phi'(h^L) o e with e ~ N(0, I); delta^l = phi'(h^l) o (W^{l+1,T} delta^{l+1}).
      rng::stream es(options.seed, {error_tag, urep});
      Eigen::MatrixXd delta(n, nq);
      es.fill_normal({delta.data(), static_cast<std::size_t>(delta.size())});
      delta = delta.cwiseProduct(slopes[static_cast<std::size_t>(depth)]);
      Eigen::RowVectorXd norm_next = delta.colwise().squaredNorm();
      Eigen::MatrixXd back(n, nq);
      for (Eigen::Index l = depth - 1; l >= 1; --l) {
        if (!keep_weights) {
          rng::stream ws(options.seed, {weights_tag, urep, static_cast<std::uint64_t>(l + 1)});
          random_weights(ensemble, ws, params.sigma_w2, w);
        }
        const Eigen::MatrixXd& w_next = keep_weights ? kept[static_cast<std::size_t>(l + 1)] : w;
        back.noalias() = w_next.transpose() * delta;
        delta = back.cwiseProduct(slopes[static_cast<std::size_t>(l)]);
        const Eigen::RowVectorXd norm = delta.colwise().squaredNorm();
        for (Eigen::Index i = 0; i < nq; ++i) m.growth(l, i) = norm[i] / norm_next[i];
        norm_next = norm;
      }
    }
  }

  // Mean and standard error over replicates, in replicate order (thread-count independent).
  auto reduce = [&](auto member, Eigen::Index cols, Eigen::ArrayXXd& mean, Eigen::ArrayXXd& sem) {
    mean.setZero(depth + 1, cols);
    sem.setZero(depth + 1, cols);
    for (const auto& m : per) mean += m.*member;
    mean /= static_cast<double>(options.seeds);
    for (const auto& m : per) sem += (m.*member - mean).square();
    const double s = static_cast<double>(options.seeds);
    sem = options.seeds > 1 ? (sem / (s - 1.0) / s).sqrt().eval() : Eigen::ArrayXXd::Constant(depth + 1, cols, nan);
  };
  reduce(&replicate_measure::q, nq, r.q_mean, r.q_sem);
  reduce(&replicate_measure::c, nc, r.c_mean, r.c_sem);
  reduce(&replicate_measure::growth, nq, r.gradient_mean, r.gradient_sem);

  r.q_theory.resize(depth + 1, nq);
  r.gradient_theory.setConstant(depth + 1, nq, nan);
  for (Eigen::Index i = 0; i < nq; ++i) {
    const double q0 = options.q0[static_cast<std::size_t>(i)];
    const auto t = trajectory(params, q0, q0, 1.0, static_cast<int>(depth));
    r.q_theory.col(i) = t.q_a;
    for (Eigen::Index l = 1; l < depth; ++l) r.gradient_theory(l, i) = t.chi[l];
  }
  r.c_theory.resize(depth + 1, nc);
  for (Eigen::Index p = 0; p < nc; ++p) {
    const auto t =
        trajectory(params, r.pair_q0, r.pair_q0, options.c0[static_cast<std::size_t>(p)], static_cast<int>(depth));
    r.c_theory.col(p) = t.c;
  }

  // Agreement over layers 1..L: layer 0 holds the inputs, exact by construction (its standard
  // error is rounding noise and would inflate the z-scores).
  const Eigen::Index measured = depth;
  auto max_z = [measured](const Eigen::ArrayXXd& mean, const Eigen::ArrayXXd& sem, const Eigen::ArrayXXd& theory) {
    double z = 0.0;
    for (Eigen::Index col = 0; col < mean.cols(); ++col) {
      for (Eigen::Index l = mean.rows() - measured; l < mean.rows(); ++l) {
        const double s = sem(l, col);
        if (std::isfinite(mean(l, col)) && std::isfinite(theory(l, col)) && s > 0.0) {
          z = std::max(z, std::abs(mean(l, col) - theory(l, col)) / s);
        }
      }
    }
    return z;
  };
  auto max_rel = [measured](const Eigen::ArrayXXd& mean, const Eigen::ArrayXXd& theory) {
    double e = 0.0;
    for (Eigen::Index col = 0; col < mean.cols(); ++col) {
      for (Eigen::Index l = mean.rows() - measured; l < mean.rows(); ++l) {
        if (std::isfinite(mean(l, col)) && std::isfinite(theory(l, col)) && theory(l, col) != 0.0) {
          e = std::max(e, std::abs(mean(l, col) / theory(l, col) - 1.0));
        }
      }
    }
    return e;
  };
  r.max_q_z = max_z(r.q_mean, r.q_sem, r.q_theory);
  r.max_c_z = max_z(r.c_mean, r.c_sem, r.c_theory);
  r.max_gradient_z = max_z(r.gradient_mean, r.gradient_sem, r.gradient_theory);
  r.max_q_relative = max_rel(r.q_mean, r.q_theory);
  r.max_gradient_relative = max_rel(r.gradient_mean, r.gradient_theory);
  double cabs = 0.0;
  for (Eigen::Index i = 0; i < r.c_mean.size(); ++i) {
    if (std::isfinite(r.c_mean(i))) cabs = std::max(cabs, std::abs(r.c_mean(i) - r.c_theory(i)));
  }
  r.max_c_abs = cabs;
  return r;
}

}  // namespace nt::signalprop
