// Finite networks for the expressivity module: a sampled curve (the great circle of [P16], or any
// user curve [R17]) propagated through width-N random networks, all points of one network as one
// N x K matrix per layer (GEMM), with the per-point geometry measured after every layer.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Eigenvalues>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/expressivity/manifold.hpp"

namespace nt::expressivity {
namespace {

using Eigen::Index;
using clock_type = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTwoPi = 2.0 * std::numbers::pi;

// Stream ids: (seed, {replicate, layer, kind[, block]}); weights are drawn in blocks of columns
// (Gaussian) or of reflectors (orthogonal), one stream each, so threads can share the sampling and
// the numbers never depend on the thread count.
enum stream_tag : std::uint64_t { weights_tag = 1, bias_tag = 2, input_tag = 3 };
constexpr Index kWeightBlock = householder_orthogonal::block_size;
// Threads share the points in whole panels of this many (per part), and every product covers one
// thread's whole panels of one part (orthogonal weights: one panel): a column then meets the same
// BLAS kernels, so the numbers do not depend on the thread count.
constexpr Index kPanel = 128;
// One network's buffers (weights and the two N x parts*K layer matrices) must fit in this.
constexpr double kNetworkBytes = 12.0 * (1ULL << 30U);

// Which level crossings of h count as pattern transitions [R17]: relu at 0, hard_tanh at +-1,
// other activations sign changes of h (no linear regions).
enum class levels { sign, relu, hard_tanh };

// Per point k (one row each), summed over k in order after every layer. Segment k joins k, k+1.
enum column : Index {
  c_q,            // |h_k|^2 / N
  c_chord,        // |h_{k+1} - h_k| / sqrt(N)
  c_half,         // |h_{k+2} - h_k| / sqrt(N) for even k (0 for odd)
  c_transitions,  // level crossings on segment k, per neuron
  c_changed,      // 1 when the joint pattern of layers 1..l changed on segment k so far
  c_g,            // finite differences: |v_k|^2 / N
  c_k2,           // N kappa_k^2
  c_grass,        // kappa_k |v_k| dtheta
  c_gx,           // the same from the propagated tangent and acceleration
  c_k2x,
  c_grassx,
  c_columns
};

// Per layer of one network.
enum measure : Index {
  m_q,
  m_length,
  m_half,
  m_transitions,
  m_regions,
  m_g,
  m_k2,
  m_grass,
  m_gx,
  m_k2x,
  m_grassx,
  m_measures
};

// y = w x + b (b may be null): y is preset to the bias and accumulated into (beta = 1), one pass
// over y fewer than Eigen's product (which zeroes y first) followed by a bias pass.
void affine(const Eigen::MatrixXd& w, const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Ref<Eigen::MatrixXd> y,
            const Eigen::VectorXd* b) {
  if (y.cols() == 0) return;
  if (b != nullptr) y.colwise() = *b;
  const int m = static_cast<int>(y.rows()), n = static_cast<int>(y.cols()), k = static_cast<int>(w.cols());
  const int ldw = static_cast<int>(w.outerStride()), ldx = static_cast<int>(x.outerStride());
  const int ldy = static_cast<int>(y.outerStride());
  const double one = 1.0, beta = b != nullptr ? 1.0 : 0.0;
  dgemm_("N", "N", &m, &n, &k, &one, w.data(), &ldw, x.data(), &ldx, &beta, y.data(), &ldy);  // Eigen's BLAS prototype
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// What every network of one call shares.
struct plan {
  const activation* act = nullptr;
  weight_ensemble ensemble = weight_ensemble::gaussian;
  double sigma_w2 = 0, sigma_b2 = 0;
  Index n = 0;      // width N
  Index k = 0;      // points K
  Index parts = 1;  // 1: h only; 3: h, tangent v, acceleration a (forward mode)
  int depth = 0;    // layers 1..depth
  std::uint64_t seed = 1;
  levels level = levels::sign;
  bool regions = false;
  bool circle = true;  // layer 1 = the great circle; else W^1 x + b^1 on `input`
  bool closed = true;  // segments K (closed) or K - 1
  bool curvature = true;
  double q0 = 1;                           // circle
  const Eigen::MatrixXd* input = nullptr;  // d x K (the points, transposed)
  std::vector<int> pca_layers;             // of replicate 0

  [[nodiscard]] Index segments() const { return closed ? k : k - 1; }
  // First point of thread t's share of a team: whole panels.
  [[nodiscard]] Index split(int t, int team) const {
    const Index panels = (k + kPanel - 1) / kPanel;
    return std::min(k, panels * t / team * kPanel);
  }
  [[nodiscard]] Index input_dim() const { return input != nullptr ? input->rows() : n; }
  [[nodiscard]] double bytes() const {
    const double nd = static_cast<double>(n);
    const double first = input != nullptr ? nd * static_cast<double>(input->rows()) : 0.0;  // W^1 of a trajectory
    return 8.0 * (nd * nd + first + 2.0 * nd * static_cast<double>(parts * k) + static_cast<double>(k * c_columns));
  }
  [[nodiscard]] double layer_flops(int l) const {
    const double cols = static_cast<double>(parts * k);
    const double nd = static_cast<double>(n);
    if (l == 1) return circle ? 0.0 : 2.0 * nd * static_cast<double>(input_dim()) * cols;
    return 2.0 * nd * nd * cols;
  }
};

// Scratch of one thread: phi', phi'' of one column and the Householder work block.
struct thread_scratch {
  Eigen::VectorXd dphi, d2phi;
  Eigen::MatrixXd work;
};

// Top-3 principal components of the K points (columns of h), centered; projections / sqrt(N).
void principal_components(const Eigen::Ref<const Eigen::MatrixXd>& h, Eigen::ArrayXXd& proj,
                          Eigen::ArrayXd& explained) {
  const Index n = h.rows();
  const Index k = h.cols();
  const Eigen::MatrixXd hc = h.colwise() - h.rowwise().mean();
  const double total = hc.squaredNorm();
  const Index m = std::min(n, k);
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(m, m);
  if (k <= n) {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(hc.transpose());  // K x K Gram matrix
  } else {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(hc);  // N x N scatter matrix
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram.selfadjointView<Eigen::Lower>());
  const Index top = std::min<Index>(3, m);
  proj.setZero(k, 3);
  explained.setZero(3);
  for (Index j = 0; j < top; ++j) {
    const Index e = m - 1 - j;  // eigenvalues ascend
    const double lambda = std::max(eig.eigenvalues()[e], 0.0);
    if (k <= n) {
      proj.col(j) = eig.eigenvectors().col(e).array() * std::sqrt(lambda);
    } else {
      proj.col(j) = (hc.transpose() * eig.eigenvectors().col(e)).array();
    }
    explained[j] = total > 0.0 ? lambda / total : kNaN;
    Index at = 0;  // sign: the largest projection is positive
    proj.col(j).abs().maxCoeff(&at);
    if (proj(at, j) < 0.0) proj.col(j) *= -1.0;
  }
  proj /= std::sqrt(static_cast<double>(n));
}

// One network: buffers allocated once, reused by every layer.
class network {
 public:
  network(const plan& p, int replicate) : p_(p), rep_(static_cast<std::uint64_t>(replicate)) {
    const Index cols = p.parts * p.k;
    if (p.ensemble == weight_ensemble::gaussian) {
      w_.resize(p.n, p.n);
    } else {
      house_.resize(p.n);
    }
    if (!p.circle) w1_.resize(p.n, p.input_dim());
    b_.resize(p.n);
    x_.resize(p.n, cols);
    y_.resize(p.n, cols);
    cols_.setZero(p.k, c_columns);
    measures_.setConstant(p.depth, m_measures, kNaN);
    pca_.resize(p.pca_layers.size());
    explained_.resize(p.pca_layers.size());
    if (p.circle) {
      // u0, u1 orthonormal (Gram-Schmidt of two Gaussian vectors).
      rng::stream s(p.seed, {rep_, 0, input_tag});
      u0_.resize(p.n);
      u1_.resize(p.n);
      s.fill_normal({u0_.data(), static_cast<std::size_t>(p.n)});
      s.fill_normal({u1_.data(), static_cast<std::size_t>(p.n)});
      u0_.normalize();
      u1_ -= u1_.dot(u0_) * u0_;
      u1_.normalize();
    }
  }

  // Layer l by thread `tid` of a team of `team` (team == 1: one thread does it all, no barriers).
  void layer(int l, int tid, int team, thread_scratch& scratch) {
    sample(l, tid, team);
    if (team > 1) {
#pragma omp barrier
    }
    forward(l, p_.split(tid, team), p_.split(tid + 1, team), scratch);
    if (team > 1) {
#pragma omp barrier
    }
    // Per-point work needs no panels: an even share (the next layer starts after the team joins).
    measure(l, p_.k * tid / team, p_.k * (tid + 1) / team, scratch);
  }

  // After layer l (all columns done): sum over points in order, PCA of replicate 0.
  void finish_layer(int l) {
    const auto row = static_cast<Index>(l - 1);
    auto c = [&](column j) { return cols_.col(j).head(p_.k); };
    auto seg = [&](column j) { return cols_.col(j).head(p_.segments()).sum(); };
    measures_(row, m_q) = c(c_q).mean();
    measures_(row, m_length) = seg(c_chord);
    measures_(row, m_transitions) = seg(c_transitions);
    measures_(row, m_regions) = p_.regions ? 1.0 + seg(c_changed) : kNaN;
    if (p_.circle && p_.curvature) {
      measures_(row, m_half) = c(c_half).sum();
      measures_(row, m_g) = c(c_g).mean();
      measures_(row, m_k2) = c(c_k2).mean();
      measures_(row, m_grass) = c(c_grass).sum();
    }
    if (p_.parts == 3) {
      measures_(row, m_gx) = c(c_gx).mean();
      if (p_.act->smooth()) {
        measures_(row, m_k2x) = c(c_k2x).mean();
        measures_(row, m_grassx) = c(c_grassx).sum();
      }
    }
    if (rep_ == 0) {
      for (std::size_t i = 0; i < p_.pca_layers.size(); ++i) {
        if (p_.pca_layers[i] == l) principal_components(y_.leftCols(p_.k), pca_[i], explained_[i]);
      }
    }
  }

  [[nodiscard]] const Eigen::ArrayXXd& measures() const { return measures_; }
  [[nodiscard]] const std::vector<Eigen::ArrayXXd>& pca() const { return pca_; }
  [[nodiscard]] const std::vector<Eigen::ArrayXd>& explained() const { return explained_; }

 private:
  // Weights and biases of layer l; weight blocks are shared out round-robin over the team.
  void sample(int l, int tid, int team) {
    const auto ul = static_cast<std::uint64_t>(l);
    if (l == 1 && p_.circle) return;
    if (tid == 0) {
      rng::stream bs(p_.seed, {rep_, ul, bias_tag});
      bs.fill_normal({b_.data(), static_cast<std::size_t>(p_.n)});
      b_ *= std::sqrt(p_.sigma_b2);
    }
    if (l == 1) {
      // W^1: N x d, variance sigma_w2 / d [R17]; orthogonal: sigma_w sqrt(N/d) times orthonormal
      // columns (N >= d) or sigma_w times orthonormal rows (N < d), the same per-neuron variance.
      if (p_.ensemble == weight_ensemble::gaussian) {
        fill_gaussian(w1_, ul, tid, team);
      } else if (tid == 0) {
        rng::stream ws(p_.seed, {rep_, ul, weights_tag});
        haar_orthogonal_matrix(ws, p_.sigma_w2, w1_);
        if (p_.n > w1_.cols()) w1_ *= std::sqrt(static_cast<double>(p_.n) / static_cast<double>(w1_.cols()));
      }
      return;
    }
    if (p_.ensemble == weight_ensemble::gaussian) {
      fill_gaussian(w_, ul, tid, team);
    } else {
      for (Index b = tid; b < house_.blocks(); b += team) {
        rng::stream ws(p_.seed, {rep_, ul, weights_tag, static_cast<std::uint64_t>(b)});
        house_.sample_block(b, ws);
      }
    }
  }

  void fill_gaussian(Eigen::MatrixXd& w, std::uint64_t ul, int tid, int team) {
    const Index blocks = (w.cols() + kWeightBlock - 1) / kWeightBlock;
    const double scale = std::sqrt(p_.sigma_w2 / static_cast<double>(w.cols()));
    for (Index b = tid; b < blocks; b += team) {
      const Index j0 = b * kWeightBlock;
      const Index nc = std::min(kWeightBlock, w.cols() - j0);
      rng::stream ws(p_.seed, {rep_, ul, weights_tag, static_cast<std::uint64_t>(b)});
      auto block = w.middleCols(j0, nc);
      ws.fill_normal({block.data(), static_cast<std::size_t>(block.size())});
      block *= scale;
    }
  }

  // y[:, cols] = W x[:, cols] + b for this thread's points [c0, c1) of every part (layer 1 of
  // the circle: h, v, a written directly).
  void forward(int l, Index c0, Index c1, thread_scratch& scratch) {
    const Index nc = c1 - c0;
    const Index k = p_.k;
    if (nc <= 0) return;
    if (l == 1 && p_.circle) {
      const double radius = std::sqrt(static_cast<double>(p_.n) * p_.q0);
      for (Index j = c0; j < c1; ++j) {
        const double theta = kTwoPi * static_cast<double>(j) / static_cast<double>(k);
        const double c = std::cos(theta);
        const double s = std::sin(theta);
        y_.col(j) = radius * (c * u0_ + s * u1_);
        if (p_.parts == 3) {
          y_.col(k + j) = radius * (c * u1_ - s * u0_);
          y_.col(2 * k + j) = -y_.col(j);
        }
      }
      return;
    }
    if (l == 1) {
      affine(w1_, p_.input->middleCols(c0, nc), y_.middleCols(c0, nc), &b_);
      return;
    }
    if (p_.ensemble == weight_ensemble::gaussian) {
      for (Index part = 0; part < p_.parts; ++part) {
        affine(w_, x_.middleCols(part * k + c0, nc), y_.middleCols(part * k + c0, nc), part == 0 ? &b_ : nullptr);
      }
      return;
    }
    // W = sigma_w O, O = H_1 ... H_N S: y = sigma_w Q (S x) by blocked reflectors (2 N^2 flops per
    // column, as a GEMM), no dense O; panel by panel.
    for (Index part = 0; part < p_.parts; ++part) {
      for (Index j = c0; j < c1; j += kPanel) {
        const Index width = std::min(kPanel, c1 - j);
        auto out = y_.middleCols(part * k + j, width);
        out.array() = x_.middleCols(part * k + j, width).array().colwise() * house_.signs().array();
        house_.apply_reflectors(out, false, scratch.work.leftCols(width));
        out *= std::sqrt(p_.sigma_w2);
      }
    }
    y_.middleCols(c0, nc).colwise() += b_;
  }

  // Per-point measures of layer l for points [c0, c1), then x = phi(h) (and the forward-mode
  // tangent and acceleration) for the next layer.
  void measure(int l, Index c0, Index c1, thread_scratch& scratch) {
    const Index k = p_.k;
    const double n = static_cast<double>(p_.n);
    const double inv_sqrt_n = 1.0 / std::sqrt(n);
    const double dtheta = kTwoPi / static_cast<double>(k);
    const Index nseg = p_.segments();
    const bool next_layer = l < p_.depth;
    for (Index j = c0; j < c1; ++j) {
      const auto h = y_.col(j);
      auto out = cols_.row(j);
      if (j < nseg) {
        const long long crossings = count_crossings(h.data(), y_.col((j + 1) % k).data());
        out(c_transitions) = static_cast<double>(crossings) / n;
        if (crossings > 0) out(c_changed) = 1.0;
      }
      if (p_.circle && p_.curvature) {
        // v = (h_{k+1} - h_{k-1}) / (2 dtheta), a = (h_{k+1} - 2 h_k + h_{k-1}) / dtheta^2: with
        // dv, da the bare differences, N kappa^2 = 16 N (dv.dv da.da - (dv.da)^2) / (dv.dv)^3 and
        // kappa |v| dtheta = 2 sqrt(dv.dv da.da - (dv.da)^2) / dv.dv. One pass over the neurons.
        const double* hm = y_.col((j + k - 1) % k).data();
        const double* h0 = h.data();
        const double* hp = y_.col((j + 1) % k).data();
        const double* hpp = j % 2 == 0 ? y_.col((j + 2) % k).data() : h0;
        double hh = 0, chord = 0, half = 0, vv = 0, aa = 0, va = 0;
#pragma omp simd reduction(+ : hh, chord, half, vv, aa, va)
        for (Index i = 0; i < p_.n; ++i) {
          const double dv = hp[i] - hm[i];
          const double da = hp[i] - 2.0 * h0[i] + hm[i];
          const double ds = hp[i] - h0[i];
          const double dh = hpp[i] - h0[i];
          hh += h0[i] * h0[i];
          chord += ds * ds;
          half += dh * dh;
          vv += dv * dv;
          aa += da * da;
          va += dv * da;
        }
        const double cross = std::max(vv * aa - va * va, 0.0);
        out(c_q) = hh / n;
        out(c_chord) = std::sqrt(chord) * inv_sqrt_n;
        out(c_half) = std::sqrt(half) * inv_sqrt_n;
        out(c_g) = vv / (4.0 * dtheta * dtheta * n);
        out(c_k2) = 16.0 * n * cross / (vv * vv * vv);
        out(c_grass) = 2.0 * std::sqrt(cross) / vv;
      } else {
        out(c_q) = h.squaredNorm() / n;
        if (j < nseg) out(c_chord) = (y_.col((j + 1) % k) - h).norm() * inv_sqrt_n;
      }
      if (p_.parts == 3) {
        const auto v = y_.col(k + j);
        const auto a = y_.col(2 * k + j);
        const double vv = v.squaredNorm();
        const double cross = std::max(vv * a.squaredNorm() - std::pow(v.dot(a), 2), 0.0);
        out(c_gx) = vv / n;
        out(c_k2x) = n * cross / (vv * vv * vv);
        out(c_grassx) = std::sqrt(cross) / vv * dtheta;
      }
      if (!next_layer) continue;
      const auto len = static_cast<std::size_t>(p_.n);
      const std::span<const double> hs(h.data(), len);
      const std::span<double> xs(x_.col(j).data(), len);
      if (p_.parts == 1) {
        p_.act->evaluate(hs, xs, {}, {});
      } else {
        // [P16 sec. 3; D] v^{l+1} = W (phi' o v), a^{l+1} = W (phi' o a + phi'' o v o v).
        p_.act->evaluate(hs, xs, {scratch.dphi.data(), len}, {scratch.d2phi.data(), len});
        const auto v = y_.col(k + j).array();
        x_.col(k + j).array() = scratch.dphi.array() * v;
        x_.col(2 * k + j).array() = scratch.dphi.array() * y_.col(2 * k + j).array() + scratch.d2phi.array() * v * v;
      }
    }
  }

  [[nodiscard]] long long count_crossings(const double* a, const double* b) const {
    long long count = 0;
    const Index n = p_.n;
    switch (p_.level) {
      case levels::sign:
      case levels::relu:
        for (Index i = 0; i < n; ++i) count += static_cast<long long>((a[i] > 0.0) != (b[i] > 0.0));
        break;
      case levels::hard_tanh:
        for (Index i = 0; i < n; ++i) {
          count += static_cast<long long>((a[i] > 1.0) != (b[i] > 1.0)) +
                   static_cast<long long>((a[i] < -1.0) != (b[i] < -1.0));
        }
        break;
    }
    return count;
  }

  const plan& p_;
  std::uint64_t rep_;
  Eigen::MatrixXd w_, w1_;
  householder_orthogonal house_;
  Eigen::VectorXd b_, u0_, u1_;
  Eigen::MatrixXd x_, y_;  // N x parts*K: [phi(h) | phi' v | phi' a + phi'' v v] and [h | v | a]
  Eigen::ArrayXXd cols_;
  Eigen::ArrayXXd measures_;
  std::vector<Eigen::ArrayXXd> pca_;
  std::vector<Eigen::ArrayXd> explained_;
};

thread_scratch make_scratch(const plan& p) {
  thread_scratch s;
  if (p.parts == 3) {
    s.dphi.resize(p.n);
    s.d2phi.resize(p.n);
  }
  if (p.ensemble == weight_ensemble::orthogonal) s.work.resize(householder_orthogonal::block_size, kPanel);
  return s;
}

struct run_output {
  std::vector<Eigen::ArrayXXd> measures;  // per replicate: depth x m_measures
  std::vector<Eigen::ArrayXXd> pca;
  std::vector<Eigen::ArrayXd> explained;
  double flops = 0;
};

// All replicates: over seeds when there are at least as many as threads (each network on one
// thread), else one network at a time with its points split over the threads. OpenBLAS runs
// single-threaded inside (one pool: OpenMP).
run_output run(const plan& p, int seeds) {
  run_output out;
  out.measures.resize(static_cast<std::size_t>(seeds));
  const int threads = thread_count();
  const bool over_seeds = seeds >= threads || threads == 1;
  const blas_single_thread blas_guard;
  if (over_seeds) {
    const int team = std::min(threads, seeds);
    std::vector<thread_scratch> scratch;
    for (int t = 0; t < team; ++t) scratch.push_back(make_scratch(p));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
    for (int rep = 0; rep < seeds; ++rep) {
      network net(p, rep);
      auto& s = scratch[static_cast<std::size_t>(omp_get_thread_num())];
      for (int l = 1; l <= p.depth; ++l) {
        net.layer(l, 0, 1, s);
        net.finish_layer(l);
      }
      out.measures[static_cast<std::size_t>(rep)] = net.measures();
      if (rep == 0) {
        out.pca = net.pca();
        out.explained = net.explained();
      }
    }
  } else {
    const int team = threads;
    std::vector<thread_scratch> scratch;
    for (int t = 0; t < team; ++t) scratch.push_back(make_scratch(p));
    for (int rep = 0; rep < seeds; ++rep) {
      network net(p, rep);
      for (int l = 1; l <= p.depth; ++l) {
#pragma omp parallel num_threads(team)
        {
          const int tid = omp_get_thread_num();
          net.layer(l, tid, omp_get_num_threads(), scratch[static_cast<std::size_t>(tid)]);
        }
        net.finish_layer(l);
      }
      out.measures[static_cast<std::size_t>(rep)] = net.measures();
      if (rep == 0) {
        out.pca = net.pca();
        out.explained = net.explained();
      }
    }
  }
  for (int l = 1; l <= p.depth; ++l) out.flops += p.layer_flops(l) * seeds;
  return out;
}

// Mean and standard error over replicates (in replicate order) of one measure, per layer.
void reduce(const std::vector<Eigen::ArrayXXd>& per, measure m, Eigen::ArrayXd& mean, Eigen::ArrayXd* sem) {
  const Index rows = per.front().rows();
  const double s = static_cast<double>(per.size());
  mean.setZero(rows);
  for (const auto& r : per) mean += r.col(m);
  mean /= s;
  if (sem == nullptr) return;
  sem->setZero(rows);
  for (const auto& r : per) *sem += (r.col(m) - mean).square();
  if (per.size() > 1) {
    *sem = (*sem / (s - 1.0) / s).sqrt();
  } else {
    sem->setConstant(kNaN);
  }
}

levels levels_of(const std::string& activation) {
  if (activation == "relu") return levels::relu;
  if (activation == "hard_tanh") return levels::hard_tanh;
  return levels::sign;
}

void check_memory(const plan& p) {
  if (p.bytes() > kNetworkBytes) {
    const bool weights = p.n > 2 * p.parts * p.k;
    throw invalid_argument(weights ? "width" : "points", std::to_string(weights ? p.n : p.k),
                           "too large: one network needs " + format_value(std::round(p.bytes() / (1U << 20U))) +
                               " MiB (N x N weights and two N x points layer matrices), at most " +
                               format_value(kNetworkBytes / (1U << 20U)) + " MiB");
  }
}

}  // namespace

void manifold_simulation_options::validate() const {
  circle.validate();
  (void)weight_ensemble_from_name(weights);
  require_in_range("width", width, 2, 100000);
  require_in_range("points", points, 8, 1e8);
  if (points % 2 != 0) {
    throw invalid_argument("points", std::to_string(points),
                           "must be even (the resolution check uses every second point)");
  }
  require_in_range("seeds", seeds, 1, 100000);
  for (double l : pca_layers) {
    if (!(l >= 1.0 && l <= circle.depth) || l != std::floor(l)) {
      throw invalid_argument("pca_layers", format_value(l),
                             "must be whole layers in [1, depth = " + std::to_string(circle.depth) + "]");
    }
  }
  plan p;
  p.n = width;
  p.k = points;
  p.parts = exact_derivatives ? 3 : 1;
  check_memory(p);
}

void trajectory_options::validate() const {
  network.validate();
  (void)weight_ensemble_from_name(weights);
  require_in_range("width", width, 1, 100000);
  require_in_range("depth", depth, 1, 100000);
  require_in_range("seeds", seeds, 1, 100000);
}

manifold_simulation_result simulate_manifold(const manifold_simulation_options& options) {
  options.validate();
  const auto t0 = clock_type::now();
  const auto theory = manifold_theory(options.circle);  // q^1 = q0 or q*, and its checks
  const auto& net = options.circle.network;
  plan p;
  p.act = &activation_by_name(net.activation);
  p.ensemble = weight_ensemble_from_name(options.weights);
  p.sigma_w2 = net.sigma_w2;
  p.sigma_b2 = net.sigma_b2;
  p.n = options.width;
  p.k = options.points;
  p.parts = options.exact_derivatives ? 3 : 1;
  p.depth = options.circle.depth;
  p.seed = options.seed;
  p.level = levels_of(net.activation);
  p.regions = p.level != levels::sign;
  p.q0 = theory.q[0];
  for (double l : options.pca_layers) p.pca_layers.push_back(static_cast<int>(l));

  const auto out = run(p, options.seeds);

  manifold_simulation_result r;
  const auto& per = out.measures;
  r.layer = Eigen::ArrayXd::LinSpaced(p.depth, 1.0, p.depth);
  reduce(per, m_q, r.q_mean, &r.q_sem);
  reduce(per, m_g, r.length2_mean, &r.length2_sem);
  reduce(per, m_length, r.length_mean, &r.length_sem);
  reduce(per, m_half, r.length_half_mean, nullptr);
  reduce(per, m_k2, r.curvature2_mean, &r.curvature2_sem);
  reduce(per, m_grass, r.grassmannian_mean, &r.grassmannian_sem);
  reduce(per, m_gx, r.length2_exact_mean, &r.length2_exact_sem);
  reduce(per, m_k2x, r.curvature2_exact_mean, &r.curvature2_exact_sem);
  reduce(per, m_grassx, r.grassmannian_exact_mean, &r.grassmannian_exact_sem);
  reduce(per, m_transitions, r.transitions_mean, &r.transitions_sem);
  reduce(per, m_regions, r.regions_mean, &r.regions_sem);
  r.resolved = ((r.length_mean - r.length_half_mean).abs() < 0.01 * r.length_mean).cast<double>();
  r.pca = out.pca;
  r.pca_explained = out.explained;
  r.q_star = theory.q_star;
  r.seconds = seconds_since(t0);
  r.gflops = r.seconds > 0.0 ? out.flops / r.seconds * 1e-9 : 0.0;
  return r;
}

trajectory_result simulate_trajectory(const trajectory_options& options, const Eigen::MatrixXd& points) {
  options.validate();
  if (points.rows() < 3 || points.cols() < 1) {
    throw invalid_argument("points", std::to_string(points.rows()) + " x " + std::to_string(points.cols()),
                           "must have at least 3 rows (points along the curve) and 1 column");
  }
  if (!points.allFinite()) throw invalid_argument("points", "non-finite entries", "must all be finite");
  const Eigen::MatrixXd input = points.transpose();  // d x K: one point per column
  const auto& net = options.network;
  plan p;
  p.act = &activation_by_name(net.activation);
  p.ensemble = weight_ensemble_from_name(options.weights);
  p.sigma_w2 = net.sigma_w2;
  p.sigma_b2 = net.sigma_b2;
  p.n = options.width;
  p.k = points.rows();
  p.parts = 1;
  p.depth = options.depth;
  p.seed = options.seed;
  p.level = levels_of(net.activation);
  p.regions = p.level != levels::sign;
  p.circle = false;
  p.closed = options.closed;
  p.curvature = false;
  p.input = &input;
  check_memory(p);

  const auto out = run(p, options.seeds);

  trajectory_result r;
  const Index rows = p.depth + 1;
  r.layer = Eigen::ArrayXd::LinSpaced(rows, 0.0, p.depth);
  Eigen::ArrayXd mean, sem;
  const auto assign = [&](measure m, Eigen::ArrayXd& m_out, Eigen::ArrayXd* s_out, double layer0) {
    reduce(out.measures, m, mean, s_out != nullptr ? &sem : nullptr);
    m_out.resize(rows);
    m_out[0] = layer0;
    m_out.tail(p.depth) = mean;
    if (s_out != nullptr) {
      s_out->resize(rows);
      (*s_out)[0] = std::isnan(layer0) ? kNaN : 0.0;
      s_out->tail(p.depth) = sem;
    }
  };
  // Layer 0: the input curve itself (not divided by sqrt(N)), q = mean |x|^2 / d.
  const Index segments = p.segments();
  double length0 = 0;
  for (Index j = 0; j < segments; ++j) length0 += (input.col((j + 1) % p.k) - input.col(j)).norm();
  const double q_input = input.colwise().squaredNorm().mean() / static_cast<double>(input.rows());
  assign(m_length, r.length_mean, &r.length_sem, length0);
  assign(m_q, r.q_mean, nullptr, q_input);
  assign(m_transitions, r.transitions_mean, &r.transitions_sem, kNaN);
  assign(m_regions, r.regions_mean, &r.regions_sem, kNaN);
  const signalprop::mean_field mf(net);
  r.growth_theory.setConstant(rows, kNaN);
  for (Index l = 2; l < rows; ++l) r.growth_theory[l] = std::sqrt(mf.chi(r.q_mean[l - 1]));
  return r;
}

}  // namespace nt::expressivity
