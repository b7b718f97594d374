// Exact memory curves (LG13 eq. 3-5, notes 1.1): stationary distribution, eigenmodes, Laplace form,
// area, lifetime.
#include "neurotheory/synapses/memory_curve.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <boost/math/tools/roots.hpp>

#include "neurotheory/core/error.hpp"

namespace nt::synapses {

namespace {

// Above this eigenvector condition number the curve is evaluated by the matrix exponential.
constexpr double kDirectCondition = 1e4;

// The quantities every formula shares: W_F, p_inf, the row a = c p_inf (M_pot - M_dep), the weights
// with their equilibrium mean removed (w~ = w - (p.w) 1; a 1 = 0, so only w~ matters and the slow
// constant direction never enters a linear solve).
struct setup {
  Eigen::MatrixXd W;
  Eigen::VectorXd p;
  Eigen::RowVectorXd a;
  Eigen::VectorXd w_tilde;
};

setup prepare(const markov_model& model) {
  model.validate();
  setup s;
  s.W = model.generator();
  s.p = stationary(model);
  const double c = 2.0 * model.f_pot * model.f_dep();
  s.a = c * s.p.transpose() * (model.potentiation - model.depression);
  s.w_tilde = model.weights.array() - s.p.dot(model.weights);
  return s;
}

void check_N_r(double N, double r) {
  require_positive("N", N);
  require_positive("rate", r);
}

// Detailed balance p_i W_ij = p_j W_ji within 1e-9 relative (p is accurate to ~1e-13 relative).
bool detailed_balance(const Eigen::MatrixXd& W, const Eigen::VectorXd& p) {
  const Eigen::Index M = W.rows();
  for (Eigen::Index i = 0; i < M; ++i) {
    if (!(p(i) > 0.0)) return false;
    for (Eigen::Index j = i + 1; j < M; ++j) {
      const double f = p(i) * W(i, j), b = p(j) * W(j, i);
      if (std::abs(f - b) > 1e-9 * std::max(f, b)) return false;
    }
  }
  return true;
}

double mode_sum(const modes& m, double t_scaled) {
  // Slowest modes last in the sum (sorted by decreasing tau): add the fast, small terms first.
  double s = 0.0;
  for (Eigen::Index k = m.rate.size() - 1; k >= 0; --k) {
    const double decay = std::exp(-m.rate(k) * t_scaled);
    if (decay == 0.0) continue;
    double term = m.weight(k);
    if (m.rate_imag(k) != 0.0 || m.weight_imag(k) != 0.0) {
      const double th = m.rate_imag(k) * t_scaled;
      term = m.weight(k) * std::cos(th) + m.weight_imag(k) * std::sin(th);
    }
    s += term * decay;
  }
  return s;
}

// exp(t W) by scaling and squaring: Taylor (degree 18) on t W / 2^s with ||t W / 2^s||_inf <= 1/2
// (truncation 0.5^19/19! < 2e-23), then s squarings. For a generator the result is stochastic; used
// when the eigenvector basis is ill conditioned (non-normal chains), where the mode sum loses digits.
Eigen::MatrixXd expm_generator(const Eigen::MatrixXd& W, double t) {
  const Eigen::Index M = W.rows();
  Eigen::MatrixXd A = t * W;
  const double norm = A.cwiseAbs().rowwise().sum().maxCoeff();
  int s = 0;
  if (norm > 0.5) s = static_cast<int>(std::ceil(std::log2(norm / 0.5)));
  A /= std::ldexp(1.0, s);
  Eigen::MatrixXd E = Eigen::MatrixXd::Identity(M, M), term = Eigen::MatrixXd::Identity(M, M);
  for (int k = 1; k <= 18; ++k) {
    term = (term * A) / static_cast<double>(k);
    E += term;
  }
  for (int k = 0; k < s; ++k) E = (E * E).eval();
  return E;
}

// SNR(t)/sqrt(N) as a function of r t: the mode sum, or (ill-conditioned modes) a e^{rtW} w~.
struct curve_evaluator {
  modes m;
  setup s;
  bool direct = false;
  curve_evaluator(const markov_model& model) : m(eigenmodes(model)), s(prepare(model)) {
    direct = !m.reversible && m.condition > kDirectCondition;
  }
  double operator()(double rt) const {
    if (!direct) return mode_sum(m, rt);
    if (rt == 0.0) return s.a.dot(s.w_tilde);
    if (!std::isfinite(rt)) return 0.0;
    return s.a.dot(expm_generator(s.W, rt) * s.w_tilde);
  }
};

// The root of f in [lo, hi] with f(lo) > 0 >= f(hi): TOMS 748 (Boost.Math), to ~4 ulp.
template <class F>
double bracketed_root(F f, double lo, double hi, double flo, double fhi) {
  if (fhi == 0.0) return hi;
  boost::uintmax_t iterations = 200;
  const auto [a, b] =
      boost::math::tools::toms748_solve(f, lo, hi, flo, fhi, boost::math::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (a + b);
}

}  // namespace

namespace {

// Grassmann-Taksar-Heyman elimination (Grassmann, Taksar & Heyman 1985; Stewart 1994 sec. 2.7): state
// reduction using only the off-diagonal rates, no subtractions, so p_inf comes out with componentwise
// relative accuracy ~ M eps even when its entries span many decades (cascade: 2^-n). Returns false when
// a reduced state has no way down (the chain has transient states or several closed classes).
bool stationary_gth(const Eigen::MatrixXd& W, Eigen::VectorXd& p) {
  const Eigen::Index M = W.rows();
  Eigen::MatrixXd A = W;
  for (Eigen::Index k = M - 1; k >= 1; --k) {
    double s = 0.0;
    for (Eigen::Index j = 0; j < k; ++j) s += A(k, j);
    if (!(s > 0.0)) return false;
    for (Eigen::Index i = 0; i < k; ++i) A(i, k) /= s;
    for (Eigen::Index i = 0; i < k; ++i) {
      if (A(i, k) == 0.0) continue;
      for (Eigen::Index j = 0; j < k; ++j) {
        if (j != i) A(i, j) += A(i, k) * A(k, j);
      }
    }
  }
  p = Eigen::VectorXd::Zero(M);
  p(0) = 1.0;
  for (Eigen::Index j = 1; j < M; ++j) {
    for (Eigen::Index i = 0; i < j; ++i) p(j) += p(i) * A(i, j);
  }
  return p.allFinite();
}

}  // namespace

Eigen::VectorXd stationary(const markov_model& model) {
  model.validate();
  const Eigen::MatrixXd W = model.generator();
  const Eigen::Index M = W.rows();
  Eigen::VectorXd p;
  if (stationary_gth(W, p)) return p / p.sum();
  // Transient states or a reducible chain: p^T (E - W) = 1^T (LG13 code), regular iff the chain has a
  // single closed class.
  const Eigen::MatrixXd A = Eigen::MatrixXd::Ones(M, M) - W;
  Eigen::FullPivLU<Eigen::MatrixXd> lu(A.transpose());
  lu.setThreshold(1e-12);
  if (lu.isInvertible() && lu.rcond() > 1e-13) {
    p = lu.solve(Eigen::VectorXd::Ones(M));
  } else {
    // Fallback: the left null vector of W from the SVD of W^T; unique only if the second-smallest
    // singular value is clearly nonzero.
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(W.transpose(), Eigen::ComputeFullV);
    const Eigen::VectorXd sv = svd.singularValues();
    const double scale = std::max(1.0, sv(0));
    if (sv(M - 2) < 1e-12 * scale) {
      throw invalid_argument("model " + model.name, "a chain with several closed classes",
                             "the stationary distribution must be unique (every state reachable from a common class)");
    }
    p = svd.matrixV().col(M - 1);
  }
  if (p.sum() < 0) p = -p;
  p = p.cwiseMax(0.0);  // rounding can leave -1e-17 on transient states
  const double total = p.sum();
  if (!(total > 0.0) || !p.allFinite()) throw internal_error("stationary distribution: degenerate solve");
  return p / total;
}

double noise_std(const markov_model& model) {
  const Eigen::VectorXd p = stationary(model);
  const double mean = p.dot(model.weights);
  const double second = p.dot(model.weights.cwiseAbs2());
  const double bias = model.f_pot - model.f_dep();
  return std::sqrt(std::max(0.0, second - bias * bias * mean * mean));
}

bool modes::real() const { return (rate_imag.array() == 0.0).all() && (weight_imag.array() == 0.0).all(); }

modes eigenmodes(const markov_model& model) {
  const setup s = prepare(model);
  const Eigen::Index M = s.W.rows();
  modes out;
  std::vector<std::complex<double>> lambda, weight;
  if (detailed_balance(s.W, s.p)) {
    // Reversible: S = D W D^-1 (D = diag sqrt p) is symmetric with S_ij = sqrt(W_ij W_ji) off the
    // diagonal, computed without p, so the symmetric solver sees the exact matrix (stable for stiff chains).
    out.reversible = true;
    Eigen::MatrixXd S = s.W;
    for (Eigen::Index i = 0; i < M; ++i) {
      for (Eigen::Index j = i + 1; j < M; ++j) S(i, j) = S(j, i) = std::sqrt(s.W(i, j) * s.W(j, i));
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
    const Eigen::VectorXd d = s.p.cwiseSqrt();
    const Eigen::RowVectorXd left = s.a.cwiseQuotient(d.transpose()) * es.eigenvectors();          // a D^-1 V
    const Eigen::RowVectorXd right = (d.cwiseProduct(s.w_tilde)).transpose() * es.eigenvectors();  // (V^T D w)^T
    // Ascending eigenvalues: the last (~0) is the stationary mode.
    for (Eigen::Index k = 0; k + 1 < M; ++k) {
      lambda.emplace_back(es.eigenvalues()(k), 0.0);
      weight.emplace_back(left(k) * right(k), 0.0);
    }
  } else {
    // General chains: eigen-decomposition of the balanced D W D^-1 (when p > 0), left vectors from
    // the inverse of the right eigenvector matrix.
    Eigen::VectorXd d = Eigen::VectorXd::Ones(M);
    if ((s.p.array() > 0.0).all()) d = s.p.cwiseSqrt();
    const Eigen::MatrixXd B = d.asDiagonal() * s.W * d.cwiseInverse().asDiagonal();
    Eigen::EigenSolver<Eigen::MatrixXd> es(B);
    if (es.info() != Eigen::Success) throw internal_error("eigenmodes: eigensolver did not converge");
    const Eigen::MatrixXcd R = es.eigenvectors();
    const Eigen::MatrixXcd L = R.partialPivLu().inverse();
    // Frobenius condition number of the (unit-column) eigenvector basis: the mode weights carry
    // ~ condition * eps relative error from near-defective eigenvalue pairs.
    out.condition = R.norm() * L.norm() / static_cast<double>(M);
    const Eigen::RowVectorXcd left = s.a.cwiseQuotient(d.transpose()).cast<std::complex<double>>() * R;
    const Eigen::VectorXcd right = L * d.cwiseProduct(s.w_tilde).cast<std::complex<double>>();
    Eigen::Index zero = 0;
    es.eigenvalues().cwiseAbs().minCoeff(&zero);
    for (Eigen::Index k = 0; k < M; ++k) {
      if (k == zero) continue;
      lambda.push_back(es.eigenvalues()(k));
      weight.push_back(left(k) * right(k));
    }
  }
  std::vector<std::size_t> order(lambda.size());
  std::iota(order.begin(), order.end(), 0);
  // Decreasing tau = increasing rate -Re lambda.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return -lambda[i].real() < -lambda[j].real(); });
  const auto K = static_cast<Eigen::Index>(order.size());
  out.rate.resize(K);
  out.tau.resize(K);
  out.weight.resize(K);
  out.rate_imag.resize(K);
  out.weight_imag.resize(K);
  for (Eigen::Index k = 0; k < K; ++k) {
    const auto& l = lambda[order[static_cast<std::size_t>(k)]];
    const auto& i = weight[order[static_cast<std::size_t>(k)]];
    // A rate can come out as -1e-17 for a decoupled slow mode; it is a decay rate, >= 0.
    out.rate(k) = std::max(-l.real(), 0.0);
    out.tau(k) = 1.0 / out.rate(k);
    out.rate_imag(k) = -l.imag();
    out.weight(k) = i.real();
    out.weight_imag(k) = i.imag();
  }
  return out;
}

Eigen::VectorXd snr(const markov_model& model, const Eigen::VectorXd& times, double N, double r) {
  check_N_r(N, r);
  for (Eigen::Index k = 0; k < times.size(); ++k) require_nonnegative("time", times(k));
  const curve_evaluator curve(model);
  Eigen::VectorXd out(times.size());
  for (Eigen::Index k = 0; k < times.size(); ++k) out(k) = std::sqrt(N) * curve(r * times(k));
  return out;
}

double snr(const markov_model& model, double t, double N, double r) {
  return snr(model, Eigen::VectorXd::Constant(1, t), N, r)(0);
}

double snr0(const markov_model& model, double N) {
  require_positive("N", N);
  const setup s = prepare(model);
  return std::sqrt(N) * s.a.dot(s.w_tilde);
}

double laplace(const markov_model& model, double s_value, double N, double r) {
  check_N_r(N, r);
  require_nonnegative("s", s_value);
  const setup s = prepare(model);
  const Eigen::Index M = s.W.rows();
  // On p.z = 0 (where (s - rW)^-1 w~ lives), s I - r W equals s I + r (1 p^T - W) = s I + r Z^-1,
  // which stays well conditioned as s -> 0 (s = 0 gives the area).
  const Eigen::MatrixXd A =
      s_value * Eigen::MatrixXd::Identity(M, M) + r * (Eigen::VectorXd::Ones(M) * s.p.transpose() - s.W);
  const Eigen::VectorXd z = A.partialPivLu().solve(s.w_tilde);
  return std::sqrt(N) * s.a.dot(z);
}

double area(const markov_model& model, double N, double r) { return laplace(model, 0.0, N, r); }

double running_average(const markov_model& model, double tau, double N, double r) {
  require_positive("tau", tau);
  return laplace(model, 1.0 / tau, N, r) / tau;
}

Eigen::VectorXd running_average(const markov_model& model, const Eigen::VectorXd& taus, double N, double r) {
  Eigen::VectorXd out(taus.size());
  for (Eigen::Index k = 0; k < taus.size(); ++k) out(k) = running_average(model, taus(k), N, r);
  return out;
}

double lifetime(const markov_model& model, double N, double r, double threshold) {
  check_N_r(N, r);
  require_positive("threshold", threshold);
  const curve_evaluator curve(model);
  const modes& m = curve.m;
  const double root_n = std::sqrt(N);
  auto excess = [&](double t) { return root_n * curve(r * t) - threshold; };
  double lo = 0.0, flo = excess(0.0);
  if (!(flo > 0.0)) return 0.0;
  // Geometric steps from a fraction of the fastest time constant: the first sample where the curve is
  // at or below threshold brackets the first crossing.
  const double fastest = m.rate.size() > 0 && m.rate.maxCoeff() > 0 ? 1.0 / (r * m.rate.maxCoeff()) : 1.0;
  double hi = 1e-3 * fastest;
  while (true) {
    if (!std::isfinite(hi)) return std::numeric_limits<double>::infinity();
    const double fhi = excess(hi);
    if (!(fhi > 0.0)) return bracketed_root(excess, lo, hi, flo, fhi);
    lo = hi;
    flo = fhi;
    hi *= 1.5;
  }
}

void curve_options::validate() const {
  model.validate();
  require_positive("N", N);
  require_positive("rate", rate);
  require_nonnegative("time", time);
  require_positive("threshold", threshold);
  require_positive("t_min", t_min);
  if (!(t_max > t_min) || !std::isfinite(t_max)) {
    throw invalid_argument("t_max", format_value(t_max),
                           fmt::format("must be finite and > t_min = {}", format_value(t_min)));
  }
  require_at_least("points", points, 2);
  if (points > 1000000) throw invalid_argument("points", std::to_string(points), "must be <= 1000000");
}

memory_curve compute_curve(const markov_model& model, const curve_options& o) {
  o.validate();
  memory_curve c;
  c.model = model.name;
  c.states = model.states();
  c.N = o.N;
  c.rate = o.rate;
  c.p_inf = stationary(model);
  c.spectrum = eigenmodes(model);
  c.time = o.time;
  c.threshold = o.threshold;
  c.snr = snr(model, o.time, o.N, o.rate);
  c.snr0 = snr0(model, o.N);
  c.area = area(model, o.N, o.rate);
  c.lifetime = lifetime(model, o.N, o.rate, o.threshold);
  c.noise_std = noise_std(model);
  c.times = Eigen::VectorXd(o.points);
  const double l0 = std::log(o.t_min), l1 = std::log(o.t_max);
  for (int k = 0; k < o.points; ++k) c.times(k) = std::exp(l0 + (l1 - l0) * k / (o.points - 1));
  c.snr_curve = snr(model, c.times, o.N, o.rate);
  c.running = running_average(model, c.times, o.N, o.rate);
  return c;
}

memory_curve compute_curve(const curve_options& options) {
  options.validate();
  return compute_curve(make_model(options.model), options);
}

}  // namespace nt::synapses
