#pragma once
// Activation functions phi with phi' and phi'', evaluated in bulk (vectorized), plus the closed-form
// Gaussian moments that exist for some of them. A registry maps names to instances for the CLI and
// Python. Conventions: erf is erf(sqrt(pi) x / 2) (slope 1 at 0, Poole et al. 2016); relu'' and
// hard_tanh'' are zero away from the kinks (their delta functions are handled in the closed forms).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nt {

enum class parity { none, odd, even };

// Closed-form Gaussian moments of one pre-activation u ~ N(0, q).
struct length_moments {
  double phi2;      // E[phi(u)^2]
  double dphi2;     // E[phi'(u)^2]
  double dq_phi2;   // d/dq E[phi(u)^2]  (= E[phi'^2 + phi phi''], delta terms included)
  double d2phi2;    // E[phi''(u)^2]     (+inf where phi'' has a delta function)
  double phi_mean;  // E[phi(u)]
};

class activation {
 public:
  activation() = default;
  activation(const activation&) = delete;
  activation& operator=(const activation&) = delete;
  activation(activation&&) = delete;
  activation& operator=(activation&&) = delete;
  virtual ~activation() = default;

  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view formula() const = 0;
  // Scalar evaluation.
  [[nodiscard]] virtual double phi(double x) const = 0;
  [[nodiscard]] virtual double dphi(double x) const = 0;
  [[nodiscard]] virtual double d2phi(double x) const = 0;
  // Bulk evaluation over x; any output may be empty (skipped), else it has x.size() entries.
  virtual void evaluate(std::span<const double> x, std::span<double> phi, std::span<double> dphi,
                        std::span<double> d2phi) const;

  [[nodiscard]] virtual parity symmetry() const { return parity::none; }
  // True when phi is analytic (Gauss-Hermite quadrature converges spectrally); false for kinks.
  [[nodiscard]] virtual bool smooth() const { return true; }

  // Closed forms where they exist (nullopt otherwise). u1 ~ N(0,q1), u2 ~ N(0,q2), E[u1 u2] = q12.
  [[nodiscard]] virtual std::optional<length_moments> closed_length_moments(double /*q*/) const { return std::nullopt; }
  // E[phi(u1) phi(u2)]
  [[nodiscard]] virtual std::optional<double> closed_kernel(double /*q1*/, double /*q2*/, double /*q12*/) const {
    return std::nullopt;
  }
  // E[phi'(u1) phi'(u2)]
  [[nodiscard]] virtual std::optional<double> closed_derivative_kernel(double /*q1*/, double /*q2*/,
                                                                       double /*q12*/) const {
    return std::nullopt;
  }
};

// The registry: linear, tanh, relu, hard_tanh, erf, sigmoid, selu, gelu, swish.
// Throws invalid_argument("activation", name, "must be one of: ...") for an unknown name.
const activation& activation_by_name(std::string_view name);
std::vector<std::string> activation_names();

}  // namespace nt
