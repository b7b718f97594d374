// Python binding of nt::signalprop. Functions that take an options struct accept its fields as
// keyword (or positional, in declaration order) arguments, generated from the struct's visit();
// results come back as dicts of floats, strings and NumPy arrays. Long computations release the GIL.
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/signalprop/meanfield.hpp"
#include "neurotheory/signalprop/phase_diagram.hpp"
#include "neurotheory/signalprop/simulate.hpp"

#include "bind_common.hpp"

namespace nt::python {
namespace {

using namespace pybind11::literals;
using namespace nt::signalprop;

py::dict to_dict(const fixed_point_result& r) {
  py::dict d;
  d["q_star"] = r.q_star;
  d["c_star"] = r.c_star;
  d["chi1"] = r.chi1;
  d["chi_c"] = r.chi_c;
  d["one_minus_chi_c"] = r.one_minus_chi_c;
  d["length_slope"] = r.length_slope;
  d["xi_q"] = r.xi_q;
  d["xi_c"] = r.xi_c;
  d["q_residual"] = r.q_residual;
  d["c_residual"] = r.c_residual;
  d["phase"] = to_string(r.regime);
  d["q_status"] = to_string(r.q_status);
  d["c_status"] = to_string(r.c_status);
  d["q_iterations"] = r.q_iterations;
  d["c_iterations"] = r.c_iterations;
  d["converged"] = r.converged();
  return d;
}

py::dict to_dict(trajectory_result&& t) {
  py::dict d;
  d["layer"] = std::move(t.layer);
  d["q_a"] = std::move(t.q_a);
  d["q_b"] = std::move(t.q_b);
  d["c"] = std::move(t.c);
  d["chi"] = std::move(t.chi);
  d["gradient"] = std::move(t.gradient);
  return d;
}

py::dict to_dict(critical_line_result&& r) {
  py::dict d;
  d["q_star"] = std::move(r.q_star);
  d["sigma_w2"] = std::move(r.sigma_w2);
  d["sigma_b2"] = std::move(r.sigma_b2);
  return d;
}

py::dict to_dict(const critical_point_result& r) {
  return py::dict("found"_a = r.found, "sigma_w2"_a = r.sigma_w2, "sigma_b2"_a = r.sigma_b2, "q_star"_a = r.q_star,
                  "chi1"_a = r.chi1, "note"_a = r.note);
}

py::dict to_dict(depth_scales_result&& r, const depth_scales_options& options) {
  py::dict d;
  d["sigma_w2"] = std::move(r.sigma_w2);
  d["q_star"] = std::move(r.q_star);
  d["c_star"] = std::move(r.c_star);
  d["chi1"] = std::move(r.chi1);
  d["chi_c"] = std::move(r.chi_c);
  d["one_minus_chi_c"] = std::move(r.one_minus_chi_c);
  d["xi_q"] = std::move(r.xi_q);
  d["xi_c"] = std::move(r.xi_c);
  d["converged"] = std::move(r.converged);
  d["critical"] = to_dict(r.critical);
  d["config"] = options_to_dict(options);
  return d;
}

py::dict to_dict(phase_diagram_result&& r, const phase_diagram_options& options) {
  py::dict d;
  d["sigma_w2"] = std::move(r.sigma_w2);
  d["sigma_b2"] = std::move(r.sigma_b2);
  d["q_star"] = std::move(r.q_star);
  d["c_star"] = std::move(r.c_star);
  d["chi1"] = std::move(r.chi1);
  d["chi_c"] = std::move(r.chi_c);
  d["xi_q"] = std::move(r.xi_q);
  d["xi_c"] = std::move(r.xi_c);
  d["status"] = std::move(r.status);
  d["converged_points"] = r.converged_points;
  d["failed_points"] = r.failed_points;
  d["chaotic_points"] = r.chaotic_points;
  d["newton_iterations"] = r.newton_iterations;
  d["config"] = options_to_dict(options);
  return d;
}

py::dict to_dict(simulation_result&& r, const simulation_options& options) {
  py::dict d;
  d["layer"] = std::move(r.layer);
  d["q_mean"] = std::move(r.q_mean);
  d["q_sem"] = std::move(r.q_sem);
  d["q_theory"] = std::move(r.q_theory);
  d["c_mean"] = std::move(r.c_mean);
  d["c_sem"] = std::move(r.c_sem);
  d["c_theory"] = std::move(r.c_theory);
  d["gradient_mean"] = std::move(r.gradient_mean);
  d["gradient_sem"] = std::move(r.gradient_sem);
  d["gradient_theory"] = std::move(r.gradient_theory);
  d["pair_q0"] = r.pair_q0;
  d["q_star"] = r.q_star;
  d["replicates"] = r.replicates;
  d["max_q_z"] = r.max_q_z;
  d["max_c_z"] = r.max_c_z;
  d["max_gradient_z"] = r.max_gradient_z;
  d["max_q_relative"] = r.max_q_relative;
  d["max_c_abs"] = r.max_c_abs;
  d["max_gradient_relative"] = r.max_gradient_relative;
  d["config"] = options_to_dict(options);
  return d;
}

}  // namespace

void bind_signalprop(py::module_& m) {
  // ---- the maps ------------------------------------------------------------------------------
  py::class_<mean_field>(m, "MeanField",
                         "The mean-field maps of one network (activation, sigma_w2, sigma_b2) [Poole et al. 2016; "
                         "Schoenholz et al. 2017]. Methods taking q or c accept floats or NumPy arrays "
                         "(elementwise).")
      .def(py::init([](const std::string& activation, double sigma_w2, double sigma_b2, int quadrature_order) {
             return mean_field(network_params{activation, sigma_w2, sigma_b2, quadrature_order});
           }),
           "activation"_a, "sigma_w2"_a, "sigma_b2"_a, "quadrature_order"_a = 0,
           "MeanField(activation, sigma_w2, sigma_b2, quadrature_order=0); ValueError for an unknown activation "
           "or a negative variance.")
      .def_property_readonly(
          "params", [](const mean_field& mf) { return options_to_dict(mf.params()); },
          "The network parameters as a dict.")
      .def_property_readonly("activation", &mean_field::act, py::return_value_policy::reference, "The Activation.")
      .def("length_map", py::vectorize(&mean_field::length_map), "q"_a,
           "Length map V(q) = sigma_w2 E[phi(sqrt(q) z)^2] + sigma_b2.")
      .def("length_slope", py::vectorize(&mean_field::length_slope), "q"_a, "dV/dq at q.")
      .def("chi", py::vectorize(&mean_field::chi), "q"_a,
           "chi(q) = sigma_w2 E[phi'(sqrt(q) z)^2]: chi_1 at q = q*, the per-layer squared-gradient factor.")
      .def("chi2", py::vectorize(&mean_field::chi2), "q"_a, "chi_2(q) = sigma_w2 E[phi''(sqrt(q) z)^2].")
      .def("correlation_map", py::vectorize(&mean_field::correlation_map), "c"_a, "q_star"_a,
           "Correlation map at the length fixed point: C(c) = (sigma_w2 E[phi(u1) phi(u2)] + sigma_b2) / q*.")
      .def("correlation_slope", py::vectorize(&mean_field::correlation_slope), "c"_a, "q_star"_a,
           "dC/dc = sigma_w2 E[phi'(u1) phi'(u2)] (chi_c at a fixed point c*).")
      .def(
          "pair_map",
          [](const mean_field& mf, double q_aa, double q_bb, double q_ab) {
            const auto s = mf.pair_map({q_aa, q_bb, q_ab});
            return py::make_tuple(s.q_aa, s.q_bb, s.q_ab);
          },
          "q_aa"_a, "q_bb"_a, "q_ab"_a,
          "One layer of the two-input map: (q_aa, q_bb, q_ab) at layer l-1 -> the tuple at layer l.")
      .def("__repr__", [](const mean_field& mf) {
        const auto& p = mf.params();
        return "MeanField(activation='" + p.activation + "', sigma_w2=" + format_value(p.sigma_w2) +
               ", sigma_b2=" + format_value(p.sigma_b2) + ", quadrature_order=" + std::to_string(p.quadrature_order) +
               ")";
      });

  // ---- computations taking an options struct (keyword arguments from its visit()) ------------
  {
    // These functions write their own signature line (generated from the fields) as docstring.
    py::options doc_options;
    doc_options.disable_function_signatures();

    m.def(
        "fixed_point",
        [](const py::args& args, const py::kwargs& kwargs) {
          const auto options = options_from<fixed_point_options>(args, kwargs, "fixed_point");
          fixed_point_result r;
          {
            py::gil_scoped_release release;
            r = fixed_point(options.network, options.solver);
          }
          return to_dict(r);
        },
        options_doc<fixed_point_options>(
            "fixed_point",
            "The length fixed point q* = V(q*), the correlation fixed point c*, chi_1, chi_c and the depth scales "
            "xi_q = -1/ln(dV/dq), xi_c = -1/ln(chi_c) of one network [P16 eqs. 3-7; S17 eqs. 6-9]. Divergence is a "
            "status, not an exception.",
            "q_star, c_star, chi1, chi_c, one_minus_chi_c, length_slope, xi_q, xi_c, q_residual, c_residual "
            "(floats); phase ('ordered' | 'critical' | 'chaotic'); q_status, c_status ('converged' | "
            "'not_converged' | 'diverged'); q_iterations, c_iterations (ints); converged (bool)."));

    m.def(
        "phase_diagram",
        [](const py::args& args, const py::kwargs& kwargs) {
          const auto options = options_from<phase_diagram_options>(args, kwargs, "phase_diagram");
          phase_diagram_result r;
          {
            py::gil_scoped_release release;
            r = phase_diagram(options);
          }
          return to_dict(std::move(r), options);
        },
        options_doc<phase_diagram_options>(
            "phase_diagram",
            "q*, c*, chi_1, chi_c and the depth scales over a (sigma_w2, sigma_b2) grid [P16 Figs. 1-2; S17 "
            "Fig. 1], in parallel (OpenMP; the GIL is released). Points that did not converge hold NaN.",
            "sigma_w2 (rows) and sigma_b2 (columns) axes; q_star, c_star, chi1, chi_c, xi_q, xi_c and status "
            "(0 converged, 1 not converged, 2 diverged) as (sigma_w2_points, sigma_b2_points) arrays; "
            "converged_points, failed_points, chaotic_points, newton_iterations (ints); config (the options)."));

    m.def(
        "simulate",
        [](const py::args& args, const py::kwargs& kwargs) {
          const auto options = options_from<simulation_options>(args, kwargs, "simulate");
          simulation_result r;
          {
            py::gil_scoped_release release;
            r = simulate(options);
          }
          return to_dict(std::move(r), options);
        },
        options_doc<simulation_options>(
            "simulate",
            "Finite random networks next to the mean-field theory [P16 Figs. 1B, 2B; S17 Fig. 4]: single inputs of "
            "lengths q0 and input pairs of correlations c0 propagated through `seeds` width x depth networks; per "
            "layer the mean and standard error over networks of q^l, c^l and the squared-gradient growth "
            "|delta^l|^2 / |delta^(l+1)|^2, with the theory's values. Releases the GIL.",
            "layer (depth+1,); q_mean, q_sem, q_theory (depth+1, len(q0)); c_mean, c_sem, c_theory "
            "(depth+1, len(c0)); gradient_mean, gradient_sem, gradient_theory (depth+1, len(q0), NaN outside "
            "layers 1..depth-1); pair_q0, q_star, max_q_z, max_c_z, max_gradient_z, max_q_relative, max_c_abs, "
            "max_gradient_relative (floats); replicates (int); config (the options)."));

    m.def(
        "critical_point",
        [](const py::args& args, const py::kwargs& kwargs) {
          const auto options = options_from<critical_options>(args, kwargs, "critical_point");
          critical_point_result r;
          {
            py::gil_scoped_release release;
            options.validate();
            r = critical_point(options.activation, options.sigma_b2, options.quadrature_order);
          }
          return to_dict(r);
        },
        options_doc<critical_options>(
            "critical_point",
            "The critical sigma_w2 (chi_1 = 1) at a given sigma_b2, by bracketing sigma_b2(q*) = target in log q* "
            "along the critical line.",
            "found (bool), sigma_w2, sigma_b2, q_star (NaN where every q is a fixed point: relu at (2, 0)), chi1, "
            "note (why, when not found or marginal)."));

    m.def(
        "depth_scales",
        [](const py::args& args, const py::kwargs& kwargs) {
          const auto options = options_from<depth_scales_options>(args, kwargs, "depth_scales");
          depth_scales_result r;
          {
            py::gil_scoped_release release;
            r = depth_scales(options);
          }
          return to_dict(std::move(r), options);
        },
        options_doc<depth_scales_options>(
            "depth_scales",
            "Depth scales across the order-to-chaos transition at fixed sigma_b2 [S17 Fig. 2]: xi_q, xi_c and "
            "1 - chi_c against sigma_w2, with the critical point where xi_c diverges. Releases the GIL.",
            "sigma_w2, q_star, c_star, chi1, chi_c, one_minus_chi_c, xi_q, xi_c, converged (1.0 / 0.0) as arrays "
            "over the sweep; critical (the critical_point dict); config (the options)."));
  }

  // trajectory keeps the positional order (network, inputs, depth, quadrature_order) of its C++
  // function; the names and defaults are trajectory_options'.
  const trajectory_options t{};
  m.def(
      "trajectory",
      [](const std::string& activation, double sigma_w2, double sigma_b2, double q0_a, double q0_b, double c0,
         int depth, int quadrature_order) {
        const trajectory_options options{{activation, sigma_w2, sigma_b2, quadrature_order}, q0_a, q0_b, c0, depth};
        trajectory_result r;
        {
          py::gil_scoped_release release;
          r = trajectory(options);
        }
        return to_dict(std::move(r));
      },
      "activation"_a = t.network.activation, "sigma_w2"_a = t.network.sigma_w2, "sigma_b2"_a = t.network.sigma_b2,
      "q0_a"_a = t.q0_a, "q0_b"_a = t.q0_b, "c0"_a = t.c0, "depth"_a = t.depth,
      "quadrature_order"_a = t.network.quadrature_order,
      "Layer-by-layer theory for two inputs with input lengths q0_a, q0_b and input correlation c0 (layer 0 is "
      "the input, layer 1 = W x^0 + b), plus the backward pass. Returns a dict of arrays of length depth + 1: "
      "layer, q_a, q_b, c, chi (chi at each layer's q_a; NaN at layer 0) and gradient (squared gradient norm "
      "relative to the last layer; NaN at layer 0).");

  m.def(
      "critical_line",
      [](const std::string& activation, const Eigen::ArrayXd& q_star, int quadrature_order) {
        critical_line_result r;
        {
          py::gil_scoped_release release;
          r = critical_line(activation, q_star, quadrature_order);
        }
        return to_dict(std::move(r));
      },
      "activation"_a, "q_star"_a, "quadrature_order"_a = 0,
      "The order-to-chaos boundary chi_1 = 1 parametrised by q*: sigma_w2(q*) = 1 / E[phi'^2], "
      "sigma_b2(q*) = q* - sigma_w2(q*) E[phi^2] [P16; Pennington et al. 2017]. q_star: 1-D array-like of q* >= 0. "
      "Returns a dict of arrays q_star, sigma_w2, sigma_b2.");

  m.def(
      "parameters",
      [](const std::string& function) {
        if (function == "network" || function == "mean_field") return options_fields<network_params>();
        if (function == "fixed_point") return options_fields<fixed_point_options>();
        if (function == "phase_diagram") return options_fields<phase_diagram_options>();
        if (function == "simulate") return options_fields<simulation_options>();
        if (function == "trajectory") return options_fields<trajectory_options>();
        if (function == "critical_point") return options_fields<critical_options>();
        if (function == "depth_scales") return options_fields<depth_scales_options>();
        throw invalid_argument("function", function,
                               "must be one of: network, fixed_point, trajectory, critical_point, depth_scales, "
                               "phase_diagram, simulate");
      },
      "function"_a,
      "The keyword arguments of fixed_point, trajectory, critical_point, depth_scales, phase_diagram or simulate (or "
      "'network': the network fields) as "
      "{name: {'default': value, 'type': str, 'help': str}}, in order: the same names as the C++ fields and the "
      "CLI flags.");
}

}  // namespace nt::python
