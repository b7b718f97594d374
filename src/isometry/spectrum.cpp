#include "neurotheory/isometry/spectrum.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <optional>
#include <vector>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/gaussian.hpp"
#include "neurotheory/core/parallel.hpp"

#include "free_law.hpp"
#include "free_solver.hpp"

namespace nt::isometry {
namespace {

using detail::cplx;
constexpr double kPi = std::numbers::pi;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kZMax = 14.0;            // quadrature range of z ~ N(0, 1)
constexpr double kDroppedWeight = 1e-40;  // nodes lighter than this do not enter the resolvent sums
constexpr double kEdgeWeight = 1e-6;      // a left edge may lie among nodes holding less D^2-mass than this
constexpr double kBottomTail = 1e-12;     // a soft bottom: the quantile of d with this much mass below
constexpr double kFloorDecades = 25.0;    // reach-0 path ends at log lambda_edge - 25 (L + 1) (and below)

double standard_normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi); }

// ---------------------------------------------------------------------------------------------
// The law of d = phi'(sqrt(q) z)^2.

struct law_data {
  derivative_law law;
  int atom_count = 0;  // the first atom_count entries are point masses (finite laws: all)
};

bool squared_derivative_is_even(const activation& act) {
  if (act.symmetry() != parity::none) return true;  // odd or even phi: phi'^2 is even
  for (double x : {0.05, 0.37, 1.3, 2.9, 6.1}) {
    const double a = act.dphi(x), b = act.dphi(-x);
    if (std::abs(a * a - b * b) > 1e-14 * (a * a + b * b) + 1e-300) return false;
  }
  return true;
}

int automatic_intervals(double q) {
  // Per side of z = 0; the scale of d(z) in z is 1/sqrt(q) for large q.
  const int m = static_cast<int>(std::ceil(2000.0 * std::max(1.0, std::sqrt(q))));
  return std::min(20000, m + (m % 2));
}

void set_moments_from_nodes(derivative_law& law) {
  law.mu1 = (law.weight * law.value).sum();
  law.mu2 = (law.weight * law.value.square()).sum();
  law.mu3 = (law.weight * law.value.cube()).sum();
}

law_data finite_law(std::vector<double> values, std::vector<double> weights) {
  law_data out;
  std::vector<double> v, w;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (weights[i] <= 0.0) continue;
    const auto it = std::find(v.begin(), v.end(), values[i]);
    if (it != v.end()) {
      w[static_cast<std::size_t>(it - v.begin())] += weights[i];
    } else {
      v.push_back(values[i]);
      w.push_back(weights[i]);
    }
  }
  out.law.value = Eigen::Map<Eigen::ArrayXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  out.law.weight = Eigen::Map<Eigen::ArrayXd>(w.data(), static_cast<Eigen::Index>(w.size()));
  out.law.finite = true;
  out.atom_count = static_cast<int>(v.size());
  set_moments_from_nodes(out.law);
  return out;
}

law_data build_law(const activation& act, double q, int nodes) {
  const std::string name(act.name());
  if (name == "linear") return finite_law({1.0}, {1.0});
  if (name == "relu") return finite_law({0.0, 1.0}, {0.5, 0.5});
  if (name == "hard_tanh") {
    const double p = q > 0.0 ? std::erf(1.0 / std::sqrt(2.0 * q)) : 1.0;
    return finite_law({0.0, 1.0}, {1.0 - p, p});
  }
  if (q == 0.0) {
    // h = 0: d takes the one-sided limits of phi'(0)^2 (selu's kink), else phi'(0)^2.
    const double right = act.dphi(std::numeric_limits<double>::denorm_min());
    const double left = act.dphi(-std::numeric_limits<double>::denorm_min());
    return finite_law({right * right, left * left}, {0.5, 0.5});
  }
  const double sq = std::sqrt(q);
  law_data out;
  if (name == "selu") {
    // phi'^2 = lambda^2 for h > 0 (an atom of mass 1/2), lambda^2 alpha^2 e^{2h} for h < 0: composite
    // Gauss-Legendre (order 16) on z in [-14, 0], exact at the kink.
    const double slope = act.dphi(1.0);
    const int half = nodes > 0 ? std::max(16, nodes / 2) : automatic_intervals(q);
    const int panels = std::max(1, half / 16);
    const auto& gl = gauss_legendre(16);
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(panels) * 16;
    out.law.value.resize(n);
    out.law.weight.resize(n);
    out.law.value[0] = slope * slope;
    out.law.weight[0] = 0.5;
    const double width = kZMax / panels;
    Eigen::Index k = 1;
    double total = 0.0;
    for (int p = 0; p < panels; ++p) {
      const double mid = -kZMax + (p + 0.5) * width;
      for (Eigen::Index i = 0; i < gl.nodes.size(); ++i, ++k) {
        const double z = mid + 0.5 * width * gl.nodes[i];
        const double dp = act.dphi(sq * z);
        out.law.value[k] = std::max(dp * dp, std::numeric_limits<double>::min());  // underflow at large q
        out.law.weight[k] = 0.5 * width * gl.weights[i] * standard_normal_pdf(z);
        total += out.law.weight[k];
      }
    }
    out.law.weight.tail(n - 1) *= 0.5 / total;
    out.atom_count = 1;
    // E[d^k] = lambda^{2k}/2 + c^k E[e^{2k sqrt(q) z}; z < 0] = lambda^{2k}/2 + c^k erfcx(sqrt(2q) k)/2.
    const double c = act.dphi(-0.0) * act.dphi(-0.0);
    auto mu = [&](int power) {
      return 0.5 * std::pow(slope, 2 * power) + 0.5 * std::pow(c, power) * detail::erfcx(std::sqrt(2.0 * q) * power);
    };
    out.law.mu1 = mu(1);
    out.law.mu2 = mu(2);
    out.law.mu3 = mu(3);
    return out;
  }
  // Smooth phi: trapezoid rule in z on [-14, 14] (spectrally accurate), folded onto z >= 0 when
  // phi'^2 is even.
  int m = nodes > 0 ? std::max(2, (nodes - 1) / 2) : automatic_intervals(q);
  const double h = kZMax / m;
  const bool even = squared_derivative_is_even(act);
  const Eigen::Index n = even ? m + 1 : 2 * m + 1;
  Eigen::ArrayXd z(n);
  for (Eigen::Index k = 0; k < n; ++k) z[k] = even ? h * static_cast<double>(k) : -kZMax + h * static_cast<double>(k);
  Eigen::ArrayXd x = sq * z, dp(n);
  act.evaluate({x.data(), static_cast<std::size_t>(n)}, {}, {dp.data(), static_cast<std::size_t>(n)}, {});
  // phi'^2 underflows to 0 far in the tails (tanh: 1 - tanh^2 beyond |h| ~ 19); it is positive.
  out.law.value = dp.square().max(std::numeric_limits<double>::min());
  out.law.weight = z.unaryExpr([](double v) { return standard_normal_pdf(v); });
  if (even) out.law.weight.tail(n - 1) *= 2.0;
  out.law.weight /= out.law.weight.sum();
  const double top = out.law.value.maxCoeff(), bottom = out.law.value.minCoeff();
  if (top - bottom <= 1e-14 * top) return finite_law({out.law.value.mean()}, {1.0});
  set_moments_from_nodes(out.law);
  if (name == "erf") {
    // d = exp(-pi u^2 / 2): E[d^k] = (1 + k pi q)^{-1/2}.
    out.law.mu1 = 1.0 / std::sqrt(1.0 + kPi * q);
    out.law.mu2 = 1.0 / std::sqrt(1.0 + 2.0 * kPi * q);
    out.law.mu3 = 1.0 / std::sqrt(1.0 + 3.0 * kPi * q);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One network's spectrum problem, prepared once.

struct resolvent_nodes {
  std::vector<double> d, c, a;  // positive values, weight * value, weight (light nodes dropped)
  void assign(const derivative_law& law) {
    d.clear();
    c.clear();
    a.clear();
    zero_weight = 0.0;
    for (Eigen::Index k = 0; k < law.value.size(); ++k) {
      if (law.value[k] == 0.0) zero_weight += law.weight[k];
      if (law.value[k] > 0.0 && law.weight[k] > kDroppedWeight) {
        d.push_back(law.value[k]);
        c.push_back(law.weight[k] * law.value[k]);
        a.push_back(law.weight[k]);
      }
    }
  }
  double zero_weight = 0.0;  // mass of d = 0 (enters 1 + z only)
  // z = M_{D^2}(w) = sum c/(w - d), z' = -sum c/(w - d)^2 and 1 + z = w sum a/(w - d) + P(d = 0),
  // the last without the cancellation of 1 + z near z = -1 (w -> 0). One vectorised pass.
  void sums(cplx w, cplx& z, cplx& dz, cplx& one_plus) const {
    const double wr = w.real(), wi = w.imag(), wi2 = wi * wi;
    double szr = 0.0, szi = 0.0, sdr = 0.0, sdi = 0.0, syr = 0.0, syi = 0.0;
    const double* dd = d.data();
    const double* cc = c.data();
    const double* aa = a.data();
    const std::size_t n = d.size();
#pragma omp simd reduction(+ : szr, szi, sdr, sdi, syr, syi)
    for (std::size_t k = 0; k < n; ++k) {
      const double u = wr - dd[k];
      const double inv = 1.0 / (u * u + wi2);
      const double t = cc[k] * inv;
      szr += t * u;
      szi += t;
      const double t2 = t * inv;
      sdr += t2 * (u * u - wi2);
      sdi += t2 * u;
      const double ta = aa[k] * inv;
      syr += ta * u;
      syi += ta;
    }
    z = cplx(szr, -wi * szi);
    dz = cplx(-sdr, 2.0 * wi * sdi);
    one_plus = w * cplx(syr, -wi * syi) + zero_weight;
  }
};

struct problem {
  double q_star = 0.0;
  double sigma_w2 = 1.0;
  int depth = 1;
  bool orthogonal = true;
  const activation* act = nullptr;
  law_data fine;
  law_data coarse;  // half the nodes: the a-posteriori resolution check
  bool check_resolution = false;
  double zero_weight = 0.0;  // mass of d = 0
  double d_max = 0.0;
  double d_low = 0.0;  // the kBottomTail-quantile of d (its effective minimum)
  resolvent_nodes nodes, coarse_nodes;
};

double resolve_q_star(const spectrum_params& params) {
  if (params.q_star >= 0.0) return params.q_star;
  const auto fp = signalprop::fixed_point(params.network);
  if (fp.q_status == signalprop::solve_status::converged) return fp.q_star;
  const std::string& name = params.network.activation;
  // D^2 does not depend on q for relu and linear: any q will do (sigma_b2 = 0: every q is fixed).
  if (name == "relu" || name == "linear") return 1.0;
  throw invalid_argument(
      "q_star", format_value(params.q_star),
      fmt::format("the length map of {} at sigma_w2 = {}, sigma_b2 = {} has no converged fixed point "
                  "({}); give q_star > 0",
                  name, format_value(params.network.sigma_w2), format_value(params.network.sigma_b2),
                  signalprop::to_string(fp.q_status)));
}

problem prepare(const spectrum_params& params, int nodes) {
  problem pr;
  pr.q_star = resolve_q_star(params);
  pr.sigma_w2 = params.network.sigma_w2;
  pr.depth = params.depth;
  pr.orthogonal = params.weights == "orthogonal";
  pr.act = &activation_by_name(params.network.activation);
  pr.fine = build_law(*pr.act, pr.q_star, nodes);
  pr.nodes.assign(pr.fine.law);
  pr.check_resolution = !pr.fine.law.finite;
  if (pr.check_resolution) {
    const int total = nodes > 0 ? nodes : 2 * automatic_intervals(pr.q_star) + 1;
    pr.coarse = build_law(*pr.act, pr.q_star, total / 2);
    pr.coarse_nodes.assign(pr.coarse.law);
  }
  pr.zero_weight = pr.nodes.zero_weight;
  pr.d_max = pr.fine.law.value.maxCoeff();
  std::vector<std::pair<double, double>> sorted;
  for (Eigen::Index k = 0; k < pr.fine.law.value.size(); ++k) {
    sorted.emplace_back(pr.fine.law.value[k], pr.fine.law.weight[k]);
  }
  std::sort(sorted.begin(), sorted.end());
  double below = 0.0;
  pr.d_low = sorted.front().first;
  for (const auto& [value, weight] : sorted) {
    below += weight;
    if (below > kBottomTail) break;
    pr.d_low = value;
  }
  return pr;
}

// log of sigma_w^{2L} d^L, the location of the J-atom an atom d of D^2 produces (orthogonal W).
double log_atom_location(const problem& pr, double d) { return pr.depth * (std::log(pr.sigma_w2) + std::log(d)); }

std::vector<atom> spectrum_atoms(const problem& pr) {
  std::vector<atom> atoms;
  if (pr.zero_weight > 0.0) atoms.push_back({0.0, pr.zero_weight});
  if (pr.orthogonal) {
    // [Pe17]/notes 3.5: an atom d of mass a gives mass 1 - L (1 - a) at sigma_w^{2L} d^L when positive
    // (the intersection of L free projections of rank a).
    for (int k = 0; k < pr.fine.atom_count; ++k) {
      const double d = pr.fine.law.value[k], a = pr.fine.law.weight[k];
      if (d <= 0.0) continue;
      const double mass = 1.0 - pr.depth * (1.0 - a);
      if (mass > 1e-15) atoms.push_back({std::exp(log_atom_location(pr, d)), mass});
    }
  }
  std::sort(atoms.begin(), atoms.end(), [](const atom& x, const atom& y) { return x.location < y.location; });
  return atoms;
}

// lambda(w) of notes 3.6 in logs:
//   orthogonal: lambda = ((1 + z)/z) (sigma_w^2 z w / (1 + z))^L,   Gaussian: ((1 + z)/z) (sigma_w^2 z w)^L.
struct jacobian_model {
  const problem* pr;
  double depth;
  double log_s2;

  explicit jacobian_model(const problem& p)
      : pr(&p), depth(static_cast<double>(p.depth)), log_s2(std::log(p.sigma_w2)) {}

  [[nodiscard]] detail::eval_result eval(cplx w) const {
    detail::eval_result e;
    cplx z, dz, one_plus;
    pr->nodes.sums(w, z, dz, one_plus);
    cplx log_g;
    if (pr->orthogonal) {
      log_g = std::log(z * w / one_plus);
      e.dlogl = (depth - 1.0) * dz / (z * one_plus) + depth / w;
    } else {
      log_g = std::log(z * w);
      e.dlogl = -dz / (z * one_plus) + depth * (dz / z + 1.0 / w);
    }
    const cplx logl = std::log(one_plus / z) + depth * (log_g + log_s2);
    e.logl = cplx(logl.real(), detail::wrap_angle(logl.imag()));
    e.z = z;
    return e;
  }

  // The rule with half the nodes estimates the quadrature error: the trapezoid error falls like
  // e^{-c/h}, so halving h squares the relative error and the full rule's error is about
  // |z - z_half|^2 / |z|. Accepted when that is below `tolerance` (units of z).
  [[nodiscard]] bool resolved(cplx w, cplx z, double tolerance) const {
    if (!pr->check_resolution) return true;
    cplx zc, dzc, one_plus;
    pr->coarse_nodes.sums(w, zc, dzc, one_plus);
    const double difference = std::abs(z - zc);
    return difference * difference <= tolerance * std::max(std::abs(z), difference);
  }

  // A(w) with dA/dw = z d log lambda/dw:
  //   orthogonal: (L - 1) Log(1 + z) + L sum_k a_k [Log(w - d_k) - Log w]
  //   Gaussian:   -Log(1 + z) + L z + L sum_k a_k [Log(w - d_k) - Log w]
  // Im w >= 0 and Im z <= 0 fix every branch (arguments in [0, pi] and [-pi, 0]).
  [[nodiscard]] double im_antiderivative(cplx w) const {
    cplx z, dz, one_plus;
    pr->nodes.sums(w, z, dz, one_plus);
    const double wi = std::abs(w.imag());
    double arg_sum = 0.0, weight_sum = 0.0;
    for (std::size_t k = 0; k < pr->nodes.d.size(); ++k) {
      arg_sum += pr->nodes.a[k] * std::atan2(wi, w.real() - pr->nodes.d[k]);
      weight_sum += pr->nodes.a[k];
    }
    const double log_sum = depth * (arg_sum - weight_sum * std::atan2(wi, w.real()));
    const double arg_one_plus = std::atan2(-std::abs(one_plus.imag()), one_plus.real());
    if (pr->orthogonal) return (depth - 1.0) * arg_one_plus + log_sum;
    return -arg_one_plus + depth * z.imag() + log_sum;
  }

  // L log g carries L times the rounding of g.
  [[nodiscard]] double rounding() const { return 2e-15 * depth; }

  // log lambda on the real axis where lambda > 0, NaN elsewhere.
  [[nodiscard]] double real_log_lambda(double w) const {
    const auto e = eval(cplx(w, 0.0));
    if (!e.finite() || std::abs(e.logl.imag()) > 1e-6) return kNaN;
    return e.logl.real();
  }
  [[nodiscard]] double weight_below(double w) const {
    double s = 0.0;
    for (Eigen::Index k = 0; k < pr->fine.law.value.size(); ++k) {
      if (pr->fine.law.value[k] < w) s += pr->fine.law.weight[k];
    }
    return s;
  }
};

struct edge {
  double x = 0.0;  // auxiliary variable (real)
  double s = 0.0;  // log lambda
};

// The top of the continuous part. Sharp edge: the first local minimum of lambda(w) met descending
// the real axis from w = +infinity down to max d (notes 3.5-3.6), searched in log(w - max d). If
// lambda keeps decreasing down to max d: with orthogonal W and an atom of positive J-mass at max d,
// lambda(w) continues analytically through w = max d and the edge lies below it; for a smooth law
// whose top carries negligible mass (swish, gelu at small q*) the edge lies among those nodes and
// is soft: the continuous part is taken to end at lambda(max d (1 + 1e-3)), where the density is of
// the order of the D^2-mass near max d.
struct top_of_support {
  edge at;
  bool sharp = true;
};

std::optional<top_of_support> support_top(const jacobian_model& model) {
  const problem& pr = *model.pr;
  const double top = pr.d_max;
  const double t_high = std::log(100.0 * (pr.depth + 2.0) * top + 10.0);
  const double t_low = std::log(1e-10 * top);
  auto above = [&](double t) { return model.real_log_lambda(top + std::exp(t)); };
  if (auto m = detail::first_local_minimum(above, t_high, t_low, 240)) {
    return top_of_support{{top + std::exp(m->t), m->value}, true};
  }
  if (pr.orthogonal && pr.fine.law.finite) {
    const double dmax = pr.d_max;
    double below = 0.0;
    for (Eigen::Index k = 0; k < pr.fine.law.value.size(); ++k) {
      if (pr.fine.law.value[k] < dmax) below = std::max(below, pr.fine.law.value[k]);
    }
    auto under = [&](double t) { return model.real_log_lambda(dmax - std::exp(t)); };
    if (auto m = detail::first_local_minimum(under, t_low, std::log(dmax - below), 480)) {
      return top_of_support{{dmax - std::exp(m->t), m->value}, true};
    }
    return std::nullopt;  // lambda(w) monotone: no continuous part
  }
  if (pr.fine.law.finite) return std::nullopt;
  const double w = top * (1.0 + 1e-3);
  const double s = model.real_log_lambda(w);
  if (std::isnan(s)) return std::nullopt;
  return top_of_support{{w, s}, false};
}

// Bottom of the continuous part (orthogonal W, no atom of D^2 at 0; otherwise the continuous part
// reaches lambda = 0). Sharp edge: the first local maximum of lambda(w) ascending the real axis
// from w = 0+, accepted where the D^2-mass below w is below kEdgeWeight. Soft edge (the maximum
// lies where the discretised law is too coarse to show it, e.g. tanh at L = 64): lambda(w) at the
// kBottomTail-quantile of d, below which the real branch carries no D^2-mass.
struct bottom_of_support {
  edge at;
  bool sharp = true;
};

std::optional<bottom_of_support> support_bottom(const jacobian_model& model) {
  const problem& pr = *model.pr;
  if (!pr.orthogonal || pr.zero_weight > 0.0) return std::nullopt;
  auto negated = [&](double t) {
    const double w = std::exp(t);
    if (model.weight_below(w) > kEdgeWeight) return kNaN;
    const double v = model.real_log_lambda(w);
    return std::isnan(v) ? kNaN : -v;
  };
  if (auto m = detail::first_local_minimum(negated, std::log(1e-14 * pr.d_max), std::log(pr.d_max), 420)) {
    const double w = std::exp(m->t);
    if (model.weight_below(w) <= kEdgeWeight) return bottom_of_support{{w, -m->value}, true};
  }
  const double w = pr.d_low * (1.0 - 1e-3);
  const double s = model.real_log_lambda(w);
  if (!(w > 0.0) || std::isnan(s)) return std::nullopt;
  return bottom_of_support{{w, s}, false};
}

// The real root of f(x) = target on (lo, cap), f increasing there (the physical real branch above
// the right edge; cap: a pole of z where an atom sits above the edge): bracket by doubling the
// distance from lo, then bisect.
template <class F>
double real_root_above(F f, double lo, double cap, double target) {
  double step = 1e-3 * std::max(std::abs(lo), 1e-3);
  double hi = lo + step;
  for (int k = 0; k < 400; ++k) {
    if (std::isfinite(cap) && hi >= cap) {
      hi = cap - 1e-9 * (cap - lo);
      break;
    }
    if (f(hi) >= target) break;
    step *= 2.0;
    hi = lo + step;
  }
  for (int k = 0; k < 200 && hi - lo > 1e-15 * std::abs(hi); ++k) {
    const double mid = 0.5 * (lo + hi);
    const double v = f(mid);
    if (v < target || std::isnan(v)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

// ---------------------------------------------------------------------------------------------
// The solver over a grid, generic in the model.

struct path_solution {
  std::vector<detail::path_state> backbone;  // descending in s, at eta = kPathEta
  bool complete = false;                     // reached the lower end
  double continuous_mass = kNaN;
};

// Follows the physical branch from the real root x_start at s_high (just above the top of the
// support) down to s_low (just below its bottom, or the floor) at kPathEta. Continuous mass between
// the ends from the antiderivative, the lower end taken to eta = 0 first.
template <class Model>
path_solution follow_path(const Model& model, double s_high, double x_start, double s_low) {
  path_solution sol;
  const auto start = detail::newton(model, cplx(x_start, 0.0), cplx(s_high, detail::kEta), 30);
  detail::path_state first{s_high, detail::kEta, start.x, start.ev};
  if (!start.converged || !detail::change_eta(model, first, detail::kPathEta)) return sol;
  sol.backbone.push_back(first);
  const double range = s_high - s_low;
  detail::path_state last;
  sol.complete = detail::continue_in_s(model, first, s_low, last, std::min(0.02, range / 50.0),
                                       std::max(0.25, range / 16.0), 4000, &sol.backbone);
  if (sol.complete) {
    detail::path_state end = last;
    if (detail::change_eta(model, end, detail::kEta) && detail::polish_real_target(model, end)) {
      sol.continuous_mass = (model.im_antiderivative(end.x) - model.im_antiderivative(cplx(x_start, 0.0))) / kPi;
    }
  }
  return sol;
}

// Density at log lambda = s: continuation from the nearest backbone state, then eta lowered to
// kEta; NaN when that fails or the quadrature does not resolve the solution.
template <class Model>
double solve_density_at(const Model& model, const path_solution& sol, double s, double density_scale) {
  const auto& bb = sol.backbone;
  if (bb.empty()) return kNaN;
  // bb is descending in s: first state with s_state <= s.
  const auto it = std::lower_bound(bb.begin(), bb.end(), s,
                                   [](const detail::path_state& st, double value) { return st.s > value; });
  const auto below = static_cast<std::size_t>(it - bb.begin());
  std::size_t order[2];
  int count = 0;
  if (below < bb.size()) order[count++] = below;
  if (below > 0) order[count++] = below - 1;
  if (count == 2 && std::abs(bb[order[1]].s - s) < std::abs(bb[order[0]].s - s)) std::swap(order[0], order[1]);
  const double lambda = std::exp(s);
  for (int i = 0; i < count; ++i) {
    const auto& from = bb[order[i]];
    detail::path_state st;
    if (!detail::continue_in_s(model, from, s, st, std::abs(s - from.s), 1.0 + std::abs(s - from.s), 100)) continue;
    // Every solution on the way down in eta must be resolved by the quadrature of D^2 (error below
    // 1e-6 of its density or 1e-7 of the mean density of the support): a root the rule cannot
    // resolve may sit on a spurious branch although the final point looks resolved.
    bool resolved = true;
    auto check = [&](const detail::path_state& state) {
      const double tolerance = 1e-6 * std::abs(state.ev.z.imag()) + 1e-7 * kPi * lambda * density_scale;
      resolved = model.resolved(state.x, state.ev.z, tolerance);
      return resolved;
    };
    if (!check(st)) return kNaN;
    if (!detail::change_eta(model, st, detail::kEta, check)) {
      if (!resolved) return kNaN;
      continue;
    }
    return std::max(0.0, -st.ev.z.imag()) / (kPi * lambda);
  }
  return kNaN;
}

Eigen::ArrayXd make_grid(const std::string& grid, double lo, double hi, int points) {
  if (grid == "log") return Eigen::ArrayXd::LinSpaced(points, std::log(lo), std::log(hi)).exp();
  return Eigen::ArrayXd::LinSpaced(points, lo, hi);
}

// Evaluates the density on lambda (any order): lambda <= 0 and points outside
// [support_min, support_max] directly, the rest by the solver (grid points in parallel).
template <class Model>
void fill_density(const Model& model, const path_solution& sol, double support_min, double support_max,
                  double density_at_zero, const Eigen::ArrayXd& lambda, Eigen::ArrayXd& density, int& failed) {
  density.resize(lambda.size());
  const double density_scale = 1.0 / (support_max - support_min);
  int failures = 0;
  const auto n = static_cast<long>(lambda.size());
#pragma omp parallel for num_threads(nt::thread_count()) schedule(dynamic, 4) reduction(+ : failures)
  for (long j = 0; j < n; ++j) {
    const double l = lambda[j];
    double value;
    if (l < 0.0 || l >= support_max || (support_min > 0.0 && l <= support_min)) {
      value = 0.0;
    } else if (l == 0.0) {
      value = density_at_zero;
    } else {
      value = solve_density_at(model, sol, std::log(l), density_scale);
    }
    if (std::isnan(value)) ++failures;
    density[j] = value;
  }
  failed = failures;
}

// ---------------------------------------------------------------------------------------------
// Orthogonal W, L = 1: J J^T = sigma_w^2 D^2, the law of sigma_w^2 d itself. Its continuous part
// is the push-forward rho(lambda) = sum over roots z of d(z) = lambda / sigma_w^2 of
// pdf(z) / (sigma_w^2 |d'(z)|), roots bracketed on a uniform z grid and polished by safeguarded
// Newton.
struct pushforward {
  const problem* pr;
  std::vector<double> z, d;
  explicit pushforward(const problem& p) : pr(&p) {
    const bool selu = p.act->name() == "selu";
    const int steps = 2 * automatic_intervals(p.q_star);
    const double z_hi = selu ? 0.0 : kZMax;
    const double h = (z_hi + kZMax) / steps;
    z.resize(static_cast<std::size_t>(steps) + 1);
    for (std::size_t k = 0; k < z.size(); ++k) z[k] = -kZMax + h * static_cast<double>(k);
    if (selu) z.back() = -1e-300;  // the negative branch up to the kink
    std::vector<double> x(z.size()), dp(z.size());
    const double sq = std::sqrt(p.q_star);
    for (std::size_t k = 0; k < z.size(); ++k) x[k] = sq * z[k];
    p.act->evaluate(x, {}, dp, {});
    d.resize(z.size());
    for (std::size_t k = 0; k < z.size(); ++k) d[k] = dp[k] * dp[k];
  }
  [[nodiscard]] double density(double lambda) const {
    const activation& act = *pr->act;
    const double sq = std::sqrt(pr->q_star);
    const double y = lambda / pr->sigma_w2;
    auto g = [&](double u) {
      const double v = act.dphi(sq * u);
      return v * v - y;
    };
    auto dg = [&](double u) { return 2.0 * sq * act.dphi(sq * u) * act.d2phi(sq * u); };
    double total = 0.0;
    for (std::size_t k = 0; k + 1 < z.size(); ++k) {
      if ((d[k] < y) == (d[k + 1] < y)) continue;
      double a = z[k], b = z[k + 1], ga = d[k] - y;
      double r = 0.5 * (a + b);
      for (int it = 0; it < 60; ++it) {
        const double gr = g(r);
        if ((gr < 0.0) == (ga < 0.0)) {
          a = r;
          ga = gr;
        } else {
          b = r;
        }
        const double slope = dg(r);
        double next = slope != 0.0 ? r - gr / slope : 0.5 * (a + b);
        if (!(next > a && next < b)) next = 0.5 * (a + b);
        const bool done = std::abs(next - r) < 1e-15 * (1.0 + std::abs(r));
        r = next;
        if (done) break;
      }
      const double slope = std::abs(dg(r));
      total += slope > 0.0 ? standard_normal_pdf(r) / slope : kInf;
    }
    return total / pr->sigma_w2;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------

void spectrum_params::validate() const {
  network.validate();
  if (!(network.sigma_w2 > 0.0)) {
    throw invalid_argument("sigma_w2", format_value(network.sigma_w2), "must be > 0 for a spectrum (J = 0 otherwise)");
  }
  if (weights != "orthogonal" && weights != "gaussian") {
    throw invalid_argument("weights", weights, "must be orthogonal or gaussian");
  }
  require_in_range("depth", depth, 1, 1e6);
  if (!std::isfinite(q_star)) {
    throw invalid_argument("q_star", format_value(q_star), "must be finite (negative: the fixed point)");
  }
}

void density_options::validate() const {
  spectrum.validate();
  require_in_range("points", points, 2, 1e7);
  if (grid != "linear" && grid != "log") throw invalid_argument("grid", grid, "must be linear or log");
  if (!std::isfinite(lambda_min)) throw invalid_argument("lambda_min", format_value(lambda_min), "must be finite");
  if (!std::isfinite(lambda_max)) throw invalid_argument("lambda_max", format_value(lambda_max), "must be finite");
  if (grid == "log" && lambda_min == 0.0) {
    throw invalid_argument("lambda_min", "0", "must be > 0 on a log grid (negative: automatic)");
  }
  if (lambda_min >= 0.0 && lambda_max >= 0.0 && !(lambda_max > lambda_min)) {
    throw invalid_argument("lambda_max", format_value(lambda_max),
                           fmt::format("must exceed lambda_min = {}", format_value(lambda_min)));
  }
  if (derivative_nodes != 0) require_in_range("derivative_nodes", derivative_nodes, 33, 400001);
}

derivative_law derivative_squared_law(const std::string& activation, double q_star, int nodes) {
  const auto& act = activation_by_name(activation);
  require_nonnegative("q_star", q_star);
  if (nodes != 0) require_in_range("nodes", nodes, 33, 400001);
  return build_law(act, q_star, nodes).law;
}

namespace {

bool is_pushforward(const problem& pr) { return pr.orthogonal && pr.depth == 1 && !pr.fine.law.finite; }

moments_result moments_of(const problem& pr, const jacobian_model& model) {
  moments_result r;
  const auto& law = pr.fine.law;
  const double L = pr.depth;
  r.q_star = pr.q_star;
  r.mu1 = law.mu1;
  r.mu2 = law.mu2;
  r.mu3 = law.mu3;
  r.chi1 = pr.sigma_w2 * law.mu1;
  r.mean = std::pow(r.chi1, L);
  // Notes 3.4: ln of the mean-normalised S-transform, ln S = a1 m + a2 m^2 + ..., adds over the 2L
  // free factors. D^2: s1 = 1 - mu2/mu1^2, s2 = 2 s1^2 - 3 s1 + 1 - mu3/mu1^3; Gaussian W: s1 = -1,
  // s2 = 1; orthogonal W: 0. Then m2 = m1^2 (1 - s1), m3 = m1^3 (2 s1^2 - 3 s1 - s2 + 1).
  const double s1d = 1.0 - law.mu2 / (law.mu1 * law.mu1);
  const double s2d = 2.0 * s1d * s1d - 3.0 * s1d + 1.0 - law.mu3 / (law.mu1 * law.mu1 * law.mu1);
  const double a1w = pr.orthogonal ? 0.0 : -1.0, a2w = pr.orthogonal ? 0.0 : 0.5;
  const double a1 = L * (s1d + a1w);
  const double a2 = L * (s2d - 0.5 * s1d * s1d + a2w);
  const double s1 = a1, s2 = a2 + 0.5 * a1 * a1;
  r.second = r.mean * r.mean * (1.0 - s1);
  r.third = r.mean * r.mean * r.mean * (2.0 * s1 * s1 - 3.0 * s1 - s2 + 1.0);
  r.variance = r.mean * r.mean * (-s1);
  r.atoms = spectrum_atoms(pr);
  double top = 0.0;
  for (const auto& a : r.atoms) top = std::max(top, a.location);
  if (is_pushforward(pr)) {
    r.lambda_max = pr.sigma_w2 * pr.d_max;
  } else if (auto t = support_top(model)) {
    r.lambda_max = std::max(top, std::exp(t->at.s));
  } else {
    r.lambda_max = top;
  }
  return r;
}

}  // namespace

moments_result moments(const spectrum_params& params) {
  params.validate();
  const problem pr = prepare(params, 0);
  const jacobian_model model(pr);
  return moments_of(pr, model);
}

density_result density(const density_options& options) {
  options.validate();
  const problem pr = prepare(options.spectrum, options.derivative_nodes);
  const jacobian_model model(pr);
  density_result out;
  out.moments = moments_of(pr, model);
  out.atoms = out.moments.atoms;
  double top_atom = 0.0;
  for (const auto& a : out.atoms) top_atom = std::max(top_atom, a.location);

  auto grid_for = [&](double support_min, double support_max) {
    const double hi = options.lambda_max >= 0.0 ? options.lambda_max : 1.05 * std::max(support_max, top_atom);
    double lo = options.lambda_min;
    if (lo < 0.0) lo = options.grid == "log" ? (support_min > 1e-6 * support_max ? support_min : 1e-6 * hi) : 0.0;
    return make_grid(options.grid, lo, std::max(hi, lo * (1.0 + 1e-12) + 1e-300), options.points);
  };

  if (is_pushforward(pr)) {
    double cont_min = kInf, cont_max = 0.0, cont_mass = 0.0;
    for (Eigen::Index k = pr.fine.atom_count; k < pr.fine.law.value.size(); ++k) {
      cont_min = std::min(cont_min, pr.fine.law.value[k]);
      cont_max = std::max(cont_max, pr.fine.law.value[k]);
      cont_mass += pr.fine.law.weight[k];
    }
    out.support_min = pr.sigma_w2 * cont_min;
    out.support_max = pr.sigma_w2 * cont_max;
    out.continuous_mass = cont_mass;
    out.lambda = grid_for(out.support_min, out.support_max);
    out.density.resize(out.lambda.size());
    const pushforward push(pr);
    for (Eigen::Index j = 0; j < out.lambda.size(); ++j) {
      const double l = out.lambda[j];
      out.density[j] = (l <= out.support_min || l >= out.support_max) ? 0.0 : push.density(l);
    }
    return out;
  }

  const auto top = support_top(model);
  if (!top) {
    // No continuous part (orthogonal linear network, or L = 1 with a finite law): atoms only.
    out.support_min = out.support_max = 0.0;
    out.continuous_mass = 0.0;
    out.lambda = grid_for(0.0, top_atom);
    out.density = Eigen::ArrayXd::Zero(out.lambda.size());
    return out;
  }
  const auto bottom = support_bottom(model);
  out.support_max = std::exp(top->at.s);
  out.support_min = bottom ? std::exp(bottom->at.s) : 0.0;
  out.lambda = grid_for(out.support_min, out.support_max);

  // Start just above the top on the real branch (below an atom sitting above the continuous part),
  // end just below the left edge or far below when the continuous part reaches 0.
  double s_high = top->at.s, x_start = top->at.x;
  if (top->sharp) {
    double margin = 0.05;
    for (const auto& a : out.atoms) {
      if (a.location > out.support_max) margin = std::min(margin, 0.5 * (std::log(a.location) - top->at.s));
    }
    s_high = top->at.s + margin;
    const double cap = top->at.x < pr.d_max ? pr.d_max : kInf;
    x_start = real_root_above([&](double w) { return model.real_log_lambda(w); }, top->at.x, cap, s_high);
  }
  // Floor: 25 (L + 1) below the edge (x ~ lambda^{1/(L+1)} near 0 leaves ~e^{-25} of the mass
  // below), lowered by L log(sigma_w^2 d_low) (at most by 69 L) for laws with mass at tiny d
  // (saturated activations put visible mass at lambda ~ (sigma_w^2 d)^L).
  const double per_layer = std::clamp(std::log(pr.sigma_w2 * pr.d_low), std::log(1e-30), 0.0);
  const double s_floor = top->at.s - kFloorDecades * (pr.depth + 1.0) + pr.depth * per_layer;
  double s_low = !bottom ? s_floor : (bottom->sharp ? bottom->at.s - 0.05 : std::max(bottom->at.s, s_floor));
  for (Eigen::Index j = 0; j < out.lambda.size(); ++j) {
    if (out.lambda[j] > 0.0) s_low = std::min(s_low, std::log(out.lambda[j]) - 0.05);
  }
  const auto sol = follow_path(model, s_high, x_start, s_low);
  out.continuous_mass = sol.continuous_mass;
  // Gaussian W or an atom of D^2 at 0: the density diverges at 0 (Fuss-Catalan lambda^{-L/(L+1)},
  // lambda^{1/L - 1}). Orthogonal W otherwise: it vanishes there.
  const double at_zero = pr.orthogonal && pr.zero_weight == 0.0 ? 0.0 : kInf;
  fill_density(model, sol, out.support_min, out.support_max, at_zero, out.lambda, out.density, out.failed_points);
  return out;
}

universality_class universality_class_from_name(const std::string& name) {
  if (name == "smooth") return universality_class::smooth;
  if (name == "bernoulli") return universality_class::bernoulli;
  throw invalid_argument("universality_class", name, "must be smooth or bernoulli");
}

namespace {

// [Pe18] limits in x = 1/m (Im m < 0  <=>  Im x > 0; the atom m = infinity sits at x = 0):
//   smooth:    log lambda = Log(1 + x) + s2 / x,        A = Log(x/(1 + x)) + s2 / (2 x^2)
//   bernoulli: log lambda = Log(1 + x) + s2 / (1 + x),  A = (1 - s2) Log(x/(1 + x)) - s2 / (1 + x)
struct universal_model {
  bool smooth = true;
  double s2 = 0.0;
  [[nodiscard]] detail::eval_result eval(cplx x) const {
    detail::eval_result e;
    const cplx one_plus = 1.0 + x;
    const cplx logl = smooth ? std::log(one_plus) + s2 / x : std::log(one_plus) + s2 / one_plus;
    e.logl = cplx(logl.real(), detail::wrap_angle(logl.imag()));
    e.dlogl = smooth ? 1.0 / one_plus - s2 / (x * x) : 1.0 / one_plus - s2 / (one_plus * one_plus);
    e.z = 1.0 / x;
    return e;
  }
  [[nodiscard]] bool resolved(cplx /*x*/, cplx /*z*/, double /*absolute*/) const { return true; }
  [[nodiscard]] static double rounding() { return 0.0; }
  [[nodiscard]] double im_antiderivative(cplx x) const {
    const double xi = std::abs(x.imag());
    const double arg_ratio = std::atan2(xi, x.real()) - std::atan2(xi, 1.0 + x.real());
    if (smooth) return arg_ratio + (s2 / (2.0 * x * x)).imag();
    return (1.0 - s2) * arg_ratio + (-s2 / (1.0 + x)).imag();
  }
  [[nodiscard]] double real_log_lambda(double x) const {
    const auto e = eval(cplx(x, 0.0));
    return std::abs(e.logl.imag()) > 1e-6 ? kNaN : e.logl.real();
  }
};

}  // namespace

density_result universal_density(universality_class cls, double variance, const Eigen::ArrayXd& lambda) {
  require_positive("variance", variance);
  for (Eigen::Index j = 0; j < lambda.size(); ++j) {
    if (!std::isfinite(lambda[j])) throw invalid_argument("lambda", format_value(lambda[j]), "must be finite");
  }
  const universal_model model{cls == universality_class::smooth, variance};
  density_result out;
  out.lambda = lambda;
  const double s2 = variance;
  auto& m = out.moments;
  m.chi1 = 1.0;
  m.mean = 1.0;
  m.variance = s2;
  m.second = 1.0 + s2;
  // ln S = -s2 m (smooth), -s2 m/(1 + m) = -s2 (m - m^2 + ...) (Bernoulli); m3 from notes 3.4.
  m.third = model.smooth ? 1.5 * s2 * s2 + 3.0 * s2 + 1.0 : 1.5 * s2 * s2 + 2.0 * s2 + 1.0;
  edge right;
  std::optional<edge> left;
  double cap = kInf;
  if (model.smooth) {
    // d log lambda/dx = 1/(1 + x) - s2/x^2 = 0: x^2 = s2 (1 + x).
    const double root = std::sqrt(s2 * s2 + 4.0 * s2);
    auto make = [&](double x) { return edge{x, std::log(1.0 + x) + s2 / x}; };
    right = make(0.5 * (s2 + root));
    left = make(0.5 * (s2 - root));
  } else {
    // 1 + x = s2; the atom e^{s2} (x = 0) of mass 1 - s2 when s2 < 1 (notes 3.7).
    right = edge{s2 - 1.0, std::log(s2) + 1.0};
    if (s2 < 1.0) {
      out.atoms.push_back({std::exp(s2), 1.0 - s2});
      cap = 0.0;
    }
  }
  m.atoms = out.atoms;
  out.support_max = std::exp(right.s);
  out.support_min = left ? std::exp(left->s) : 0.0;
  m.lambda_max = std::max(out.support_max, out.atoms.empty() ? 0.0 : out.atoms.front().location);
  const double margin = cap == 0.0 ? std::min(0.05, 0.5 * (s2 - right.s)) : 0.05;
  const double s_high = right.s + margin;
  const double x_start = real_root_above([&](double x) { return model.real_log_lambda(x); }, right.x, cap, s_high);
  double s_low = left ? left->s - 0.05 : right.s - 10.0;
  for (Eigen::Index j = 0; j < lambda.size(); ++j) {
    if (lambda[j] > 0.0) s_low = std::min(s_low, std::log(lambda[j]) - 0.05);
  }
  const auto sol = follow_path(model, s_high, x_start, s_low);
  if (model.smooth) {
    out.continuous_mass = sol.continuous_mass;
  } else {
    // Bernoulli class: as lambda -> 0, x -> -1 with 1 + x ~ s2 / log(lambda) and Im A -> pi (density
    // ~ s2 / (lambda log^2 lambda), integrable): the mass follows from the start alone.
    out.continuous_mass = (kPi - model.im_antiderivative(cplx(x_start, 0.0))) / kPi;
  }
  fill_density(model, sol, out.support_min, out.support_max, model.smooth ? 0.0 : kInf, lambda, out.density,
               out.failed_points);
  return out;
}

}  // namespace nt::isometry
