// Semantic development from the closed-form solution [S19]; equations in docs/theory/deeplinear.md (sec. 2).
#include "neurotheory/deeplinear/semantics.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <boost/math/tools/minima.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/random.hpp"
#include "neurotheory/deeplinear/dynamics.hpp"

namespace nt::deeplinear {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// The SVD of a whitened data set plus each item's coordinates on the object analyzers, B = V^T X (r x P).
struct model {
  correlations_result c;
  Eigen::MatrixXd b;
};

model make_model(const dataset& data) {
  model m{correlations(data), {}};
  if (!m.c.whitened) {
    throw invalid_argument("dataset", data.name,
                           "must have whitened inputs (Sigma_x = X X^T = I, e.g. one-hot items) for the closed form");
  }
  m.b = m.c.v.transpose() * data.inputs;
  return m;
}

void check_time(double t) {
  if (!(t >= 0.0) || std::isnan(t)) throw invalid_argument("t", format_value(t), "must be >= 0 (may be inf)");
}
void check_a0(double a0) { require_positive("a0", a0); }
void check_depth(int depth) { require_at_least("depth", depth, 1); }

void check_index(const char* field, int value, Eigen::Index size) {
  if (value < 0 || value >= size) {
    throw invalid_argument(field, std::to_string(value), fmt::format("must lie in [0, {}]", size - 1));
  }
}

Eigen::VectorXd strengths(const model& m, double t, double a0, int depth) {
  Eigen::VectorXd a(m.c.s.size());
  for (Eigen::Index k = 0; k < a.size(); ++k) a(k) = mode_strength(t, m.c.s(k), a0, depth);
  return a;
}

// Horizon by which every mode with s > 1e-12 s_max is within 1e-9 of its asymptote.
double horizon(const model& m, double a0, int depth) {
  const double s_max = m.c.s.size() ? m.c.s.maxCoeff() : 0.0;
  double t_end = 0.0;
  for (Eigen::Index k = 0; k < m.c.s.size(); ++k) {
    const double s = m.c.s(k);
    if (!(s > 1e-12 * s_max)) continue;
    const double start = std::min(a0, 0.5 * s);  // a0 > s decays at least as fast as s/2 grows
    t_end = std::max(t_end, learning_time(depth, s, start, s * (1.0 - 1e-9)));
  }
  return std::max(t_end, 1.0);
}

// The extremum of f on [lo, hi] (sign = +1: max, -1: min) by Brent's method (Boost.Math): (t, f(t)).
template <class F>
std::pair<double, double> extremum(F&& f, double lo, double hi, double sign) {
  boost::uintmax_t iterations = 200;
  const auto [t, value] = boost::math::tools::brent_find_minima([&](double x) { return -sign * f(x); }, lo, hi,
                                                                std::numeric_limits<double>::digits, iterations);
  return {t, -sign * value};
}

Eigen::MatrixXd powered_gram(const Eigen::MatrixXd& basis_t, const Eigen::VectorXd& a, double exponent) {
  // basis_t: r x n (rows = modes); returns basis_t^T diag(a^exponent) basis_t.
  const Eigen::VectorXd w = a.array().pow(exponent).matrix();
  return basis_t.transpose() * w.asDiagonal() * basis_t;
}

}  // namespace

Eigen::VectorXd mode_strengths(const dataset& data, double t, double a0, int depth) {
  check_depth(depth);
  check_time(t);
  check_a0(a0);
  return strengths(make_model(data), t, a0, depth);
}

Eigen::MatrixXd hidden_representations(const dataset& data, double t, double a0, int depth, int layer) {
  check_depth(depth);
  check_time(t);
  check_a0(a0);
  if (depth < 2)
    throw invalid_argument("depth", std::to_string(depth), "must be >= 2 (a shallow net has no hidden layer)");
  if (layer < 1 || layer > depth - 1) {
    throw invalid_argument("layer", std::to_string(layer), fmt::format("must lie in [1, {}]", depth - 1));
  }
  const model m = make_model(data);
  const Eigen::VectorXd a = strengths(m, t, a0, depth);
  // Balanced solution: W_l = R_l A^{1/D} R_{l-1}^T, so layer l sees A^{l/D} V^T x (notes 2.1).
  const Eigen::VectorXd w = a.array().pow(static_cast<double>(layer) / depth).matrix();
  return w.asDiagonal() * m.b;
}

Eigen::MatrixXd representational_similarity(const dataset& data, double t, double a0, int depth,
                                            const std::string& space) {
  check_depth(depth);
  check_time(t);
  check_a0(a0);
  if (space != "hidden" && space != "output") throw invalid_argument("space", space, "must be hidden or output");
  if (space == "hidden" && depth < 2) {
    throw invalid_argument("depth", std::to_string(depth), "must be >= 2 for hidden similarity");
  }
  const model m = make_model(data);
  const Eigen::VectorXd a = strengths(m, t, a0, depth);
  return powered_gram(m.b, a, space == "hidden" ? 2.0 / depth : 2.0);
}

Eigen::MatrixXd classical_mds(const Eigen::MatrixXd& gram, int dims) {
  if (gram.rows() != gram.cols() || gram.rows() < 1) {
    throw invalid_argument("gram", fmt::format("{}x{}", gram.rows(), gram.cols()), "must be square and non-empty");
  }
  if (!gram.allFinite()) throw invalid_argument("gram", "non-finite", "must be finite");
  require_at_least("dims", dims, 1);
  if (dims > gram.rows()) {
    throw invalid_argument("dims", std::to_string(dims), fmt::format("must be <= {} (items)", gram.rows()));
  }
  const Eigen::Index p = gram.rows();
  // Torgerson: B = -1/2 J D2 J with D2_ij = G_ii + G_jj - 2 G_ij equals J G J (J = I - 11^T/P).
  const Eigen::MatrixXd sym = 0.5 * (gram + gram.transpose());
  const Eigen::VectorXd col_mean = sym.colwise().mean().transpose();
  const double mean = col_mean.mean();
  Eigen::MatrixXd bmat = sym;
  bmat.rowwise() -= col_mean.transpose();
  bmat.colwise() -= col_mean;
  bmat.array() += mean;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(bmat);
  Eigen::MatrixXd out(p, dims);
  for (int k = 0; k < dims; ++k) {
    const Eigen::Index idx = p - 1 - k;  // eigenvalues ascending
    const double lambda = std::max(eig.eigenvalues()(idx), 0.0);
    Eigen::VectorXd col = eig.eigenvectors().col(idx) * std::sqrt(lambda);
    // Sign: the largest-|.| entry (first among near-ties) positive, so frames are reproducible.
    const double big = col.cwiseAbs().maxCoeff();
    for (Eigen::Index i = 0; i < p; ++i) {
      if (std::abs(col(i)) >= big * (1.0 - 1e-9)) {
        if (col(i) < 0) col = -col;
        break;
      }
    }
    out.col(k) = col;
  }
  return out;
}

Eigen::MatrixXd mds_coordinates(const dataset& data, double t, double a0, int depth, int dims) {
  return classical_mds(representational_similarity(data, t, a0, depth, "hidden"), dims);
}

std::vector<Eigen::MatrixXd> mds_trajectory(const dataset& data, const Eigen::VectorXd& times, double a0, int depth,
                                            int dims) {
  std::vector<Eigen::MatrixXd> frames;
  for (Eigen::Index k = 0; k < times.size(); ++k) {
    Eigen::MatrixXd x = mds_coordinates(data, times(k), a0, depth, dims);
    if (!frames.empty()) {
      // Orthogonal Procrustes onto the previous frame: R = U W^T from the SVD of X^T X_prev.
      Eigen::JacobiSVD<Eigen::MatrixXd> svd(x.transpose() * frames.back(), Eigen::ComputeFullU | Eigen::ComputeFullV);
      x = x * (svd.matrixU() * svd.matrixV().transpose());
    }
    frames.push_back(std::move(x));
  }
  return frames;
}

Eigen::MatrixXd predicted_outputs(const dataset& data, double t, double a0, int depth) {
  check_depth(depth);
  check_time(t);
  check_a0(a0);
  const model m = make_model(data);
  const Eigen::VectorXd a = strengths(m, t, a0, depth);
  return m.c.u * a.asDiagonal() * m.b;  // W_tot X = U A V^T X
}

Eigen::VectorXd predicted_output_trajectory(const dataset& data, int item, int feature, const Eigen::VectorXd& times,
                                            double a0, int depth) {
  check_depth(depth);
  check_a0(a0);
  const model m = make_model(data);
  check_index("item", item, data.items());
  check_index("feature", feature, data.features());
  const Eigen::VectorXd coef = (m.c.u.row(feature).transpose().array() * m.b.col(item).array()).matrix();
  Eigen::VectorXd y(times.size());
  for (Eigen::Index k = 0; k < times.size(); ++k) {
    check_time(times(k));
    y(k) = coef.dot(strengths(m, times(k), a0, depth));
  }
  return y;
}

namespace {

illusory_result illusory_from(const model& m, int item, int feature, double a0, int depth, const Eigen::VectorXd& grid,
                              const Eigen::MatrixXd& grid_strengths) {
  const Eigen::VectorXd coef = (m.c.u.row(feature).transpose().array() * m.b.col(item).array()).matrix();
  const Eigen::VectorXd y = grid_strengths * coef;
  auto f = [&](double t) { return coef.dot(strengths(m, t, a0, depth)); };
  illusory_result r;
  r.item = item;
  r.feature = feature;
  r.initial_value = y(0);
  r.final_value = coef.dot(m.c.s);  // every mode at its singular value
  const Eigen::Index n = y.size();
  Eigen::Index kmax = 0, kmin = 0;
  y.maxCoeff(&kmax);
  y.minCoeff(&kmin);
  auto locate = [&](Eigen::Index k, double sign, double& value, double& time) {
    if (k == n - 1) {
      // The extremum is the asymptote (the curve is still approaching it at the horizon).
      time = inf;
      value = r.final_value;
      return;
    }
    if (k == 0 && sign * y(1) <= sign * y(0)) {
      time = 0.0;
      value = y(0);
      return;
    }
    const auto [t, v] = extremum(f, grid(std::max<Eigen::Index>(k - 1, 0)), grid(k + 1), sign);
    time = t;
    value = v;
  };
  locate(kmax, 1.0, r.peak_value, r.peak_time);
  locate(kmin, -1.0, r.trough_value, r.trough_time);
  const double hi = std::max(r.final_value, r.initial_value), lo = std::min(r.final_value, r.initial_value);
  r.overshoot = std::max({r.peak_value - hi, lo - r.trough_value, 0.0});
  return r;
}

struct grid_data {
  Eigen::VectorXd times;
  Eigen::MatrixXd strengths;  // times x modes
};

grid_data make_grid(const model& m, double a0, int depth) {
  constexpr int points = 4000;
  grid_data g;
  const double t_end = horizon(m, a0, depth);
  g.times = Eigen::VectorXd::LinSpaced(points, 0.0, t_end);
  g.strengths.resize(points, m.c.s.size());
  for (Eigen::Index a = 0; a < m.c.s.size(); ++a) {
    for (int k = 0; k < points; ++k) g.strengths(k, a) = mode_strength(g.times(k), m.c.s(a), a0, depth);
  }
  return g;
}

}  // namespace

illusory_result illusory_correlation(const dataset& data, int item, int feature, double a0, int depth) {
  check_depth(depth);
  check_a0(a0);
  const model m = make_model(data);
  check_index("item", item, data.items());
  check_index("feature", feature, data.features());
  const grid_data g = make_grid(m, a0, depth);
  return illusory_from(m, item, feature, a0, depth, g.times, g.strengths);
}

std::vector<illusory_result> find_illusory_correlations(const dataset& data, double a0, int depth,
                                                        double min_overshoot) {
  check_depth(depth);
  check_a0(a0);
  require_nonnegative("min_overshoot", min_overshoot);
  const model m = make_model(data);
  const grid_data g = make_grid(m, a0, depth);
  // All predictions on the grid at once: per time U diag(a) B; a pair is refined only if its grid
  // overshoot already exceeds the threshold (the refinement only moves the extremum up).
  std::vector<illusory_result> out;
  const double slack = 1e-6;
  for (int i = 0; i < data.items(); ++i) {
    const Eigen::MatrixXd coef = m.c.u.array().rowwise() * m.b.col(i).transpose().array();  // features x modes
    const Eigen::MatrixXd y = g.strengths * coef.transpose();                               // times x features
    for (int f = 0; f < data.features(); ++f) {
      const double init = y(0, f), fin = coef.row(f).dot(m.c.s);
      const double over =
          std::max(y.col(f).maxCoeff() - std::max(init, fin), std::min(init, fin) - y.col(f).minCoeff());
      if (over + slack > min_overshoot) {
        illusory_result r = illusory_from(m, i, f, a0, depth, g.times, g.strengths);
        if (r.overshoot > min_overshoot) out.push_back(r);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.overshoot > y.overshoot; });
  return out;
}

Eigen::VectorXd typicality(const dataset& data, int mode) {
  const model m = make_model(data);
  check_index("mode", mode, m.c.s.size());
  const double s = m.c.s(mode);
  if (!(s > 0.0)) throw invalid_argument("mode", std::to_string(mode), "must have a singular value > 0");
  // v_{alpha,i} = u_alpha . y^i / s_alpha: the item's features projected on the prototype (notes 2.7).
  return (m.c.u.col(mode).transpose() * data.targets).transpose() / s;
}

Eigen::VectorXd category_response(const dataset& data, int mode, double t, double a0, int depth) {
  check_depth(depth);
  check_time(t);
  check_a0(a0);
  const Eigen::VectorXd v = typicality(data, mode);
  const model m = make_model(data);
  return mode_strength(t, m.c.s(mode), a0, depth) * v;
}

void coherence_options::validate() const {
  require_at_least("items", items, 1);
  require_at_least("features", features, 1);
  require_at_least("category_items", category_items, 1);
  require_at_least("category_features", category_features, 1);
  if (category_items > items) {
    throw invalid_argument("category_items", std::to_string(category_items),
                           fmt::format("must be <= items = {}", items));
  }
  if (category_features > features) {
    throw invalid_argument("category_features", std::to_string(category_features),
                           fmt::format("must be <= features = {}", features));
  }
  if (!(q > 0.0 && q < 1.0)) throw invalid_argument("q", format_value(q), "must lie in (0, 1)");
  if (!(p > q && p <= 1.0))
    throw invalid_argument("p", format_value(p), fmt::format("must lie in (q, 1] = ({}, 1]", format_value(q)));
}

coherence_result category_coherence(const coherence_options& o) {
  o.validate();
  coherence_result r;
  const double n_o = o.items, n_f = o.features, k_o = o.category_items, k_f = o.category_features;
  const double sigma = std::sqrt(o.q * (1.0 - o.q));
  r.aspect = n_f / n_o;
  r.signal = (o.p - o.q) * std::sqrt(k_f * k_o);
  r.theta = r.signal / (sigma * std::sqrt(n_o));
  r.coherence = (o.p - o.q) * (o.p - o.q) * k_f * k_o / (o.q * (1.0 - o.q) * std::sqrt(n_f * n_o));
  r.learnable = r.coherence > 1.0;
  const double unit = sigma * std::sqrt(n_o);
  r.bulk_edge = unit * (1.0 + std::sqrt(r.aspect));
  // Spiked rectangular matrix (Benaych-Georges & Nadakuditi 2012; LG eq. for shat): the outlier sits at
  // sqrt((1+theta^2)(A+theta^2))/theta above the transition theta^2 = sqrt(A), i.e. C = 1.
  const double t2 = r.theta * r.theta;
  r.singular_value = r.learnable ? unit * std::sqrt((1.0 + t2) * (r.aspect + t2)) / r.theta : r.bulk_edge;
  r.time_scale = r.learnable ? 1.0 / r.singular_value : inf;
  return r;
}

dataset coherence_dataset(const coherence_options& o, std::uint64_t seed) {
  o.validate();
  if (static_cast<double>(o.items) * o.features > 1e8) {
    throw invalid_argument("features", std::to_string(o.features), "items x features must be <= 1e8");
  }
  dataset d;
  d.name = fmt::format("category(N_o={},N_f={},K_o={},K_f={},p={},q={},seed={})", o.items, o.features, o.category_items,
                       o.category_features, format_value(o.p), format_value(o.q), seed);
  d.targets.resize(o.features, o.items);
  for (int i = 0; i < o.items; ++i) {
    rng::stream st(seed, {static_cast<std::uint64_t>(i)});  // one stream per item
    for (int f = 0; f < o.features; ++f) {
      const double prob = (i < o.category_items && f < o.category_features) ? o.p : o.q;
      d.targets(f, i) = st.uniform() < prob ? 1.0 : 0.0;
    }
  }
  d.inputs = Eigen::MatrixXd::Identity(o.items, o.items);
  for (int i = 0; i < o.items; ++i) d.item_names.push_back(fmt::format("item{}", i));
  for (int f = 0; f < o.features; ++f) d.feature_names.push_back(fmt::format("feature{}", f));
  return d;
}

Eigen::VectorXd novel_property_projection(const dataset& data, int item, double t, double a0, int depth) {
  require_at_least("depth", depth, 2);
  check_time(t);
  check_a0(a0);
  const model m = make_model(data);
  check_index("item", item, data.items());
  const Eigen::VectorXd a = strengths(m, t, a0, depth);
  // Last hidden layer h^{D-1} = A^{(D-1)/D} V^T x: the new output unit generalizes by h_i . h_j (notes 2.10).
  const Eigen::MatrixXd g = powered_gram(m.b, a, 2.0 * (depth - 1) / depth);
  if (!(g(item, item) > 0.0)) {
    throw invalid_argument("item", std::to_string(item), "has no representation (an item with no features)");
  }
  return g.row(item).transpose() / g(item, item);
}

Eigen::VectorXd novel_item_projection(const dataset& data, int feature, double t, double a0, int depth) {
  require_at_least("depth", depth, 2);
  check_time(t);
  check_a0(a0);
  const model m = make_model(data);
  check_index("feature", feature, data.features());
  const Eigen::VectorXd a = strengths(m, t, a0, depth);
  const Eigen::MatrixXd ut = m.c.u.transpose();  // r x N_out
  const Eigen::MatrixXd g = powered_gram(ut, a, 2.0 * (depth - 1) / depth);
  if (!(g(feature, feature) > 1e-300)) {
    throw invalid_argument("feature", std::to_string(feature), "is never present (no projection on the modes)");
  }
  return g.col(feature) / g(feature, feature);
}

}  // namespace nt::deeplinear
