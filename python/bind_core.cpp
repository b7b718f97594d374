// Python binding of nt:: core: activations, Gauss-Hermite quadrature and Gaussian expectations,
// counter-based random streams, weight ensembles, thread count, result I/O.
#include <pybind11/stl/filesystem.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/core/gaussian.hpp"
#include "neurotheory/core/io.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

#include "bind_common.hpp"

namespace nt::python {

using namespace pybind11::literals;

const activation& resolve_activation(py::handle obj) {
  if (py::isinstance<py::str>(obj)) return activation_by_name(obj.cast<std::string>());
  if (py::isinstance<activation>(obj)) return obj.cast<const activation&>();
  throw py::type_error("activation must be a name (str) or an Activation, not " +
                       py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

namespace {

using c_array = py::array_t<double, py::array::c_style | py::array::forcecast>;

c_array as_array(py::handle x, const char* what) {
  auto a = c_array::ensure(x);
  if (!a) throw py::type_error(std::string(what) + " must be a float or an array of floats");
  return a;
}

c_array empty_like(const c_array& a) { return c_array(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim())); }

std::span<double> span_of(c_array& a) { return {a.mutable_data(), static_cast<std::size_t>(a.size())}; }

// A 1-D array, a copy of data when given.
py::array_t<double> vector_array(std::size_t n, const double* data = nullptr) {
  return py::array_t<double>(std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)}, data);
}

// A float for a scalar (0-d) input, else an array of the input's shape.
py::object scalar_or_array(const c_array& a) {
  if (a.ndim() == 0) return py::float_(*a.data());
  return a;
}

// phi (which = 0), phi' (1) or phi'' (2) elementwise through the activation's bulk evaluate().
py::object evaluate_one(const activation& act, py::handle x, int which) {
  const auto in = as_array(x, "x");
  auto out = empty_like(in);
  const std::span<const double> xs(in.data(), static_cast<std::size_t>(in.size()));
  const auto ys = span_of(out);
  {
    py::gil_scoped_release release;
    act.evaluate(xs, which == 0 ? ys : std::span<double>{}, which == 1 ? ys : std::span<double>{},
                 which == 2 ? ys : std::span<double>{});
  }
  return scalar_or_array(out);
}

std::string to_string(parity p) {
  switch (p) {
    case parity::odd:
      return "odd";
    case parity::even:
      return "even";
    case parity::none:
      return "none";
  }
  return "none";
}

// A Python callable evaluated where C++ quadrature asks for it. A first C++ pass only records the
// points; the callable then runs once on all of them as a NumPy array (one Python call instead of
// thousands) and a second pass replays the values. Callables that do not map an array to an array
// of the same size (math.tanh, a branchy lambda) are called point by point instead.
class python_integrand {
 public:
  explicit python_integrand(py::function f) : f_(std::move(f)) {}

  std::function<double(double)> recorder() {
    return [this](double x) {
      points_.push_back(x);
      return 0.0;
    };
  }
  // True when the one vectorised call worked.
  bool evaluate_recorded() {
    try {
      const py::object r = f_(vector_array(points_.size(), points_.data()));
      const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(r);
      if (!a || static_cast<std::size_t>(a.size()) != points_.size()) return false;
      values_.assign(a.data(), a.data() + a.size());
      return true;
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_Exception)) throw;  // KeyboardInterrupt, SystemExit: never swallowed
      return false;
    }
  }
  std::function<double(double)> replay() {
    return [this](double) { return values_.at(next_++); };
  }
  std::function<double(double)> pointwise() {
    return [this](double x) { return f_(x).cast<double>(); };
  }

 private:
  py::function f_;
  std::vector<double> points_, values_;
  std::size_t next_ = 0;
};

double py_gaussian_expectation(py::function f, double q, int order, bool vectorized) {
  python_integrand fi(std::move(f));
  // The recording pass also validates q and order before any Python code runs.
  (void)gaussian_expectation(fi.recorder(), q, order);
  if (vectorized && fi.evaluate_recorded()) return gaussian_expectation(fi.replay(), q, order);
  return gaussian_expectation(fi.pointwise(), q, order);
}

double py_gaussian_pair_expectation(py::function f, py::function g, double q1, double q2, double q12, int order,
                                    bool vectorized) {
  python_integrand fi(std::move(f));
  python_integrand gi(std::move(g));
  (void)gaussian_pair_expectation(fi.recorder(), gi.recorder(), q1, q2, q12, order);
  if (vectorized && fi.evaluate_recorded() && gi.evaluate_recorded()) {
    return gaussian_pair_expectation(fi.replay(), gi.replay(), q1, q2, q12, order);
  }
  return gaussian_pair_expectation(fi.pointwise(), gi.pointwise(), q1, q2, q12, order);
}

py::dict to_dict(const single_moments& m) {
  return py::dict("phi2"_a = m.phi2, "dphi2"_a = m.dphi2, "dq_phi2"_a = m.dq_phi2, "d2phi2"_a = m.d2phi2,
                  "phi_mean"_a = m.phi_mean);
}

py::dict to_dict(const pair_moments& m) { return py::dict("phi_phi"_a = m.phi_phi, "dphi_dphi"_a = m.dphi_dphi); }

rng::stream make_stream(std::uint64_t seed, const std::vector<std::uint64_t>& ids) {
  return rng::stream(seed, std::span<const std::uint64_t>(ids));
}

// n draws as an array, or one float when n is None.
template <class Draw, class Fill>
py::object draw(rng::stream& s, std::optional<long long> n, Draw one, Fill fill) {
  if (!n) return py::float_((s.*one)());
  require_at_least("n", *n, 0);
  auto out = vector_array(static_cast<std::size_t>(*n));
  {
    py::gil_scoped_release release;
    (s.*fill)({out.mutable_data(), static_cast<std::size_t>(*n)});
  }
  return out;
}

Eigen::MatrixXd make_matrix(long long rows, long long cols, double sigma_w2, std::uint64_t seed,
                            const std::vector<std::uint64_t>& ids, bool orthogonal) {
  require_at_least("rows", rows, 1);
  require_at_least("cols", cols, 1);
  require_nonnegative("sigma_w2", sigma_w2);
  auto stream = make_stream(seed, ids);
  Eigen::MatrixXd w(rows, cols);
  py::gil_scoped_release release;
  if (orthogonal) {
    haar_orthogonal_matrix(stream, sigma_w2, w);
  } else {
    gaussian_matrix(stream, sigma_w2, w);
  }
  return w;
}

}  // namespace

void bind_core(py::module_& m) {
  // ---- activations --------------------------------------------------------------------------
  py::class_<activation, std::unique_ptr<activation, py::nodelete>>(
      m, "Activation",
      "An activation function phi with phi' and phi'' (from the registry; get one with "
      "activation_by_name). phi, dphi and d2phi take a float or an array of any shape.")
      .def_property_readonly(
          "name", [](const activation& a) { return std::string(a.name()); }, "Registry name, e.g. 'tanh'.")
      .def_property_readonly(
          "formula", [](const activation& a) { return std::string(a.formula()); }, "phi(x) as a formula.")
      .def_property_readonly(
          "symmetry", [](const activation& a) { return to_string(a.symmetry()); }, "'odd', 'even' or 'none'.")
      .def_property_readonly("smooth", &activation::smooth,
                             "True when phi is analytic (Gauss-Hermite converges spectrally); False for kinks.")
      .def(
          "phi", [](const activation& a, py::handle x) { return evaluate_one(a, x, 0); }, "x"_a,
          "phi(x), elementwise; a float for a float, else an array of x's shape.")
      .def(
          "dphi", [](const activation& a, py::handle x) { return evaluate_one(a, x, 1); }, "x"_a,
          "phi'(x), elementwise.")
      .def(
          "d2phi", [](const activation& a, py::handle x) { return evaluate_one(a, x, 2); }, "x"_a,
          "phi''(x), elementwise (zero away from kinks for relu and hard_tanh).")
      .def(
          "evaluate",
          [](const activation& a, py::handle x) {
            const auto in = as_array(x, "x");
            auto phi = empty_like(in), dphi = empty_like(in), d2phi = empty_like(in);
            const std::span<const double> xs(in.data(), static_cast<std::size_t>(in.size()));
            {
              py::gil_scoped_release release;
              a.evaluate(xs, span_of(phi), span_of(dphi), span_of(d2phi));
            }
            return py::make_tuple(scalar_or_array(phi), scalar_or_array(dphi), scalar_or_array(d2phi));
          },
          "x"_a, "(phi(x), phi'(x), phi''(x)) in one bulk evaluation.")
      .def(
          "closed_length_moments",
          [](const activation& a, double q) -> py::object {
            const auto lm = a.closed_length_moments(q);
            if (!lm) return py::none();
            return py::dict("phi2"_a = lm->phi2, "dphi2"_a = lm->dphi2, "dq_phi2"_a = lm->dq_phi2,
                            "d2phi2"_a = lm->d2phi2, "phi_mean"_a = lm->phi_mean);
          },
          "q"_a,
          "Closed-form moments of u ~ N(0, q) as a dict (phi2 = E[phi^2], dphi2 = E[phi'^2], dq_phi2 = "
          "d/dq E[phi^2], d2phi2 = E[phi''^2] (inf where phi'' has a delta function), phi_mean = E[phi]), or None "
          "when this activation has no closed form.")
      .def("closed_kernel", &activation::closed_kernel, "q1"_a, "q2"_a, "q12"_a,
           "Closed-form E[phi(u1) phi(u2)] (variances q1, q2, covariance q12), or None.")
      .def("closed_derivative_kernel", &activation::closed_derivative_kernel, "q1"_a, "q2"_a, "q12"_a,
           "Closed-form E[phi'(u1) phi'(u2)], or None.")
      .def("__repr__", [](const activation& a) { return "Activation('" + std::string(a.name()) + "')"; });

  m.def("activation_names", &activation_names, "Names of the registered activations, sorted.");
  m.def("activation_by_name", &activation_by_name, py::return_value_policy::reference, "name"_a,
        "The registered Activation called `name`; ValueError (naming 'activation') for an unknown name.");

  // ---- Gaussian expectations ----------------------------------------------------------------
  m.def(
      "gauss_hermite",
      [](int order) {
        const auto& rule = gauss_hermite(order);
        return py::make_tuple(Eigen::ArrayXd(rule.nodes), Eigen::ArrayXd(rule.weights));
      },
      "order"_a,
      "(nodes, weights) of the order-point Gauss-Hermite rule for E[f(z)], z ~ N(0, 1) (probabilists' "
      "weight): E[f(z)] ~ sum(weights * f(nodes)); weights sum to 1, exact for polynomials of degree < 2 order. "
      "order in [1, 4096].");
  m.def("gaussian_expectation", &py_gaussian_expectation, "f"_a, "q"_a, "order"_a = 100, "vectorized"_a = true,
        "E[f(sqrt(q) z)], z ~ N(0, 1), by order-point Gauss-Hermite quadrature. With vectorized=True f is first "
        "called once on a NumPy array of all nodes; if that fails or does not return an array of the same size, "
        "f is called on each node as a float.");
  m.def("gaussian_pair_expectation", &py_gaussian_pair_expectation, "f"_a, "g"_a, "q1"_a, "q2"_a, "q12"_a,
        "order"_a = 60, "vectorized"_a = true,
        "E[f(u1) g(u2)] for a centred Gaussian pair with variances q1, q2 and covariance q12 "
        "(u1 = sqrt(q1) z1, u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2)), by order x order Gauss-Hermite quadrature. "
        "vectorized as in gaussian_expectation.");
  m.def(
      "activation_moments",
      [](py::handle act, double q, int order, bool use_closed_forms) {
        const auto& a = resolve_activation(act);
        const quadrature_options quad{order, use_closed_forms};
        quad.validate();
        return to_dict(activation_moments(a, q, quad));
      },
      "activation"_a, "q"_a, "order"_a = 0, "use_closed_forms"_a = true,
      "Moments of u ~ N(0, q) as a dict: phi2 = E[phi^2], dphi2 = E[phi'^2], dq_phi2 = d/dq E[phi^2], "
      "d2phi2 = E[phi''^2], phi_mean = E[phi]. order 0 picks the quadrature order from q; closed forms are "
      "used where the activation has them unless use_closed_forms=False.");
  m.def(
      "activation_pair_moments",
      [](py::handle act, double q1, double q2, double q12, int order, bool use_closed_forms) {
        const auto& a = resolve_activation(act);
        const quadrature_options quad{order, use_closed_forms};
        quad.validate();
        return to_dict(activation_pair_moments(a, q1, q2, q12, quad));
      },
      "activation"_a, "q1"_a, "q2"_a, "q12"_a, "order"_a = 0, "use_closed_forms"_a = true,
      "Moments of a correlated pair (variances q1, q2, covariance q12) as a dict: phi_phi = E[phi(u1) phi(u2)], "
      "dphi_dphi = E[phi'(u1) phi'(u2)].");

  // ---- random streams and ensembles ---------------------------------------------------------
  py::class_<rng::stream>(m, "Stream",
                          "A counter-based random stream (Philox4x64-10) keyed by (seed, ids): the k-th number "
                          "of Stream(seed, ids) is the same on every thread, process and run.")
      .def(py::init(&make_stream), "seed"_a, "ids"_a = std::vector<std::uint64_t>{},
           "Stream(seed, ids=[]): seed and ids are non-negative integers (< 2**64).")
      .def(
          "uniform",
          [](rng::stream& s, std::optional<long long> n) {
            return draw(s, n, &rng::stream::uniform, &rng::stream::fill_uniform);
          },
          "n"_a = py::none(), "n uniforms on the open interval (0, 1) as an array; one float when n is None.")
      .def(
          "normal",
          [](rng::stream& s, std::optional<long long> n) {
            return draw(s, n, &rng::stream::normal, &rng::stream::fill_normal);
          },
          "n"_a = py::none(), "n standard normals as an array; one float when n is None.")
      .def("child", &rng::stream::child, "id"_a,
           "An independent derived stream, equal to Stream(seed, ids + [id]) (fresh, whatever this one drew).")
      .def_property_readonly("seed", &rng::stream::seed, "The stream's seed.")
      .def("__repr__", [](const rng::stream& s) { return "Stream(seed=" + std::to_string(s.seed()) + ", ...)"; });

  m.def(
      "gaussian_matrix",
      [](long long rows, long long cols, double sigma_w2, std::uint64_t seed, const std::vector<std::uint64_t>& ids) {
        return make_matrix(rows, cols, sigma_w2, seed, ids, false);
      },
      "rows"_a, "cols"_a, "sigma_w2"_a = 1.0, "seed"_a = 1, "ids"_a = std::vector<std::uint64_t>{},
      "A rows x cols (N_out x N_in) weight matrix with entries N(0, sigma_w2 / cols), drawn from Stream(seed, ids).");
  m.def(
      "haar_orthogonal",
      [](long long rows, long long cols, double sigma_w2, std::uint64_t seed, const std::vector<std::uint64_t>& ids) {
        return make_matrix(rows, cols, sigma_w2, seed, ids, true);
      },
      "rows"_a, "cols"_a, "sigma_w2"_a = 1.0, "seed"_a = 1, "ids"_a = std::vector<std::uint64_t>{},
      "sigma_w times a Haar-random rows x cols matrix with orthonormal columns (rows >= cols: W^T W = sigma_w2 I) "
      "or rows (rows < cols: W W^T = sigma_w2 I), drawn from Stream(seed, ids).");

  // ---- threads ------------------------------------------------------------------------------
  m.def("thread_count", &thread_count, "Threads the library's OpenMP loops use.");
  m.def("set_thread_count", &set_thread_count, "threads"_a,
        "Sets the threads of the library's OpenMP loops (>= 1). Results do not depend on it.");

  // ---- I/O ----------------------------------------------------------------------------------
  m.def("version", &io::version, "neurotheory's version string.");
  m.def(
      "write_npy",
      [](const std::filesystem::path& path, py::handle x) {
        const auto a = as_array(x, "array");
        if (a.ndim() == 1) {
          const Eigen::ArrayXd v = Eigen::Map<const Eigen::ArrayXd>(a.data(), a.shape(0));
          io::write_npy(path, v);
        } else if (a.ndim() == 2) {
          using row_major = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
          const Eigen::ArrayXXd v = Eigen::Map<const row_major>(a.data(), a.shape(0), a.shape(1));
          io::write_npy(path, v);
        } else {
          throw invalid_argument("array", std::to_string(a.ndim()) + "-D", "must be 1-D or 2-D");
        }
      },
      "path"_a, "array"_a,
      "Writes a 1-D or 2-D float64 array as .npy (atomically: temporary file + rename); OSError on failure.");
  m.def("read_npy", &io::read_npy, "path"_a,
        "Reads a float64 .npy file as a 2-D array (a 1-D file gives shape (n, 1)); OSError if unreadable.");
}

}  // namespace nt::python
