// neurotheory.deeplinear: bindings of nt::deeplinear (NumPy in and out, keyword arguments from visit()).
// A data set is passed as a name ("living-things", "four-items"), a path to an item table (.csv), a dict
// {"targets", "inputs" (optional: one-hot), "item_names", "feature_names", "name"} as returned by
// living_things() / branching_diffusion(), or a targets array (features x items, one-hot inputs).
// Items and features are given by name or by 0-based index. Sum convention (loss 1/2 sum_mu, tau = 1/eta).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/deeplinear/data.hpp"
#include "neurotheory/deeplinear/dynamics.hpp"
#include "neurotheory/deeplinear/generalization.hpp"
#include "neurotheory/deeplinear/semantics.hpp"
#include "neurotheory/deeplinear/simulate.hpp"

#include "bind_common.hpp"

namespace nt::python {
namespace {

using namespace pybind11::literals;
namespace dl = nt::deeplinear;

dl::dataset to_dataset(const py::handle& obj) {
  if (py::isinstance<py::str>(obj)) {
    const auto name = obj.cast<std::string>();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") return dl::read_item_table(name);
    return dl::dataset_by_name(name);
  }
  dl::dataset d;
  if (py::isinstance<py::dict>(obj)) {
    const auto dict = obj.cast<py::dict>();
    if (!dict.contains("targets")) throw invalid_argument("data", "dict", "must hold 'targets' (features x items)");
    d.targets = dict["targets"].cast<Eigen::MatrixXd>();
    d.inputs = dict.contains("inputs") ? dict["inputs"].cast<Eigen::MatrixXd>()
                                       : Eigen::MatrixXd::Identity(d.targets.cols(), d.targets.cols());
    if (dict.contains("item_names")) d.item_names = dict["item_names"].cast<std::vector<std::string>>();
    if (dict.contains("feature_names")) d.feature_names = dict["feature_names"].cast<std::vector<std::string>>();
    if (dict.contains("name")) d.name = dict["name"].cast<std::string>();
  } else {
    d.targets = obj.cast<Eigen::MatrixXd>();
    d.inputs = Eigen::MatrixXd::Identity(d.targets.cols(), d.targets.cols());
  }
  if (d.inputs.cols() != d.targets.cols()) {
    throw invalid_argument(
        "inputs", std::to_string(d.inputs.cols()) + " columns",
        "must have one column per item (as many as targets: " + std::to_string(d.targets.cols()) + ")");
  }
  if (d.item_names.empty()) {
    for (Eigen::Index i = 0; i < d.targets.cols(); ++i) d.item_names.push_back("item" + std::to_string(i));
  }
  if (d.feature_names.empty()) {
    for (Eigen::Index i = 0; i < d.targets.rows(); ++i) d.feature_names.push_back("feature" + std::to_string(i));
  }
  if (static_cast<Eigen::Index>(d.item_names.size()) != d.targets.cols() ||
      static_cast<Eigen::Index>(d.feature_names.size()) != d.targets.rows()) {
    throw invalid_argument("item_names", std::to_string(d.item_names.size()), "must name every item and feature");
  }
  if (d.name.empty()) d.name = "data";
  return d;
}

py::dict dataset_dict(const dl::dataset& d) {
  return py::dict("inputs"_a = d.inputs, "targets"_a = d.targets, "item_names"_a = d.item_names,
                  "feature_names"_a = d.feature_names, "name"_a = d.name);
}

int item_of(const dl::dataset& d, const py::handle& obj) {
  if (py::isinstance<py::int_>(obj) && !py::isinstance<py::bool_>(obj))
    return dl::item_index(d, std::to_string(obj.cast<long long>()));
  return dl::item_index(d, obj.cast<std::string>());
}
int feature_of(const dl::dataset& d, const py::handle& obj) {
  if (py::isinstance<py::int_>(obj) && !py::isinstance<py::bool_>(obj))
    return dl::feature_index(d, std::to_string(obj.cast<long long>()));
  return dl::feature_index(d, obj.cast<std::string>());
}

// A scalar broadcast to n entries, or a vector of length n.
Eigen::VectorXd broadcast(const py::handle& obj, Eigen::Index n, const char* name) {
  if (PyFloat_Check(obj.ptr()) || (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr()))) {
    return Eigen::VectorXd::Constant(n, obj.cast<double>());
  }
  const auto v = obj.cast<Eigen::VectorXd>();
  if (v.size() != n) {
    throw invalid_argument(name, std::to_string(v.size()) + " values",
                           "must be a scalar or one value per mode (" + std::to_string(n) + ")");
  }
  return v;
}

py::dict illusory_dict(const dl::dataset& d, const dl::illusory_result& r) {
  return py::dict("item"_a = d.item_names[static_cast<std::size_t>(r.item)],
                  "attribute"_a = d.feature_names[static_cast<std::size_t>(r.feature)], "item_index"_a = r.item,
                  "attribute_index"_a = r.feature, "peak_value"_a = r.peak_value, "peak_time"_a = r.peak_time,
                  "trough_value"_a = r.trough_value, "trough_time"_a = r.trough_time,
                  "initial_value"_a = r.initial_value, "final_value"_a = r.final_value, "overshoot"_a = r.overshoot);
}

py::dict simulation_dict(const dl::simulation_result& s) {
  py::list hidden;
  for (const auto& rec : s.hidden) {
    py::list layers;
    for (const auto& h : rec) layers.append(py::cast(h));
    hidden.append(layers);
  }
  py::list w0, w1;
  for (const auto& w : s.initial_weights) w0.append(py::cast(w));
  for (const auto& w : s.weights) w1.append(py::cast(w));
  return py::dict("steps"_a = s.steps, "times"_a = s.times, "loss"_a = s.loss, "mode_strengths"_a = s.mode_strengths,
                  "singular_values"_a = s.singular_values, "u"_a = s.u, "v"_a = s.v, "hidden"_a = hidden,
                  "initial_weights"_a = w0, "weights"_a = w1, "status"_a = s.status, "steps_done"_a = s.steps_done,
                  "reduced_output"_a = s.reduced_output, "reduced_rank"_a = s.reduced_rank);
}

std::vector<Eigen::MatrixXd> matrices(const py::handle& obj) {
  std::vector<Eigen::MatrixXd> out;
  for (const auto& m : obj) out.push_back(m.cast<Eigen::MatrixXd>());
  return out;
}

void bind_dynamics(py::module_& m) {
  m.def("mode_strength",
        py::vectorize([](double t, double s, double a0, int depth) { return dl::mode_strength(t, s, a0, depth); }),
        "t"_a, "s"_a, "a0"_a, "depth"_a = 2,
        "mode_strength(t, s, a0, depth=2)\n\nStrength u(t) of a balanced mode with singular value s from u(0) = a0 "
        "[S14]: tau du/dt = D u^{2-2/D} (s - u), tau = 1 (sum convention). Broadcasts over NumPy arrays.");
  m.def(
      "learning_time",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::learning_time_options>(args, kwargs, "learning_time");
        o.validate();
        return dl::learning_time(o.depth, o.s, o.u0, o.uf);
      },
      options_doc<dl::learning_time_options>(
          "learning_time",
          "Gradient-flow time (tau = 1) for a balanced mode of a depth-D linear network to grow from u0 to uf "
          "[S14; notes 1.5] (the CLI's `deeplinear learning-time`).",
          "float: the time"));
  m.def("half_learning_time",
        py::vectorize([](double s, double a0, int depth) { return dl::half_learning_time(s, a0, depth); }), "s"_a,
        "a0"_a, "depth"_a = 2, "Time for a balanced mode to reach s/2 from a0 (D = 2: ln(s/a0 - 1)/(2s)).");
  m.def("learning_time_small_init", &dl::learning_time_small_init, "depth"_a, "s"_a, "c0"_a,
        "Small per-layer scale limit c0^{-(D-2)} / ((D-2) s) of the learning time (D >= 3).");
  m.def("learning_time_infinite_depth", &dl::learning_time_infinite_depth, "s"_a, "u0"_a, "uf"_a,
        "The D -> infinity limit of D * learning_time at fixed composite u0.");
  m.def("max_stable_learning_rate", &dl::max_stable_learning_rate, "depth"_a, "s"_a,
        "Largest stable GD step for a balanced mode at the solution: 2 / (D s^{2-2/D}).");
  m.def(
      "mode_trajectories",
      [](const Eigen::VectorXd& s, const py::object& a0, const Eigen::VectorXd& times, int depth) {
        return dl::mode_trajectories(s, broadcast(a0, s.size(), "a0"), times, depth);
      },
      "s"_a, "a0"_a, "times"_a, "depth"_a = 2,
      "Closed-form mode strengths u_alpha(t): rows = times, columns = modes (a0 scalar or one per mode).");
  m.def(
      "loss_trajectory",
      [](const Eigen::VectorXd& s, const py::object& a0, const Eigen::VectorXd& times, int depth) {
        return dl::loss_trajectory(s, broadcast(a0, s.size(), "a0"), times, depth);
      },
      "s"_a, "a0"_a, "times"_a, "depth"_a = 2,
      "The loss 1/2 sum_alpha (s_alpha - u_alpha(t))^2 along the closed form.");
  m.def("effective_a0", &dl::effective_a0, "w1"_a, "w2"_a, "u"_a, "v"_a,
        "Effective initial strength per mode of a small random two-layer init: |W1 v + W2^T u|^2 / 4 (notes 1.4).");
  m.def("expected_effective_a0", &dl::expected_effective_a0, "hidden"_a, "sigma0_2"_a,
        "E[a0_eff] = hidden * sigma0_2 / 2 for iid N(0, sigma0_2) entries.");
  m.def(
      "conserved_quantities", [](const py::list& weights) { return dl::conserved_quantities(matrices(weights)); },
      "weights"_a, "Q_l = W_{l+1}^T W_{l+1} - W_l W_l^T for weights W_1 (input side) first.");
  m.def("mode_phase_trajectory", &dl::mode_phase_trajectory, "s"_a, "a0"_a, "b0"_a, "times"_a,
        "One unbalanced two-layer mode (a, b) by RK4: rows = times, columns (a, b); a^2 - b^2 is conserved.");
}

void bind_data(py::module_& m) {
  m.def(
      "living_things", [] { return dataset_dict(dl::living_things()); },
      "The eight living things x 36 attributes (S19; notes 2.2) as a dict (inputs, targets, item_names, "
      "feature_names, name).");
  m.def(
      "four_items", [] { return dataset_dict(dl::four_items()); }, "S19's toy 4 items x 7 properties.");
  m.def(
      "dataset", [](const py::object& data) { return dataset_dict(to_dataset(data)); }, "data"_a,
      "A data set by name (living-things, four-items), item-table path (.csv), dict or targets array.");
  m.def(
      "branching_diffusion",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::hierarchy_options>(args, kwargs, "branching_diffusion");
        return dataset_dict(dl::branching_diffusion(o));
      },
      options_doc<dl::hierarchy_options>("branching_diffusion",
                                         "Hierarchical data by branching diffusion on a tree [S19; notes 2.4].",
                                         "the data set dict (targets N_f x B^L in {-1, +1})."));
  auto hier = [&m](const char* name, auto f, const char* summary) {
    m.def(
        name,
        [f, name](const py::args& args, const py::kwargs& kwargs) {
          const auto o = options_from<dl::hierarchy_options>(args, kwargs, name);
          return f(o);
        },
        options_doc<dl::hierarchy_options>(name, summary, "numpy array"));
  };
  hier(
      "hierarchy_eigenvalues",
      [](const dl::hierarchy_options& o) { return Eigen::VectorXd(dl::hierarchy_eigenvalues(o)); },
      "Analytic eigenvalues of the per-feature item covariance, one per level (level 0 first) [notes 2.4].");
  hier(
      "hierarchy_multiplicities",
      [](const dl::hierarchy_options& o) { return Eigen::VectorXi(dl::hierarchy_multiplicities(o)); },
      "Multiplicity of each level's eigenvalue: 1, B - 1, B^2 - B, ...");
  hier(
      "hierarchy_singular_values",
      [](const dl::hierarchy_options& o) { return Eigen::VectorXd(dl::hierarchy_singular_values(o)); },
      "Expected singular values of the sampled targets, sqrt(N_f lambda_k), one per level.");
  hier(
      "hierarchy_covariance",
      [](const dl::hierarchy_options& o) { return Eigen::MatrixXd(dl::hierarchy_covariance(o)); },
      "The analytic item covariance E[y_i y_j] = q^k (P x P).");
  m.def(
      "correlations",
      [](const py::object& data) {
        const auto c = dl::correlations(to_dataset(data));
        return py::dict("sigma_x"_a = c.sigma_x, "sigma_yx"_a = c.sigma_yx, "u"_a = c.u, "s"_a = c.s, "v"_a = c.v,
                        "whitened"_a = c.whitened);
      },
      "data"_a, "Sigma_x, Sigma_yx and the SVD Sigma_yx = U diag(s) V^T (sum convention, sign-fixed).");
  m.def(
      "item_index", [](const py::object& data, const py::object& item) { return item_of(to_dataset(data), item); },
      "data"_a, "item"_a, "0-based index of an item given by name or index.");
  m.def(
      "feature_index",
      [](const py::object& data, const py::object& feature) { return feature_of(to_dataset(data), feature); }, "data"_a,
      "feature"_a, "0-based index of a feature given by name or index.");
}

void bind_semantics(py::module_& m) {
  m.def(
      "mode_strengths",
      [](const py::object& data, double t, double a0, int depth) {
        return dl::mode_strengths(to_dataset(data), t, a0, depth);
      },
      "data"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "u_alpha(t) for every mode of the data set.");
  m.def(
      "hidden_representations",
      [](const py::object& data, double t, double a0, int depth, int layer) {
        return dl::hidden_representations(to_dataset(data), t, a0, depth, layer);
      },
      "data"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "layer"_a = 1,
      "Hidden representations A(t)^{layer/D} V^T e_i (modes x items) [S19].");
  m.def(
      "representational_similarity",
      [](const py::object& data, double t, double a0, int depth, const std::string& space) {
        return dl::representational_similarity(to_dataset(data), t, a0, depth, space);
      },
      "data"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "space"_a = "hidden",
      "Item similarity (P x P) of the hidden ('hidden') or output ('output') representations.");
  m.def("classical_mds", &dl::classical_mds, "gram"_a, "dims"_a = 2, "Classical (Torgerson) MDS of a Gram matrix.");
  m.def(
      "mds_coordinates",
      [](const py::object& data, double t, double a0, int depth, int dims) {
        return dl::mds_coordinates(to_dataset(data), t, a0, depth, dims);
      },
      "data"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "dims"_a = 2, "MDS of the hidden representations (items x dims).");
  m.def(
      "mds_trajectory",
      [](const py::object& data, const Eigen::VectorXd& times, double a0, int depth, int dims) {
        const auto frames = dl::mds_trajectory(to_dataset(data), times, a0, depth, dims);
        const auto p = frames.empty() ? 0 : frames[0].rows();
        py::array_t<double> out(
            {static_cast<py::ssize_t>(frames.size()), static_cast<py::ssize_t>(p), static_cast<py::ssize_t>(dims)});
        auto a = out.mutable_unchecked<3>();
        for (std::size_t k = 0; k < frames.size(); ++k) {
          for (Eigen::Index i = 0; i < frames[k].rows(); ++i) {
            for (Eigen::Index j = 0; j < frames[k].cols(); ++j) {
              a(static_cast<py::ssize_t>(k), static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j)) =
                  frames[k](i, j);
            }
          }
        }
        return out;
      },
      "data"_a, "times"_a, "a0"_a = 1e-3, "depth"_a = 2, "dims"_a = 2,
      "MDS trajectory through development: array (times x items x dims), Procrustes-aligned frames [S19 Fig. 1].");
  m.def(
      "predicted_outputs",
      [](const py::object& data, double t, double a0, int depth) {
        return dl::predicted_outputs(to_dataset(data), t, a0, depth);
      },
      "data"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "Network output U A(t) V^T (features x items).");
  m.def(
      "predicted_output_trajectory",
      [](const py::object& data, const py::object& item, const py::object& feature, const Eigen::VectorXd& times,
         double a0, int depth) {
        const auto d = to_dataset(data);
        return dl::predicted_output_trajectory(d, item_of(d, item), feature_of(d, feature), times, a0, depth);
      },
      "data"_a, "item"_a, "feature"_a, "times"_a, "a0"_a = 1e-3, "depth"_a = 2,
      "One item's predicted feature over time (illusory correlations rise and fall).");
  m.def(
      "illusory_correlation",
      [](const py::object& data, const py::object& item, const py::object& attribute, double a0, int depth) {
        const auto d = to_dataset(data);
        return illusory_dict(d, dl::illusory_correlation(d, item_of(d, item), feature_of(d, attribute), a0, depth));
      },
      "data"_a, "item"_a, "attribute"_a, "a0"_a = 1e-3, "depth"_a = 2,
      "Peak, trough and final value of one item's predicted attribute [S19; notes 2.6] (the CLI's `illusory`).");
  m.def(
      "find_illusory_correlations",
      [](const py::object& data, double a0, int depth, double min_overshoot) {
        const auto d = to_dataset(data);
        py::list out;
        for (const auto& r : dl::find_illusory_correlations(d, a0, depth, min_overshoot))
          out.append(illusory_dict(d, r));
        return out;
      },
      "data"_a, "a0"_a = 1e-3, "depth"_a = 2, "min_overshoot"_a = 0.05,
      "Every (item, attribute) pair whose prediction overshoots by more than min_overshoot, largest first.");
  m.def(
      "typicality", [](const py::object& data, int mode) { return dl::typicality(to_dataset(data), mode); }, "data"_a,
      "mode"_a, "Typicality v_{alpha,i} of every item along a mode [S19; notes 2.7].");
  m.def(
      "category_response",
      [](const py::object& data, int mode, double t, double a0, int depth) {
        return dl::category_response(to_dataset(data), mode, t, a0, depth);
      },
      "data"_a, "mode"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2, "u_alpha(t) v_{alpha,i} for every item.");
  m.def(
      "category_coherence",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::coherence_options>(args, kwargs, "category_coherence");
        const auto r = dl::category_coherence(o);
        return py::dict("coherence"_a = r.coherence, "learnable"_a = r.learnable, "theta"_a = r.theta,
                        "aspect"_a = r.aspect, "bulk_edge"_a = r.bulk_edge, "signal"_a = r.signal,
                        "singular_value"_a = r.singular_value, "time_scale"_a = r.time_scale);
      },
      options_doc<dl::coherence_options>("category_coherence",
                                         "Category coherence and its random-matrix threshold [S19; notes 2.8].",
                                         "coherence, learnable, theta, aspect, bulk_edge, signal, singular_value, "
                                         "time_scale"));
  m.def(
      "coherence_dataset",
      [](std::uint64_t seed, const py::kwargs& kwargs) {
        const auto o = options_from<dl::coherence_options>(py::args(), kwargs, "coherence_dataset");
        return dataset_dict(dl::coherence_dataset(o, seed));
      },
      "seed"_a = 1,
      "coherence_dataset(seed=1, **category_coherence options) -> dict: a sampled data set of the model.");
  m.def(
      "novel_property_projection",
      [](const py::object& data, const py::object& item, double t, double a0, int depth) {
        const auto d = to_dataset(data);
        return dl::novel_property_projection(d, item_of(d, item), t, a0, depth);
      },
      "data"_a, "item"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2,
      "Generalization of a novel property taught on one item to every item [S19; notes 2.10].");
  m.def(
      "novel_item_projection",
      [](const py::object& data, const py::object& feature, double t, double a0, int depth) {
        const auto d = to_dataset(data);
        return dl::novel_item_projection(d, feature_of(d, feature), t, a0, depth);
      },
      "data"_a, "feature"_a, "t"_a, "a0"_a = 1e-3, "depth"_a = 2,
      "Predicted features of a novel item taught one familiar feature [S19; notes 2.10].");
}

// simulate()'s keyword arguments: network_options and training_options with the integer lists (widths,
// record_steps) taken as float lists, which the shared binding converts (integer-valued checked here).
struct simulate_kwargs {
  dl::network_options net;
  dl::training_options tr;
  std::vector<double> widths, record_steps;

  template <class V>
  void visit(V&& v) {
    v("widths", widths, "layer widths N_in, hidden..., N_out (default N_in, 16, N_out)");
    v("activation", net.activation, "hidden-layer nonlinearity: linear, tanh or relu");
    v("init", net.init, "initial weights: small_gaussian, balanced, orthogonal or given");
    v("init_scale", net.init_scale,
      "small_gaussian: entry standard deviation; balanced: initial mode strength a0; orthogonal: per-layer gain");
    v("seed", net.seed, "seed of the initial weights (stream (seed, layer))");
    v("learning_rate", tr.learning_rate, "step eta of the sum loss (gd) or time step of the flow (rk4); t = n eta");
    v("steps", tr.steps, "number of steps");
    v("record_every", tr.record_every, "record every this many steps (0: about 100 records)");
    v("record_steps", record_steps, "explicit steps to record (overrides record_every)");
    v("record_hidden", tr.record_hidden, "record the hidden representations of every item");
    v("integrator", tr.integrator, "gd (gradient descent) or rk4 (gradient flow, Runge-Kutta 4)");
    v("reduce", tr.reduce, "evolve the last layer in the span of the targets and its initial columns when smaller");
  }
};

template <class T>
std::vector<T> integers(const std::vector<double>& x, const char* field) {
  std::vector<T> out;
  for (double v : x) {
    if (!(std::abs(v) < 1e15) || v != std::floor(v)) throw invalid_argument(field, format_value(v), "must be integers");
    out.push_back(static_cast<T>(v));
  }
  return out;
}

simulate_kwargs simulation_options(const dl::dataset& d, const py::kwargs& kwargs, const char* function) {
  auto o = options_from<simulate_kwargs>(py::args(), kwargs, function);
  o.net.widths = o.widths.empty() ? std::vector<int>{static_cast<int>(d.inputs.rows()), 16, d.features()}
                                  : integers<int>(o.widths, "widths");
  o.tr.record_steps = integers<long>(o.record_steps, "record_steps");
  return o;
}

void bind_simulation(py::module_& m) {
  m.def(
      "simulate",
      [](const py::object& data, const py::object& initial_weights, const py::kwargs& kwargs) {
        const auto d = to_dataset(data);
        auto o = simulation_options(d, kwargs, "simulate");
        std::optional<std::vector<Eigen::MatrixXd>> w;
        if (!initial_weights.is_none()) {
          w = matrices(initial_weights);
          if (!kwargs.contains("init")) o.net.init = "given";
        }
        dl::simulation_result r;
        {
          py::gil_scoped_release release;
          r = dl::simulate(d, o.net, o.tr, w);
        }
        auto out = simulation_dict(r);
        py::dict config = options_to_dict(o);
        config["widths"] = o.net.widths;
        config["init"] = o.net.init;
        out["config"] = config;
        return out;
      },
      "data"_a, "initial_weights"_a = py::none(),
      keep_doc(std::string("simulate(data, initial_weights=None, **options) -> dict\n\nFull-batch gradient descent "
                           "(or RK4 gradient flow) of a deep linear / tanh / relu network on the data set (sum loss, "
                           "t = n eta) [S14; S19]; mode strengths on the target's singular vectors. Network options: "
                           "widths (default N_in, 16, N_out), activation, init, init_scale, seed; training options: "
                           "learning_rate, steps, record_every, record_steps, record_hidden, integrator, reduce. "
                           "Returns steps, times, loss, mode_strengths (records x modes), singular_values, u, v, "
                           "hidden (per record, per hidden layer), initial_weights, weights, status, config.")));
  m.def(
      "initial_weights",
      [](const py::object& data, const py::kwargs& kwargs) {
        const auto d = to_dataset(data);
        const auto o = simulation_options(d, kwargs, "initial_weights");
        return dl::initial_weights(d, o.net);
      },
      "data"_a, "initial_weights(data, **simulate options) -> list of arrays W_1 ... W_D that simulate() starts from.");
}

py::dict curve_dict(const dl::generalization_curve_result& c) {
  return py::dict("time"_a = c.time, "train_error"_a = c.train_error, "test_error"_a = c.test_error);
}

void bind_generalization(py::module_& m) {
  m.def(
      "variances_from_snr",
      [](double snr) {
        const auto v = dl::variances_from_snr(snr);
        return py::dict("sigma_w2"_a = v.signal, "sigma_eps2"_a = v.noise);
      },
      "snr"_a, "sigma_w^2 = SNR/(1+SNR), sigma_eps^2 = 1/(1+SNR) (total variance 1).");
  const char* returns = "train_error, test_error (floats)";
  m.def(
      "generalization_error",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(args, kwargs, "generalization_error");
        const auto r = dl::generalization_error(o);
        return py::dict("train_error"_a = r.train_error, "test_error"_a = r.test_error);
      },
      options_doc<dl::generalization_options>(
          "generalization_error",
          "Advani-Saxe train and test error of a linear student at time t (inf: the asymptote) [AS; notes 3.1].",
          returns));
  m.def(
      "generalization_asymptote",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(args, kwargs, "generalization_asymptote");
        const auto r = dl::generalization_asymptote(o);
        return py::dict("train_error"_a = r.train_error, "test_error"_a = r.test_error);
      },
      options_doc<dl::generalization_options>("generalization_asymptote",
                                              "The t -> infinity errors in closed form (peak at alpha = 1).", returns));
  m.def(
      "generalization_curve",
      [](const std::vector<double>& times, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(py::args(), kwargs, "generalization_curve");
        return curve_dict(dl::generalization_curve(o, times));
      },
      "times"_a,
      "generalization_curve(times, **generalization_error options) -> dict of time, train_error, test_error.");
  m.def("log_time_grid", &dl::log_time_grid, "t_min"_a, "t_max"_a, "points"_a, "Log-spaced times.");
  m.def(
      "optimal_early_stopping",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(args, kwargs, "optimal_early_stopping");
        const auto r = dl::optimal_early_stopping(o);
        return py::dict("t_star"_a = r.t_star, "test_error"_a = r.test_error, "train_error"_a = r.train_error);
      },
      options_doc<dl::generalization_options>("optimal_early_stopping",
                                              "The time t* minimising the test error, and the errors there [AS].",
                                              "t_star, test_error, train_error"));
  m.def(
      "ridge_error",
      [](double ridge, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(py::args(), kwargs, "ridge_error");
        const auto r = dl::ridge_error(o, ridge);
        return py::dict("ridge"_a = r.ridge, "test_error"_a = r.test_error, "train_error"_a = r.train_error);
      },
      "ridge"_a, "ridge_error(ridge, **generalization options) -> dict: ridge regression's errors on the same data.");
  m.def(
      "optimal_ridge",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::generalization_options>(args, kwargs, "optimal_ridge");
        const auto r = dl::optimal_ridge(o);
        return py::dict("ridge"_a = r.ridge, "test_error"_a = r.test_error, "train_error"_a = r.train_error);
      },
      options_doc<dl::generalization_options>("optimal_ridge", "Ridge at its optimum 1/SNR (Bayes optimal).",
                                              "ridge, test_error, train_error"));
  m.def(
      "marchenko_pastur",
      [](double alpha) {
        const auto l = dl::marchenko_pastur(alpha);
        return py::dict("lower"_a = l.lower, "upper"_a = l.upper, "point_mass"_a = l.point_mass);
      },
      "alpha"_a, "Support and point mass of the Marchenko-Pastur law of X^T X.");
  m.def("marchenko_pastur_density", &dl::marchenko_pastur_density, "alpha"_a, "lam"_a,
        "Continuous Marchenko-Pastur density at each lambda.");
  m.def(
      "simulate_teacher_student",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::teacher_student_options>(args, kwargs, "simulate_teacher_student");
        dl::teacher_student_result r;
        {
          py::gil_scoped_release release;
          r = dl::simulate_teacher_student(o);
        }
        return py::dict("time"_a = r.time, "train_mean"_a = r.train_mean, "train_sem"_a = r.train_sem,
                        "test_mean"_a = r.test_mean, "test_sem"_a = r.test_sem, "train_theory"_a = r.train_theory,
                        "test_theory"_a = r.test_theory, "examples"_a = r.examples, "replicates"_a = r.replicates,
                        "config"_a = options_to_dict(o));
      },
      options_doc<dl::teacher_student_options>(
          "simulate_teacher_student", "Finite teacher-student networks (exact flow or GD), averaged over seeds [AS].",
          "time, train_mean, train_sem, test_mean, test_sem, train_theory, test_theory, examples, replicates"));
  m.def("spiked_threshold", &dl::spiked_threshold, "aspect"_a, "Visibility threshold A^{1/4} of a teacher mode [LG].");
  m.def("spiked_singular_value", py::vectorize(&dl::spiked_singular_value), "sbar"_a, "aspect"_a,
        "Inflated singular value shat(sbar) of a visible mode [LG; notes 3.2].");
  m.def("spiked_overlap", py::vectorize(&dl::spiked_overlap), "sbar"_a, "aspect"_a,
        "Overlap (ubar.uhat)(vbar.vhat) of a visible mode [LG].");
  m.def("spiked_bulk_density", &dl::spiked_bulk_density, "aspect"_a, "s"_a,
        "Density of the noise singular values (quarter circle at A = 1).");
  m.def(
      "spiked_mode_strength",
      [](double s, double a0, int depth, const std::vector<double>& times) {
        return dl::spiked_mode_strength(s, a0, depth, times);
      },
      "s"_a, "a0"_a, "depth"_a, "times"_a, "u(t) of a balanced deep mode.");
  m.def(
      "spiked_curve",
      [](const std::vector<double>& times, const py::kwargs& kwargs) {
        const auto o = options_from<dl::spiked_options>(py::args(), kwargs, "spiked_curve");
        const auto r = dl::spiked_curve(o, times);
        py::list modes;
        for (const auto& md : r.modes) {
          modes.append(
              py::dict("sbar"_a = md.sbar, "shat"_a = md.shat, "overlap"_a = md.overlap, "visible"_a = md.visible));
        }
        return py::dict("modes"_a = modes, "visible"_a = r.visible, "teacher_norm2"_a = r.teacher_norm2,
                        "bulk_lower"_a = r.bulk_lower, "bulk_upper"_a = r.bulk_upper, "time"_a = r.time,
                        "train_error"_a = r.train_error, "test_error"_a = r.test_error);
      },
      "times"_a,
      "spiked_curve(times, **options) -> dict\n\nLampinen-Ganguli train/test error over time of a deep linear "
      "student on a low-rank teacher plus noise [LG; notes 3.2]. Options: teacher, inputs, outputs, depth, a0, "
      "quadrature.");
  m.def(
      "spiked_optimal_stopping",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::spiked_options>(args, kwargs, "spiked_optimal_stopping");
        const auto r = dl::spiked_optimal_stopping(o);
        return py::dict("t_star"_a = r.t_star, "test_error"_a = r.test_error, "train_error"_a = r.train_error);
      },
      options_doc<dl::spiked_options>("spiked_optimal_stopping",
                                      "Optimal early stopping of the Lampinen-Ganguli test curve [LG].",
                                      "t_star, test_error, train_error"));
  m.def("spiked_shrinkage", py::vectorize(&dl::spiked_shrinkage), "shat"_a, "aspect"_a,
        "The optimal shrinkage of an observed singular value: sbar(shat) O(sbar(shat)) above the bulk edge, 0 below "
        "[LG].");
  m.def(
      "spiked_shrinkage_error",
      [](const py::args& args, const py::kwargs& kwargs) {
        return dl::spiked_shrinkage_error(options_from<dl::spiked_options>(args, kwargs, "spiked_shrinkage_error"));
      },
      options_doc<dl::spiked_options>("spiked_shrinkage_error",
                                      "Test error of the optimal shrinkage estimator (never above early-stopped GD).",
                                      "float"));
  m.def(
      "simulate_spiked",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto o = options_from<dl::spiked_simulation_options>(args, kwargs, "simulate_spiked");
        dl::spiked_simulation_result r;
        {
          py::gil_scoped_release release;
          r = dl::simulate_spiked(o);
        }
        return py::dict("shat_mean"_a = r.shat_mean, "shat_sem"_a = r.shat_sem, "shat_theory"_a = r.shat_theory,
                        "overlap_mean"_a = r.overlap_mean, "overlap_sem"_a = r.overlap_sem,
                        "overlap_theory"_a = r.overlap_theory, "time"_a = r.time, "train_mean"_a = r.train_mean,
                        "train_sem"_a = r.train_sem, "test_mean"_a = r.test_mean, "test_sem"_a = r.test_sem,
                        "train_theory"_a = r.train_theory, "test_theory"_a = r.test_theory,
                        "replicates"_a = r.replicates);
      },
      options_doc<dl::spiked_simulation_options>("simulate_spiked",
                                                 "Monte Carlo of the spiked model: shat, overlap, errors [LG].",
                                                 "per-mode shat/overlap mean, sem, theory; per-time errors"));
}

}  // namespace

void bind_deeplinear(py::module_& m) {
  py::options doc_options;
  doc_options.disable_function_signatures();
  bind_dynamics(m);
  bind_data(m);
  bind_semantics(m);
  bind_simulation(m);
  bind_generalization(m);
  m.def(
      "parameters",
      [](const std::string& function) {
        if (function == "learning_time") return options_fields<dl::learning_time_options>();
        if (function == "branching_diffusion" || function.rfind("hierarchy", 0) == 0) {
          return options_fields<dl::hierarchy_options>();
        }
        if (function == "category_coherence" || function == "coherence_dataset")
          return options_fields<dl::coherence_options>();
        if (function == "simulate" || function == "initial_weights") return options_fields<simulate_kwargs>();
        if (function == "generalization_error" || function == "generalization_asymptote" ||
            function == "generalization_curve" || function == "optimal_early_stopping" || function == "optimal_ridge" ||
            function == "ridge_error") {
          return options_fields<dl::generalization_options>();
        }
        if (function == "simulate_teacher_student") return options_fields<dl::teacher_student_options>();
        if (function == "spiked_curve" || function == "spiked_optimal_stopping" ||
            function == "spiked_shrinkage_error") {
          return options_fields<dl::spiked_options>();
        }
        if (function == "simulate_spiked") return options_fields<dl::spiked_simulation_options>();
        throw invalid_argument("function", function,
                               "must be learning_time, branching_diffusion, category_coherence, simulate, "
                               "generalization_error, simulate_teacher_student, spiked_curve or simulate_spiked");
      },
      "function"_a, "The keyword arguments (default, type, help) of a function taking an options struct.");
}

}  // namespace nt::python
