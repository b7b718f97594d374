// Python binding of nt::expressivity: manifolds and trajectories through deep random networks.
// Keyword arguments come from the options structs' visit(); results are dicts of NumPy arrays.
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/expressivity/manifold.hpp"

#include "bind_common.hpp"

namespace nt::python {
namespace {

using namespace pybind11::literals;
using namespace nt::expressivity;

py::dict to_dict(const manifold_theory_result& t) {
  py::dict d;
  d["layer"] = t.layer;
  d["q"] = t.q;
  d["length2"] = t.length2;
  d["length"] = t.length;
  d["length_growth"] = t.length_growth;
  d["curvature2"] = t.curvature2;
  d["grassmannian"] = t.grassmannian;
  d["transitions"] = t.transitions;
  d["q_star"] = t.q_star;
  d["chi1"] = t.chi1;
  d["chi2"] = t.chi2;
  d["length_growth_star"] = t.length_growth_star;
  d["curvature2_star"] = t.curvature2_star;
  d["phase"] = t.phase;
  return d;
}

py::dict to_dict(const manifold_simulation_result& s) {
  py::dict d;
  d["layer"] = s.layer;
  d["q_mean"] = s.q_mean;
  d["q_sem"] = s.q_sem;
  d["length2_mean"] = s.length2_mean;
  d["length2_sem"] = s.length2_sem;
  d["length_mean"] = s.length_mean;
  d["length_sem"] = s.length_sem;
  d["length_half_mean"] = s.length_half_mean;
  d["curvature2_mean"] = s.curvature2_mean;
  d["curvature2_sem"] = s.curvature2_sem;
  d["grassmannian_mean"] = s.grassmannian_mean;
  d["grassmannian_sem"] = s.grassmannian_sem;
  d["length2_exact_mean"] = s.length2_exact_mean;
  d["length2_exact_sem"] = s.length2_exact_sem;
  d["curvature2_exact_mean"] = s.curvature2_exact_mean;
  d["curvature2_exact_sem"] = s.curvature2_exact_sem;
  d["grassmannian_exact_mean"] = s.grassmannian_exact_mean;
  d["grassmannian_exact_sem"] = s.grassmannian_exact_sem;
  d["transitions_mean"] = s.transitions_mean;
  d["transitions_sem"] = s.transitions_sem;
  d["regions_mean"] = s.regions_mean;
  d["regions_sem"] = s.regions_sem;
  d["resolved"] = s.resolved;
  py::list pca;
  for (const auto& p : s.pca) pca.append(py::cast(p));
  d["pca"] = pca;
  py::list explained;
  for (const auto& e : s.pca_explained) explained.append(py::cast(e));
  d["pca_explained"] = explained;
  d["q_star"] = s.q_star;
  d["seconds"] = s.seconds;
  d["gflops"] = s.gflops;
  return d;
}

py::dict to_dict(const layer_agreement& a) {
  return py::dict("max_z"_a = a.max_z, "rms_z"_a = a.rms_z, "max_relative"_a = a.max_relative, "points"_a = a.points);
}

}  // namespace

void bind_expressivity(py::module_& m) {
  py::options doc_options;
  doc_options.disable_function_signatures();

  m.def(
      "manifold",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<manifold_options>(args, kwargs, "manifold");
        manifold_result r;
        {
          py::gil_scoped_release release;
          r = manifold(options);
        }
        py::dict d;
        d["theory"] = to_dict(r.theory);
        d["simulated"] = r.simulated;
        if (r.simulated) {
          d["simulation"] = to_dict(r.simulation);
          d["agreement"] = py::dict("length2"_a = to_dict(r.length2), "curvature2"_a = to_dict(r.curvature2),
                                    "grassmannian"_a = to_dict(r.grassmannian),
                                    "transitions"_a = to_dict(r.transitions));
        }
        d["config"] = options_to_dict(options);
        return d;
      },
      options_doc<manifold_options>(
          "manifold",
          "A great circle through a deep random network [P16 eqs. 10-14, Figs. 3-4]: mean-field recursions for the "
          "squared length gbar, the curvature kbar^2 and the Grassmannian length per layer, and with simulate=True "
          "the same measured in finite networks (finite differences of the sampled circle; exact forward-mode "
          "derivatives when exact_derivatives). Releases the GIL.",
          "theory (dict of per-layer arrays layer, q, length2, length, length_growth, curvature2, grassmannian, "
          "transitions, and q_star, chi1, chi2, length_growth_star, curvature2_star, phase); simulated (bool); "
          "simulation (per-layer *_mean / *_sem arrays, resolved, pca, pca_explained) and agreement (per measure "
          "max_z, rms_z, max_relative, points) when simulated; config."));

  m.def(
      "manifold_theory",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<circle_params>(args, kwargs, "manifold_theory");
        return to_dict(manifold_theory(options));
      },
      options_doc<circle_params>("manifold_theory",
                                 "The mean-field recursions alone for a great circle of variance q0 (P16; "
                                 "docs/theory/expressivity.md).",
                                 "the theory dict of manifold()."));

  m.def(
      "trajectory",
      [](const Eigen::MatrixXd& points, const py::kwargs& kwargs) {
        const auto options = options_from<trajectory_options>(py::args(), kwargs, "trajectory");
        trajectory_result r;
        {
          py::gil_scoped_release release;
          r = simulate_trajectory(options, points);
        }
        py::dict d;
        d["layer"] = r.layer;
        d["length_mean"] = r.length_mean;
        d["length_sem"] = r.length_sem;
        d["q_mean"] = r.q_mean;
        d["growth_theory"] = r.growth_theory;
        d["transitions_mean"] = r.transitions_mean;
        d["transitions_sem"] = r.transitions_sem;
        d["regions_mean"] = r.regions_mean;
        d["regions_sem"] = r.regions_sem;
        d["config"] = options_to_dict(options);
        return d;
      },
      "points"_a,
      keep_doc(std::string("trajectory(points, **options) -> dict\n\nAny input curve (points: K x d array, rows in "
                           "order) through deep random networks [R17]: chord-sum trajectory length, pattern "
                           "transitions per neuron and linear regions crossed per layer, with the mean-field growth "
                           "factor sqrt(chi(q)). Keyword options: ") +
               [] {
                 std::string names;
                 trajectory_options o;
                 o.visit([&](const char* name, auto&, const char*) { names += std::string(name) + " "; });
                 return names;
               }()));

  m.def(
      "shallow_equivalent",
      [](const py::args& args, const py::kwargs& kwargs) {
        py::kwargs rest;
        int width = 1000;
        for (const auto& item : kwargs) {
          if (py::str(item.first).cast<std::string>() == "width") {
            width = item.second.cast<int>();
          } else {
            rest[item.first] = item.second;
          }
        }
        const auto options = options_from<circle_params>(args, rest, "shallow_equivalent");
        const auto r = shallow_equivalent(options, width);
        return py::dict("depth"_a = r.depth, "width_needed"_a = r.width_needed,
                        "grassmannian_deep"_a = r.grassmannian_deep, "grassmannian_shallow"_a = r.grassmannian_shallow);
      },
      "shallow_equivalent(width=1000, **circle) -> dict\n\nThe hidden width a one-hidden-layer network needs to "
      "match the length of a deep network of the given width, per depth; with the Grassmannian lengths [P16 "
      "sec. 5].");

  m.def(
      "parameters",
      [](const std::string& function) {
        if (function == "manifold") return options_fields<manifold_options>();
        if (function == "manifold_theory") return options_fields<circle_params>();
        if (function == "trajectory") return options_fields<trajectory_options>();
        throw invalid_argument("function", function, "must be one of: manifold, manifold_theory, trajectory");
      },
      "function"_a, "The keyword arguments of manifold, manifold_theory or trajectory.");
}

}  // namespace nt::python
