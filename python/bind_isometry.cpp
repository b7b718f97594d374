// Python binding of nt::isometry: Jacobian spectra by free probability and by simulation, and the
// initialization designer. Keyword arguments come from the options structs' visit(); results are
// dicts of floats, strings and NumPy arrays. Long computations release the GIL.
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/isometry/design.hpp"
#include "neurotheory/isometry/jacobian.hpp"
#include "neurotheory/isometry/spectrum.hpp"

#include "bind_common.hpp"

namespace nt::python {
namespace {

using namespace pybind11::literals;
using namespace nt::isometry;

py::list to_list(const std::vector<atom>& atoms) {
  py::list l;
  for (const auto& a : atoms) l.append(py::dict("location"_a = a.location, "mass"_a = a.mass));
  return l;
}

py::dict to_dict(const moments_result& m) {
  return py::dict("q_star"_a = m.q_star, "chi1"_a = m.chi1, "mu1"_a = m.mu1, "mu2"_a = m.mu2, "mu3"_a = m.mu3,
                  "mean"_a = m.mean, "second"_a = m.second, "third"_a = m.third, "variance"_a = m.variance,
                  "lambda_max"_a = m.lambda_max, "atoms"_a = to_list(m.atoms));
}

py::dict to_dict(density_result&& r) {
  py::dict d;
  d["lambda"] = std::move(r.lambda);
  d["density"] = std::move(r.density);
  d["atoms"] = to_list(r.atoms);
  d["support_min"] = r.support_min;
  d["support_max"] = r.support_max;
  d["continuous_mass"] = r.continuous_mass;
  d["failed_points"] = r.failed_points;
  d["moments"] = to_dict(r.moments);
  return d;
}

py::dict to_dict(jacobian_result&& r, const jacobian_options& options) {
  py::dict d;
  d["lambda"] = std::move(r.lambda);
  d["log_singular_values"] = std::move(r.log_singular_values);
  d["method"] = r.method;
  d["q_star"] = r.q_star;
  d["mean"] = r.mean;
  d["variance"] = r.variance;
  d["mean_sem"] = r.mean_sem;
  d["variance_sem"] = r.variance_sem;
  d["mean_log"] = r.mean_log;
  d["seconds_sample"] = r.seconds_sample;
  d["seconds_product"] = r.seconds_product;
  d["seconds_svd"] = r.seconds_svd;
  d["product_gflops"] = r.product_gflops;
  d["config"] = options_to_dict(options);
  return d;
}

py::dict to_dict(const design_result& r, const design_options& options) {
  py::dict d("sigma_w2"_a = r.sigma_w2, "sigma_b2"_a = r.sigma_b2, "q_star"_a = r.q_star, "chi1"_a = r.chi1,
             "variance"_a = r.variance, "lambda_max"_a = r.lambda_max, "support_min"_a = r.support_min,
             "condition"_a = r.condition, "xi_c"_a = r.xi_c, "xi_q"_a = r.xi_q, "target_met"_a = r.target_met,
             "isometry_reachable"_a = r.isometry_reachable, "verdict"_a = r.verdict);
  d["moments"] = to_dict(r.moments);
  d["config"] = options_to_dict(options);
  return d;
}

}  // namespace

void bind_isometry(py::module_& m) {
  py::options doc_options;
  doc_options.disable_function_signatures();

  m.def(
      "moments",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<spectrum_params>(args, kwargs, "moments");
        moments_result r;
        {
          py::gil_scoped_release release;
          options.validate();
          r = moments(options);
        }
        return to_dict(r);
      },
      options_doc<spectrum_params>(
          "moments",
          "Moments of the squared singular values lambda of the input-output Jacobian (eigenvalues of J J^T) at the "
          "fixed point, by free probability [Pe17 eqs. 16-18]: mean chi_1^L, variance, third moment, the right edge "
          "lambda_max and the atoms.",
          "q_star, chi1, mu1, mu2, mu3 (mu_k = E[phi'(h)^(2k)]), mean, second, third, variance, lambda_max (floats); "
          "atoms (list of {'location', 'mass'})."));

  m.def(
      "density",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<density_options>(args, kwargs, "density");
        density_result r;
        {
          py::gil_scoped_release release;
          r = density(options);
        }
        return to_dict(std::move(r));
      },
      options_doc<density_options>(
          "density",
          "Spectral density of J J^T on a lambda grid by free probability [Pe17 eq. 13; Pe18]: the S-transform "
          "product solved by complex Newton continuation. Releases the GIL.",
          "lambda, density (arrays; NaN where the solve failed); atoms (list of {'location', 'mass'}); support_min, "
          "support_max, continuous_mass (floats); failed_points (int); moments (the moments dict)."));

  m.def(
      "simulate",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<jacobian_options>(args, kwargs, "simulate");
        jacobian_result r;
        {
          py::gil_scoped_release release;
          r = simulate_jacobian(options);
        }
        return to_dict(std::move(r), options);
      },
      options_doc<jacobian_options>(
          "simulate",
          "Empirical singular values of the input-output Jacobians of finite random networks at the fixed point "
          "[Pe17 Fig. 1], by the plain product (direct) or QR re-orthonormalisation with a scaled one-sided Jacobi "
          "SVD (qr, any depth). Releases the GIL.",
          "lambda and log_singular_values (seeds x width, rows descending); method ('direct' | 'qr'); q_star, "
          "mean, variance, mean_sem, variance_sem, mean_log, seconds_sample, seconds_product, seconds_svd, "
          "product_gflops (floats); config (the options)."));

  m.def(
      "design",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<design_options>(args, kwargs, "design");
        design_result r;
        {
          py::gil_scoped_release release;
          r = design(options);
        }
        return to_dict(r, options);
      },
      options_doc<design_options>(
          "design",
          "The critical initialization (sigma_w2, sigma_b2) whose Jacobian spectrum meets a spread target: the largest "
          "q* on the critical line with variance <= max_variance (and condition number <= max_condition), else the "
          "least-spread point, with a plain-language verdict [Pe17, Pe18].",
          "sigma_w2, sigma_b2, q_star, chi1, variance, lambda_max, support_min, condition, xi_c, xi_q (floats); "
          "target_met, isometry_reachable (bools); verdict (str); moments (dict); config (the options)."));

  m.def(
      "universal_density",
      [](const std::string& universality, double variance, const Eigen::ArrayXd& lambda) {
        density_result r;
        {
          py::gil_scoped_release release;
          r = universal_density(universality_class_from_name(universality), variance, lambda);
        }
        return to_dict(std::move(r));
      },
      "universality"_a, "variance"_a, "lambda"_a,
      "The large-depth limit laws of orthogonal networks on the critical line at fixed variance [Pe18]: "
      "universality 'smooth' (S(m) = exp(-variance m)) or 'bernoulli' (S(m) = exp(-variance m / (1 + m))). "
      "Returns the density dict (lambda, density, atoms, ...).");

  m.def(
      "derivative_law",
      [](const std::string& activation, double q_star, int nodes) {
        const auto law = derivative_squared_law(activation, q_star, nodes);
        return py::dict("value"_a = law.value, "weight"_a = law.weight, "finite"_a = law.finite, "mu1"_a = law.mu1,
                        "mu2"_a = law.mu2, "mu3"_a = law.mu3);
      },
      "activation"_a, "q_star"_a, "nodes"_a = 0,
      "The law of d = phi'(h)^2, h ~ N(0, q_star), as a discrete measure: value, weight (arrays), finite (exact "
      "atoms for piecewise-linear phi), mu1, mu2, mu3.");

  m.def(
      "parameters",
      [](const std::string& function) {
        if (function == "moments") return options_fields<spectrum_params>();
        if (function == "density") return options_fields<density_options>();
        if (function == "simulate") return options_fields<jacobian_options>();
        if (function == "design") return options_fields<design_options>();
        throw invalid_argument("function", function, "must be one of: moments, density, simulate, design");
      },
      "function"_a,
      "The keyword arguments of moments, density, simulate or design as {name: {'default', 'type', 'help'}}: the "
      "same names as the C++ fields and the CLI flags.");
}

}  // namespace nt::python
