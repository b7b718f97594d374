// The extension module `neurotheory._neurotheory`: one submodule per C++ module (namespace), plus
// the one place where C++ exceptions become Python exceptions.
#include <exception>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/io.hpp"

#include "bind_common.hpp"

namespace py = pybind11;

namespace {

// Raises `type(message)`, with the offending field as the exception's `field` attribute when the
// C++ side named one (so callers can tell which keyword was wrong without parsing the text).
void raise(PyObject* type, const char* message, const std::string& field = {}) {
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunction(type, "s", message));
  if (!exc) return;  // the constructor itself failed: its error is already set
  if (!field.empty()) exc.attr("field") = field;
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace

PYBIND11_MODULE(_neurotheory, m) {
  m.doc() = "neurotheory's C++ core, bound with pybind11. Import the `neurotheory` package instead of this module.";

  // nt::invalid_argument -> ValueError, nt::io_error -> OSError, other nt::error and
  // nt::internal_error -> RuntimeError. Registered once; it covers every submodule.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nt::invalid_argument& e) {
      raise(PyExc_ValueError, e.what(), e.field());
    } catch (const nt::io_error& e) {
      raise(PyExc_OSError, e.what());
    } catch (const nt::error& e) {
      raise(PyExc_RuntimeError, e.what());
    } catch (const nt::internal_error& e) {
      raise(PyExc_RuntimeError,
            (std::string("neurotheory internal error (a bug, please report): ") + e.what()).c_str());
    }
  });

  m.attr("__version__") = nt::io::version();
  // pybind11 < 2.12 predates NumPy 2's ABI; the package refuses NumPy 2 with such a build.
  m.attr("_pybind11_version") = py::make_tuple(PYBIND11_VERSION_MAJOR, PYBIND11_VERSION_MINOR);

  auto core = m.def_submodule("core", "Random streams, weight ensembles, activations, Gaussian expectations, I/O.");
  nt::python::bind_core(core);
  auto signalprop =
      m.def_submodule("signalprop",
                      "Mean-field signal propagation: length and correlation maps, fixed points, chi_1, depth scales, "
                      "phase diagrams, critical initialisation, and finite-network simulation next to the theory.");
  nt::python::bind_signalprop(signalprop);
  auto isometry = m.def_submodule(
      "isometry",
      "Dynamical isometry: spectra of input-output Jacobians by free probability and by simulation, the large-depth "
      "universality classes, and the initialization designer.");
  nt::python::bind_isometry(isometry);
  auto expressivity = m.def_submodule(
      "expressivity",
      "Expressivity through transient chaos: length, curvature and Grassmannian length of manifolds through deep "
      "random networks, trajectory length, pattern transitions and linear regions.");
  nt::python::bind_expressivity(expressivity);
  auto deeplinear = m.def_submodule(
      "deeplinear",
      "Learning dynamics of deep linear networks: exact mode dynamics, semantic development on hierarchical data, "
      "generalization dynamics, and gradient-descent simulation next to the theory.");
  nt::python::bind_deeplinear(deeplinear);
  auto synapses = m.def_submodule(
      "synapses",
      "Complex synapses: Markov synapse models, exact memory curves, the memory frontier, Benna-Fusi consolidation, "
      "design, and Monte Carlo populations next to the theory.");
  nt::python::bind_synapses(synapses);
}
