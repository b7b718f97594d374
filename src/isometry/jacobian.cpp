#include "neurotheory/isometry/jacobian.hpp"
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

#include "isometry/product_stable.hpp"

namespace nt::isometry {
namespace {

using detail::kInf;
using detail::kLn2;
using clock_type = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Stream ids: replicate r, layer l, then the kind; weights add the column block b.
enum stream_tag : std::uint64_t { weights_tag = 1, bias_tag = 2, input_tag = 3 };

// Columns of W (sampling) and of J (product) are split into blocks of this width, whatever the
// thread count: every block is computed by the same calls on the same numbers, so results do not
// depend on how blocks are shared out.
// Weights are sampled in blocks of 64 columns (the reflector blocks); the product works on wider
// blocks for large N (fewer, larger GEMMs: N = 512 -> 4 blocks of 128).
constexpr Eigen::Index kColumnBlock = householder_orthogonal::block_size;
Eigen::Index product_block_width(Eigen::Index n) { return std::clamp<Eigen::Index>(64 * (n / 256), 64, 256); }
// auto: the direct spectrum is trusted while s_min / s_max >= this.
constexpr double kDirectRange = 1e-10;

struct seed_output {
  Eigen::ArrayXd log_s;  // descending
  bool direct_ok = true;
  bool qr = false;
  double t_sample = 0, t_product = 0, t_svd = 0;
};

// One network at a time: J = D^L W^L ... D^1 W^1 [Pe17 eq. 2] accumulated layer by layer in
// column blocks, the layer's weights sampled once and shared by all blocks. All buffers are
// allocated here, none in the layer loop.
class jacobian_engine {
 public:
  jacobian_engine(const jacobian_options& o, const activation& act, weight_ensemble ensemble, double q0)
      : n_(o.width),
        depth_(o.depth),
        seed_(o.seed),
        act_(act),
        gaussian_(ensemble == weight_ensemble::gaussian),
        sigma_b_(std::sqrt(o.network.sigma_b2)),
        // Gaussian: W = sqrt(sigma_w2 / N) G; orthogonal: W = sigma_w S Q^T (Haar as O^T is).
        weight_scale_(gaussian_ ? std::sqrt(o.network.sigma_w2 / static_cast<double>(o.width))
                                : std::sqrt(o.network.sigma_w2)),
        q0_(q0),
        blocks_((n_ + kColumnBlock - 1) / kColumnBlock),
        product_width_(product_block_width(n_)),
        product_blocks_((n_ + product_width_ - 1) / product_width_) {
    if (gaussian_) {
      w_.resize(n_, n_);
      j_[1].resize(n_, n_);
    } else {
      ho_.resize(n_);
    }
    j_[0].resize(n_, n_);
    x_.resize(n_);
    xn_.resize(n_);
    h_.resize(n_);
    dphi_.resize(n_);
    d_.resize(n_);
    b_.resize(n_);
    work_.resize(householder_orthogonal::block_size, n_);
    xwork_.resize(householder_orthogonal::block_size, 1);
    block_max_.assign(static_cast<std::size_t>(product_blocks_), 0.0);
    s_.resize(n_);
    iwork_.resize(static_cast<std::size_t>(8 * n_));
    double query = 0;
    const auto ln = static_cast<lapack_int>(n_);
    LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', ln, ln, j_[0].data(), ln, s_.data(), nullptr, 1, nullptr, 1, &query, -1,
                        iwork_.data());
    svd_work_.resize(static_cast<std::size_t>(std::max(query, 1.0)));
  }

  // Spectrum of replicate `replicate`, by the team of `team` threads (1 inside a loop over seeds).
  seed_output run(int replicate, bool qr, int team) {
    const auto rep = static_cast<std::uint64_t>(replicate);
    if (qr && t_hat_.rows() != n_) {
      t_hat_.resize(n_, n_);
      r_hat_.resize(n_);
      detail::reserve({tau_, lapack_work_, coeff_, scratch_}, n_);
    }
    // Input h^0 ~ N(0, q0 I), x^0 = phi(h^0).
    rng::stream input(seed_, {rep, 0, input_tag});
    input.fill_normal({h_.data(), static_cast<std::size_t>(n_)});
    h_ *= std::sqrt(q0_);
    act_.evaluate(span(h_), span(x_), {}, {});
    cur_ = 0;
    log_scale_ = 0.0;
    applied_exp_ = next_exp_ = 0;
    failed_ = false;
    pending_ = 0;
    block_ = 1;
    if (qr) {
      t_hat_.setIdentity();
      r_hat_.setZero();
    }

    seed_output out;
    out.qr = qr;
    bool stop = false;
    auto mark = clock_type::now();
#pragma omp parallel num_threads(team)
    {
      for (int l = 1; l <= depth_ && !stop; ++l) {
        const auto ul = static_cast<std::uint64_t>(l);
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < blocks_; ++b) sample_block(rep, ul, b);
#pragma omp single
        {
          const auto now = clock_type::now();
          out.t_sample += seconds(mark, now);
          mark = now;
          forward(rep, ul);
        }
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < product_blocks_; ++b) product_block(l, b);
#pragma omp single
        {
          stop = !finish_layer(l, qr);
          const auto now = clock_type::now();
          out.t_product += seconds(mark, now);
          mark = now;
        }
      }
    }

    const auto t0 = clock_type::now();
    if (failed_) {
      out.log_s.setConstant(n_, kNaN);
      out.direct_ok = false;
    } else if (qr) {
      out.log_s = row_scaled_log_singular_values(t_hat_, r_hat_);
    } else {
      out.log_s.resize(n_);
      const auto ln = static_cast<lapack_int>(n_);
      const int info =
          LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', ln, ln, j_[cur_].data(), ln, s_.data(), nullptr, 1, nullptr, 1,
                              svd_work_.data(), static_cast<lapack_int>(svd_work_.size()), iwork_.data());
      if (info != 0) {
        out.log_s.setConstant(kNaN);
        out.direct_ok = false;
      } else {
        for (Eigen::Index i = 0; i < n_; ++i) out.log_s[i] = s_[i] > 0.0 ? std::log(s_[i]) + log_scale_ : -kInf;
        const double smax = s_[0], smin = s_[n_ - 1];
        out.direct_ok = std::isfinite(smax) && (smax == 0.0 || smin >= kDirectRange * smax);
      }
    }
    out.t_svd = seconds(t0, clock_type::now());
    return out;
  }

 private:
  static std::span<double> span(Eigen::VectorXd& v) { return {v.data(), static_cast<std::size_t>(v.size())}; }

  // Layer l's weights, column block b, from stream (seed, {r, l, weights, b}).
  void sample_block(std::uint64_t rep, std::uint64_t layer, Eigen::Index b) {
    rng::stream s(seed_, {rep, layer, weights_tag, static_cast<std::uint64_t>(b)});
    if (gaussian_) {
      const Eigen::Index c0 = b * kColumnBlock;
      const Eigen::Index nc = std::min(kColumnBlock, n_ - c0);
      s.fill_normal({w_.col(c0).data(), static_cast<std::size_t>(n_ * nc)});
    } else {
      ho_.sample_block(b, s);
    }
  }

  // h^l = W^l x^{l-1} + b^l, x^l = phi(h^l), and the diagonal d that multiplies the block
  // products: phi'(h^l) times the weight scale (and the signs S), times 2^-e when J is rescaled.
  void forward(std::uint64_t rep, std::uint64_t layer) {
    if (sigma_b_ > 0.0) {
      rng::stream s(seed_, {rep, layer, bias_tag});
      s.fill_normal(span(b_));
      b_ *= sigma_b_;
    } else {
      b_.setZero();
    }
    if (gaussian_) {
      h_.noalias() = w_ * x_;
      h_ = weight_scale_ * h_ + b_;
    } else {
      h_ = x_;
      Eigen::Map<Eigen::MatrixXd> hm(h_.data(), n_, 1);
      ho_.apply_reflectors(hm, true, xwork_);
      h_ = weight_scale_ * ho_.signs().cwiseProduct(h_) + b_;
    }
    act_.evaluate(span(h_), span(xn_), span(dphi_), {});
    x_.swap(xn_);
    const double factor = std::ldexp(weight_scale_, -next_exp_);
    if (gaussian_) {
      d_ = factor * dphi_;
    } else {
      d_ = factor * dphi_.cwiseProduct(ho_.signs());
    }
    applied_exp_ = next_exp_;
  }

  // Column block b of J^l = D^l W^l J^{l-1}. Layer 1: J^1 = D^1 W^1 (Gaussian); for orthogonal
  // weights J^1 = D^1 sigma_w S, since J^L (W^1)^T / sigma_w has the singular values of J^L.
  void product_block(int layer, Eigen::Index b) {
    const Eigen::Index c0 = b * product_width_;
    const Eigen::Index nc = std::min(product_width_, n_ - c0);
    double m = 0.0;
    if (gaussian_) {
      if (layer == 1) {
        auto out = j_[cur_].middleCols(c0, nc);
        out = d_.asDiagonal() * w_.middleCols(c0, nc);
        m = out.cwiseAbs().maxCoeff();
      } else {
        auto out = j_[1 - cur_].middleCols(c0, nc);
        out.noalias() = w_ * j_[cur_].middleCols(c0, nc);
        out.array().colwise() *= d_.array();
        m = out.cwiseAbs().maxCoeff();
      }
    } else {
      auto jb = j_[0].middleCols(c0, nc);
      if (layer == 1) {
        jb.setZero();
        for (Eigen::Index i = 0; i < nc; ++i) jb(c0 + i, i) = d_[c0 + i];
      } else {
        ho_.apply_reflectors(jb, true, work_.middleCols(c0, nc));
        jb.array().colwise() *= d_.array();
      }
      m = jb.cwiseAbs().maxCoeff();
    }
    block_max_[static_cast<std::size_t>(b)] = m;
  }

  // After every block: track the scale, choose the next power-of-two rescaling, and (qr) fold
  // the product into the triangular factor every block_ layers. False stops the loop (NaN/inf).
  bool finish_layer(int layer, bool qr) {
    if (gaussian_ && layer > 1) cur_ = 1 - cur_;
    const double m = *std::max_element(block_max_.begin(), block_max_.end());
    if (!std::isfinite(m)) {
      failed_ = true;
      return false;
    }
    log_scale_ += applied_exp_ * kLn2;
    next_exp_ = detail::rescale_exponent(m);
    if (qr) {
      ++pending_;
      const bool last = layer == depth_;
      if (pending_ >= block_ || last) {
        const double spread =
            detail::absorb(j_[cur_], log_scale_, t_hat_, r_hat_, {tau_, lapack_work_, coeff_, scratch_}, last);
        if (std::isnan(spread)) {
          failed_ = true;
          return false;
        }
        block_ = detail::next_block(spread, pending_);
        pending_ = 0;
        log_scale_ = 0.0;
        next_exp_ = 0;
      }
    }
    return true;
  }

  Eigen::Index n_;
  int depth_;
  std::uint64_t seed_;
  const activation& act_;
  bool gaussian_;
  double sigma_b_;
  double weight_scale_;
  double q0_;
  Eigen::Index blocks_;
  Eigen::Index product_width_;
  Eigen::Index product_blocks_;

  Eigen::MatrixXd w_;  // Gaussian weights, unscaled
  householder_orthogonal ho_;
  Eigen::MatrixXd j_[2];  // the product (two buffers for the Gaussian GEMM)
  int cur_ = 0;
  Eigen::VectorXd x_, xn_, h_, dphi_, d_, b_;
  Eigen::MatrixXd work_, xwork_;
  std::vector<double> block_max_;
  double log_scale_ = 0;  // J = exp(log_scale_) * j_[cur_]
  int applied_exp_ = 0, next_exp_ = 0;
  bool failed_ = false;
  // qr: the triangular factor diag(exp(r_hat_)) t_hat_ and its workspace.
  Eigen::MatrixXd t_hat_;
  Eigen::ArrayXd r_hat_;
  Eigen::VectorXd tau_, scratch_;
  Eigen::MatrixXd coeff_;
  std::vector<double> lapack_work_;
  int pending_ = 0, block_ = 1;
  // direct: dgesdd
  Eigen::VectorXd s_;
  std::vector<double> svd_work_;
  std::vector<lapack_int> iwork_;
};

// One-sided Jacobi rotation of rows p (scale e^{r_p}) and q (e^{r_q} >= e^{r_p}), unit vectors u,
// v with cosine c = u.v (Hestenes 1958; de Rijk 1989). With delta = r_q - r_p >= 0 the textbook
// zeta = (|a_q|^2 - |a_p|^2) / (2 a_p.a_q) = sinh(delta) / c and t = sign(zeta) / (|zeta| +
// sqrt(1 + zeta^2)) are formed in scaled form: tau = t e^delta = c / (h + sqrt(c^2 e^{-2 delta} +
// h^2)), h = (1 - e^{-2 delta}) / 2, so a_p' = cos(theta) e^{r_p} (u - tau v) and a_q' =
// cos(theta) e^{r_q} (v + tau e^{-2 delta} u), with no exponential of a spread. Returns
// log |u - tau v|, the cancellation row p suffered (-inf when nothing is left).
double rotate_rows(Eigen::Ref<Eigen::VectorXd> u, double& rp, Eigen::Ref<Eigen::VectorXd> v, double& rq, double c) {
  const double delta = rq - rp;
  const double e2 = std::exp(-2.0 * delta);
  const double h = 0.5 * (1.0 - e2);
  const double tau = c / (h + std::sqrt(c * c * e2 + h * h));
  const double t = tau * std::exp(-delta);
  const double kappa = tau * e2;
  const double log_cos = -0.5 * std::log1p(t * t);
  // u' = u - tau v; v' = v + kappa u_old = (1 + kappa tau) v + kappa u'.
  u -= tau * v;
  v = (1.0 + kappa * tau) * v + kappa * u;
  // |u'|^2 = 1 - 2 tau c + tau^2 cancels when u ~ v: then measured directly.
  double nu2 = 1.0 - 2.0 * tau * c + tau * tau;
  if (nu2 < 0.25) nu2 = u.squaredNorm();
  const double nv2 = v.squaredNorm();
  v *= 1.0 / std::sqrt(nv2);
  rq += log_cos + 0.5 * std::log(nv2);
  if (!(nu2 > 0.0)) {
    u.setZero();
    rp = -kInf;
    return -kInf;
  }
  u *= 1.0 / std::sqrt(nu2);
  rp += log_cos + 0.5 * std::log(nu2);
  return 0.5 * std::log(nu2);
}

struct pooled_stats {
  double mean = 0, variance = 0, mean_sem = kNaN, variance_sem = kNaN, mean_log = 0;
};

pooled_stats pool(const Eigen::ArrayXXd& lambda, const Eigen::ArrayXXd& log_s) {
  pooled_stats p;
  const Eigen::Index seeds = lambda.rows();
  Eigen::ArrayXd m(seeds), v(seeds);
  double m2 = 0;
  for (Eigen::Index s = 0; s < seeds; ++s) {
    m[s] = lambda.row(s).mean();
    const double second = lambda.row(s).square().mean();
    v[s] = second - m[s] * m[s];
    m2 += second;
  }
  p.mean = m.mean();
  p.variance = m2 / static_cast<double>(seeds) - p.mean * p.mean;
  if (seeds > 1) {
    const double s = static_cast<double>(seeds);
    p.mean_sem = std::sqrt((m - m.mean()).square().sum() / (s - 1.0) / s);
    p.variance_sem = std::sqrt((v - v.mean()).square().sum() / (s - 1.0) / s);
  }
  double sum = 0;
  long long count = 0;
  for (Eigen::Index i = 0; i < log_s.size(); ++i) {
    if (std::isfinite(log_s(i))) {
      sum += 2.0 * log_s(i);
      ++count;
    }
  }
  p.mean_log = count > 0 ? sum / static_cast<double>(count) : kNaN;
  return p;
}

}  // namespace

void jacobian_options::validate() const {
  network.validate();
  (void)weight_ensemble_from_name(weights);
  require_at_least("width", width, 1);
  if (width > 15811) {
    throw invalid_argument("width", std::to_string(width), "must be at most 15811 (a width x width matrix per layer)");
  }
  require_at_least("depth", depth, 1);
  require_at_least("seeds", seeds, 1);
  if (method != "auto" && method != "direct" && method != "qr") {
    throw invalid_argument("method", method, "must be one of: auto, direct, qr");
  }
  if (!std::isfinite(q_input)) {
    throw invalid_argument("q_input", format_value(q_input), "must be finite (negative: the fixed point q*)");
  }
}

jacobian_result simulate_jacobian(const jacobian_options& options) {
  options.validate();
  const auto& act = activation_by_name(options.network.activation);
  const auto ensemble = weight_ensemble_from_name(options.weights);
  const Eigen::Index n = options.width;
  const int seeds = options.seeds;

  jacobian_result r;
  const auto fp = signalprop::fixed_point(options.network);
  const bool have_q_star = fp.q_status == signalprop::solve_status::converged && std::isfinite(fp.q_star);
  r.q_star = have_q_star ? fp.q_star : kNaN;
  // Where q is marginal (relu at sigma_w2 = 2, sigma_b2 = 0; linear) or diverges, q = 1.
  const double q0 = options.q_input >= 0.0 ? options.q_input : (have_q_star && fp.q_star > 0.0 ? fp.q_star : 1.0);

  const int threads = thread_count();
  const Eigen::Index blocks = (n + product_block_width(n) - 1) / product_block_width(n);
  // Whole networks per thread when seeds share out evenly (or the width has too few blocks),
  // otherwise every thread works on each network's column blocks.
  const bool by_seed =
      threads == 1 || blocks < 2 * threads || (seeds >= threads && (seeds % threads == 0 || seeds >= 4 * threads));
  const int team = by_seed ? 1 : static_cast<int>(std::min<Eigen::Index>(threads, blocks));

  std::vector<seed_output> out(static_cast<std::size_t>(seeds));
  std::atomic<bool> need_qr{options.method == "qr"};
  const bool auto_method = options.method == "auto";
  auto one_seed = [&](jacobian_engine& engine, int s) {
    auto& o = out[static_cast<std::size_t>(s)];
    o = engine.run(s, need_qr.load(), team);
    if (auto_method && !o.qr && !o.direct_ok) {
      // The direct spectrum spans too many decades (or overflowed): the same network by qr.
      need_qr.store(true);
      const seed_output direct = o;
      o = engine.run(s, true, team);
      o.t_sample += direct.t_sample;
      o.t_product += direct.t_product;
      o.t_svd += direct.t_svd;
    }
  };

  // Runs fn(engine, s) for every seed: whole networks per thread, or one network at a time with
  // the team on its columns. An exception in a thread is rethrown here.
  auto for_each_seed = [&](auto&& fn) {
    if (!by_seed) {
      jacobian_engine engine(options, act, ensemble, q0);
      for (int s = 0; s < seeds; ++s) fn(engine, s);
      return;
    }
    std::exception_ptr error;
    std::atomic<bool> failed{false};
#pragma omp parallel num_threads(threads)
    {
      try {
        jacobian_engine engine(options, act, ensemble, q0);
#pragma omp for schedule(dynamic, 1)
        for (int s = 0; s < seeds; ++s) {
          if (!failed.load()) fn(engine, s);
        }
      } catch (...) {
#pragma omp critical(nt_jacobian_error)
        if (!error) error = std::current_exception();
        failed.store(true);
      }
    }
    if (error) std::rethrow_exception(error);
  };

  const blas_single_thread blas_guard;
  for_each_seed(one_seed);
  // auto: once one network needed qr, all are reported by qr (the same random numbers).
  if (auto_method && need_qr.load()) {
    for_each_seed([&](jacobian_engine& engine, int s) {
      auto& o = out[static_cast<std::size_t>(s)];
      if (o.qr) return;
      const seed_output direct = o;
      o = engine.run(s, true, team);
      o.t_sample += direct.t_sample;
      o.t_product += direct.t_product;
      o.t_svd += direct.t_svd;
    });
  }

  r.method = options.method == "qr" || (auto_method && need_qr.load()) ? "qr" : "direct";
  r.log_singular_values.resize(seeds, n);
  for (int s = 0; s < seeds; ++s) {
    const auto& o = out[static_cast<std::size_t>(s)];
    r.log_singular_values.row(s) = o.log_s.transpose();
    r.seconds_sample += o.t_sample;
    r.seconds_product += o.t_product;
    r.seconds_svd += o.t_svd;
  }
  r.lambda = (2.0 * r.log_singular_values).exp();
  const auto p = pool(r.lambda, r.log_singular_values);
  r.mean = p.mean;
  r.variance = p.variance;
  r.mean_sem = p.mean_sem;
  r.variance_sem = p.variance_sem;
  r.mean_log = p.mean_log;
  // Product rate over the threads at work: with one network per thread the summed product time
  // ran on min(threads, seeds) cores at once.
  const double concurrent = by_seed ? std::min(threads, seeds) : 1.0;
  const double flops = static_cast<double>(options.depth - 1) * 2.0 * std::pow(static_cast<double>(n), 3) * seeds;
  r.product_gflops = r.seconds_product > 0.0 ? flops / (r.seconds_product / concurrent) / 1e9 : 0.0;
  return r;
}

// --- stable_product -------------------------------------------------------------------------

stable_product::stable_product(Eigen::Index n) {
  require_at_least("n", n, 1);
  q_.setIdentity(n, n);
  r_hat_.setIdentity(n, n);
  log_row_scale_.setZero(n);
  work_.resize(n, n);
  detail::reserve({tau_, lapack_work_, coeff_, scratch_}, n);
}

void stable_product::multiply(const Eigen::Ref<const Eigen::MatrixXd>& m) {
  const Eigen::Index n = q_.rows();
  if (m.rows() != n || m.cols() != n) {
    throw invalid_argument("m", std::to_string(m.rows()) + " x " + std::to_string(m.cols()),
                           "must be " + std::to_string(n) + " x " + std::to_string(n));
  }
  if (!m.allFinite()) throw invalid_argument("m", "non-finite entries", "must be finite");
  work_.noalias() = m * q_;
  q_.swap(work_);
  const int e = detail::rescale_exponent(q_.cwiseAbs().maxCoeff());
  if (e != 0) {
    q_ *= std::ldexp(1.0, -e);
    log_scale_ += e * kLn2;
  }
  if (++pending_ >= block_) reorthonormalize();
}

void stable_product::reorthonormalize() {
  const double spread =
      detail::absorb(q_, log_scale_, r_hat_, log_row_scale_, {tau_, lapack_work_, coeff_, scratch_}, false);
  if (std::isnan(spread)) throw internal_error("stable_product: LAPACK QR failed");
  block_ = detail::next_block(spread, pending_);
  pending_ = 0;
  log_scale_ = 0.0;
}

Eigen::ArrayXd stable_product::log_singular_values() const {
  if (pending_ == 0) return row_scaled_log_singular_values(r_hat_, log_row_scale_);
  Eigen::MatrixXd z = q_, t = r_hat_;
  Eigen::ArrayXd r = log_row_scale_;
  Eigen::VectorXd tau, scratch;
  Eigen::MatrixXd coeff;
  std::vector<double> work;
  detail::reserve({tau, work, coeff, scratch}, z.rows());
  if (std::isnan(detail::absorb(z, log_scale_, t, r, {tau, work, coeff, scratch}, true))) {
    throw internal_error("stable_product: LAPACK QR failed");
  }
  return row_scaled_log_singular_values(std::move(t), std::move(r));
}

// --- row-scaled one-sided Jacobi ---------------------------------------------------------------

Eigen::ArrayXd row_scaled_log_singular_values(Eigen::MatrixXd rows, Eigen::ArrayXd log_row_scale) {
  const Eigen::Index m = rows.rows();
  const Eigen::Index n = rows.cols();
  if (log_row_scale.size() != m) {
    throw invalid_argument("log_row_scale", std::to_string(log_row_scale.size()) + " entries",
                           "must have one entry per row (" + std::to_string(m) + ")");
  }
  if (m > n) {
    throw invalid_argument("rows", std::to_string(m) + " x " + std::to_string(n),
                           "must have at most as many rows as columns");
  }
  if (!rows.allFinite()) throw invalid_argument("rows", "non-finite entries", "must be finite");
  for (Eigen::Index i = 0; i < m; ++i) {
    if (std::isnan(log_row_scale[i]) || log_row_scale[i] == kInf) {
      throw invalid_argument("log_row_scale", format_value(log_row_scale[i]), "must be finite or -inf");
    }
  }
  // Rows as contiguous columns, ordered by decreasing scale (fast convergence on graded matrices).
  std::vector<Eigen::Index> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  Eigen::ArrayXd r(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    const double nrm = rows.row(i).norm();
    r[i] = (nrm > 0.0 && log_row_scale[i] > -kInf) ? log_row_scale[i] + std::log(nrm) : -kInf;
  }
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return r[a] > r[b]; });
  Eigen::MatrixXd u(n, m);
  Eigen::ArrayXd rs(m);
  for (Eigen::Index k = 0; k < m; ++k) {
    const Eigen::Index i = order[static_cast<std::size_t>(k)];
    rs[k] = r[i];
    if (r[i] > -kInf) {
      u.col(k) = rows.row(i).transpose() / rows.row(i).norm();
    } else {
      u.col(k).setZero();
    }
  }
  rows.resize(0, 0);

  // Cyclic sweeps until every pair of rows has |cosine| <= 1e-13 (a few rounding errors of a
  // dot product of unit vectors of length 10^4 lie below it). A row that has lost more than 13
  // decades of its own norm to cancellation holds only rounding noise: the rows are numerically
  // dependent (as at the exact zeros of a ReLU Jacobian), its singular value is below the
  // resolution of the input (one-sided Jacobi is accurate to ~eps cond(rows normalised), Demmel &
  // Veselic 1992) and it is reported as an exact zero; rotating the noise again would only cycle.
  constexpr double kTolerance = 1e-13;
  constexpr int kMaxSweeps = 80;
  const double resolution = std::log(1e-13);
  Eigen::ArrayXd lost = Eigen::ArrayXd::Zero(m);
  auto rotate = [&](Eigen::Index p, Eigen::Index q, double c) {
    lost[p] += rotate_rows(u.col(p), rs[p], u.col(q), rs[q], c);
    if (lost[p] < resolution) {
      rs[p] = -kInf;
      u.col(p).setZero();
    }
  };
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double off = 0.0;
    for (Eigen::Index i = 0; i + 1 < m; ++i) {
      for (Eigen::Index j = i + 1; j < m; ++j) {
        if (rs[i] == -kInf) break;
        if (rs[j] == -kInf) continue;
        const double c = u.col(i).dot(u.col(j));
        off = std::max(off, std::abs(c));
        if (std::abs(c) <= kTolerance) continue;
        if (rs[i] <= rs[j]) {
          rotate(i, j, c);
        } else {
          rotate(j, i, c);
        }
      }
    }
    if (off <= kTolerance) break;
  }
  std::sort(rs.begin(), rs.end(), std::greater<>());
  return rs;
}

}  // namespace nt::isometry
