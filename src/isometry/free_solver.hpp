#pragma once
// Continuation solver for the free-probability density equation M^{-1}(z) = lambda, written as
// F(x) = log lambda(x) - (log lambda + i eta) = 0 (target lambda e^{i eta} ~ lambda + i eta lambda)
// in an auxiliary variable x
// (docs/theory/isometry.md, "The solver"). A model supplies, for x in the closed upper half plane,
//   eval(x)              log lambda(x) (imaginary part reduced to (-pi, pi]), its x-derivative and
//                        z = M(lambda(x)), with Im x > 0  <=>  Im z < 0 (the physical sheet)
//   resolved(x, z, tol)  whether the model's quadrature resolves z at x (a-posteriori check)
//   im_antiderivative(x) Im A(x), where dA/dx = z dF/dx: the continuous mass between two solutions
//                        is (Im A(x_low) - Im A(x_high)) / pi, exact for the path between them
//   rounding()           the rounding error of log lambda(x) (L log g for depth L)
// A backbone is followed in s = log lambda from just above the right edge to just below the left
// edge (or to a floor far below when the continuous part reaches 0) at a smoothing eta_path; a
// grid point continues from its nearest backbone state and then lowers eta to kEta. Steps use a
// tangent predictor and damped Newton, and are rejected when Newton fails or lands far from the
// predictor.
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace nt::isometry::detail {

using cplx = std::complex<double>;

// Relative imaginary part eta of the target lambda e^{i eta} of a density value: above the real
// axis it selects the physical roots (Im x > 0, or a real root with d lambda/dx > 0).
inline constexpr double kEta = 1e-7;
// Along the backbone: rounds the square-root corners at the edges and smooths over quadrature
// nodes of D^2 close to the real axis, so that continuation passes them.
inline constexpr double kPathEta = 1e-2;

struct eval_result {
  cplx logl{0.0, 0.0};   // log lambda(x)
  cplx dlogl{0.0, 0.0};  // d log lambda / dx
  cplx z{0.0, 0.0};      // M = z
  [[nodiscard]] bool finite() const {
    return std::isfinite(logl.real()) && std::isfinite(logl.imag()) && std::isfinite(dlogl.real()) &&
           std::isfinite(dlogl.imag()) && std::isfinite(z.real()) && std::isfinite(z.imag()) && dlogl != cplx(0.0, 0.0);
  }
};

inline double wrap_angle(double a) { return std::remainder(a, 2.0 * std::numbers::pi); }

struct newton_result {
  cplx x{0.0, 0.0};
  eval_result ev;
  bool converged = false;
};

// Damped Newton on F(x) = logl(x) - target, iterates kept in the closed upper half plane
// (reflected when a step crosses the real axis), steps capped at half of |x| and halved until |F|
// decreases.
template <class Model>
newton_result newton(const Model& model, cplx x, cplx target, int max_iterations) {
  newton_result r;
  auto residual = [&](const eval_result& e) {
    const cplx f = e.logl - target;
    return cplx(f.real(), wrap_angle(f.imag()));
  };
  if (x.imag() < 0.0) x = std::conj(x);
  eval_result e = model.eval(x);
  if (!e.finite()) return r;
  cplx f = residual(e);
  const double tolerance = 1e-12 + model.rounding() + 4e-16 * std::abs(target.real());
  for (int it = 0; it <= max_iterations; ++it) {
    if (std::abs(f) <= tolerance) {
      r.x = x;
      r.ev = e;
      r.converged = true;
      return r;
    }
    if (it == max_iterations) break;
    cplx step = -f / e.dlogl;
    if (!std::isfinite(step.real()) || !std::isfinite(step.imag())) return r;
    const double cap = 0.5 * std::abs(x);
    if (std::abs(step) > cap && cap > 0.0) step *= cap / std::abs(step);
    bool accepted = false;
    for (int halving = 0; halving < 12; ++halving) {
      cplx xn = x + step;
      if (xn.imag() < 0.0) xn = std::conj(xn);
      const eval_result en = model.eval(xn);
      if (en.finite()) {
        const cplx fn = residual(en);
        if (std::abs(fn) < std::abs(f) || std::abs(fn) <= tolerance) {
          x = xn;
          e = en;
          f = fn;
          accepted = true;
          break;
        }
      }
      step *= 0.5;
    }
    if (!accepted) return r;
  }
  return r;
}

struct path_state {
  double s = 0.0;    // log lambda
  double eta = 0.0;  // relative imaginary part of the target
  cplx x{0.0, 0.0};
  eval_result ev;
};

// One predictor-corrector step from `from` to (s1, eta1): tangent dx = (ds + i deta) / F'(x). A
// linear predictor is trusted for relative changes of x up to 30% (x ~ lambda^{1/(L+1)} near 0: a
// long step would overshoot through x = 0 onto another root); the corrected root must lie within a
// quarter of the predicted move from the prediction.
template <class Model>
bool path_step(const Model& model, const path_state& from, double s1, double eta1, path_state& to) {
  const cplx predicted = from.x + cplx(s1 - from.s, eta1 - from.eta) / from.ev.dlogl;
  const double reference = std::abs(predicted - from.x);
  if (!std::isfinite(reference) || reference > 0.3 * std::abs(from.x)) return false;
  const auto nr = newton(model, predicted, cplx(s1, eta1), 15);
  if (!nr.converged) return false;
  if (std::abs(nr.x - predicted) > 0.25 * reference + 1e-12 * std::abs(from.x)) return false;
  to.s = s1;
  to.eta = eta1;
  to.x = nr.x;
  to.ev = nr.ev;
  return true;
}

// Adaptive continuation in s (eta fixed) from `start` to s_target; every accepted state is
// appended to `trail` when given. False when the step falls below min_step or after max_steps.
template <class Model>
bool continue_in_s(const Model& model, const path_state& start, double s_target, path_state& out, double initial_step,
                   double max_step, int max_steps, std::vector<path_state>* trail = nullptr) {
  path_state state = start;
  const double direction = s_target >= start.s ? 1.0 : -1.0;
  double h = std::min(initial_step, std::abs(s_target - start.s));
  const double min_step = 1e-10 * std::max(1.0, std::abs(start.s - s_target));
  int steps = 0;
  while (state.s != s_target) {
    if (++steps > max_steps) return false;
    const double s1 = std::abs(s_target - state.s) <= h * (1.0 + 1e-12) ? s_target : state.s + direction * h;
    path_state next;
    if (path_step(model, state, s1, state.eta, next)) {
      state = next;
      if (trail != nullptr) trail->push_back(state);
      h = std::min(2.0 * h, max_step);
    } else {
      h *= 0.5;
      if (h < min_step) return false;
    }
  }
  out = state;
  return true;
}

// Moves eta of a solution from state.eta to eta_target at fixed s, geometrically (continuation in
// log eta with adaptive steps); every accepted state must pass `check`.
template <class Model, class Check>
bool change_eta(const Model& model, path_state& state, double eta_target, Check check) {
  const double u_target = std::log(eta_target);
  double u = std::log(state.eta);
  const double direction = u_target >= u ? 1.0 : -1.0;
  double h = std::abs(u_target - u);
  int steps = 0;
  while (u != u_target) {
    if (++steps > 200) return false;
    const double u1 = std::abs(u_target - u) <= h ? u_target : u + direction * h;
    path_state next;
    if (path_step(model, state, state.s, std::exp(u1), next)) {
      if (!check(next)) return false;
      state = next;
      u = u1;
      h *= 2.0;
    } else {
      h *= 0.5;
      if (h < 1e-3) return false;
    }
  }
  return true;
}

template <class Model>
bool change_eta(const Model& model, path_state& state, double eta_target) {
  return change_eta(model, state, eta_target, [](const path_state&) { return true; });
}

// The eta -> 0 limit of a solution (one Newton solve on the real target): used at the ends of the
// backbone, where the mass functional needs the exact root.
template <class Model>
bool polish_real_target(const Model& model, path_state& state) {
  const auto nr = newton(model, state.x, cplx(state.s, 0.0), 30);
  if (!nr.converged || std::abs(nr.x - state.x) > 0.1 * std::abs(state.x)) return false;
  state.x = nr.x;
  state.ev = nr.ev;
  state.eta = 0.0;
  return true;
}

}  // namespace nt::isometry::detail
