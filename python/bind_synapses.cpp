// Python binding of nt::synapses: Markov synapse models, exact memory curves, the memory frontier,
// design and optimisation, Monte Carlo populations, the associative memory and the Benna-Fusi chain.
// A model is a `Model` object (a built-in, a file, or any (potentiation, depression, weights[, f_pot])
// arrays, validated: ValueError naming the matrix, row and value); wherever a function takes a model it
// also accepts such a tuple or a dict with those keys. Keyword arguments of the option structs come
// from their visit() lists (the CLI's flags); results are dicts of floats and NumPy arrays.
#include <optional>
#include <string>

#include "neurotheory/core/error.hpp"
#include "neurotheory/synapses/benna_fusi.hpp"
#include "neurotheory/synapses/design.hpp"
#include "neurotheory/synapses/frontier.hpp"
#include "neurotheory/synapses/memory_curve.hpp"
#include "neurotheory/synapses/model.hpp"
#include "neurotheory/synapses/simulate.hpp"

#include "bind_common.hpp"

namespace nt::python {
namespace {

using namespace pybind11::literals;
using namespace nt::synapses;

// A model and Monte Carlo options (the CLI's `synapses simulate`).
struct simulate_call_options {
  model_options model;
  simulation_options simulation;
  void validate() const {
    model.validate();
    simulation.validate();
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    simulation.visit(v);
  }
};

// A model and the associative network (the CLI's `synapses memory`).
struct memory_call_options {
  model_options model;
  associative_options network;
  void validate() const {
    model.validate();
    network.validate();
  }
  template <class V>
  void visit(V&& v) {
    model.visit(v);
    network.visit(v);
  }
};

markov_model model_from_arrays(const Eigen::MatrixXd& potentiation, const Eigen::MatrixXd& depression,
                               const Eigen::VectorXd& weights, double f_pot, const std::string& name) {
  markov_model m;
  m.potentiation = potentiation;
  m.depression = depression;
  m.weights = weights;
  m.f_pot = f_pot;
  m.name = name;
  m.validate();
  return m;
}

Eigen::MatrixXd matrix_arg(py::handle h, const char* field) {
  try {
    return h.cast<Eigen::MatrixXd>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string("model: '") + field + "' must be a 2-D array of floats");
  }
}

Eigen::VectorXd vector_arg(py::handle h, const char* field) {
  try {
    return h.cast<Eigen::VectorXd>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string("model: '") + field + "' must be a 1-D array of floats");
  }
}

// A Model, a (potentiation, depression, weights[, f_pot]) tuple/list, or a dict with those keys.
markov_model to_model(py::handle obj) {
  if (py::isinstance<markov_model>(obj)) return obj.cast<markov_model>();
  if (py::isinstance<py::dict>(obj)) {
    const auto d = py::reinterpret_borrow<py::dict>(obj);
    for (const char* key : {"potentiation", "depression", "weights"}) {
      if (!d.contains(key)) throw py::type_error(std::string("model dict needs the key '") + key + "'");
    }
    const double f_pot = d.contains("f_pot") ? d["f_pot"].cast<double>() : 0.5;
    const std::string name = d.contains("name") ? d["name"].cast<std::string>() : std::string();
    return model_from_arrays(matrix_arg(d["potentiation"], "potentiation"), matrix_arg(d["depression"], "depression"),
                             vector_arg(d["weights"], "weights"), f_pot, name);
  }
  if ((py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) && !py::isinstance<py::str>(obj)) {
    const auto seq = py::reinterpret_borrow<py::sequence>(obj);
    if (seq.size() == 3 || seq.size() == 4) {
      const double f_pot = seq.size() == 4 ? seq[3].cast<double>() : 0.5;
      return model_from_arrays(matrix_arg(seq[0], "potentiation"), matrix_arg(seq[1], "depression"),
                               vector_arg(seq[2], "weights"), f_pot, "");
    }
  }
  throw py::type_error(
      "model must be a Model (e.g. synapses.cascade(20, 0.5)), a (potentiation, depression, weights[, f_pot]) tuple "
      "or a dict with those keys, not " +
      py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

// Calls whose first argument may be a model object: takes it out of args/kwargs ("model" keyword or the
// first positional argument when it is not a string, i.e. not a model name). The rest fills the options.
struct split_call {
  std::optional<markov_model> model;
  py::tuple args;
  py::kwargs kwargs;
};
split_call split_model(const py::args& args, const py::kwargs& kwargs) {
  split_call s;
  s.kwargs = py::kwargs(py::dict(kwargs));  // a copy we may change
  if (s.kwargs.contains("model") && !py::isinstance<py::str>(s.kwargs["model"])) {
    s.model = to_model(s.kwargs["model"]);
    PyDict_DelItemString(s.kwargs.ptr(), "model");
    s.args = py::tuple(args);
  } else if (args.size() > 0 && !py::isinstance<py::str>(args[0])) {
    s.model = to_model(args[0]);
    py::tuple rest(args.size() - 1);
    for (std::size_t i = 1; i < args.size(); ++i) rest[i - 1] = args[i];
    s.args = rest;
    return s;
  } else {
    s.args = py::tuple(args);
  }
  return s;
}

// Options whose first member is a model_options `model`: fills the rest, and builds the model from the
// object or from the model keywords (with the CLI's rule: file= alone selects the file model).
template <class Options>
std::pair<Options, markov_model> options_and_model(const py::args& args, const py::kwargs& kwargs,
                                                   const char* function) {
  auto s = split_model(args, kwargs);
  Options options;
  if (s.model) {
    // The model keywords (name, states, ...) describe a built-in: with a model object they are errors.
    for (const char* key : {"states", "q", "x", "epsilon", "file"}) {
      if (s.kwargs.contains(key)) {
        throw py::type_error(std::string(function) + "(): '" + key +
                             "' describes a built-in model; it cannot be "
                             "combined with a model object");
      }
    }
    if (s.args.size() > 0) {
      throw py::type_error(std::string(function) + "(): give the options after a model object as keywords");
    }
    fill_options(options, py::args(py::tuple()), s.kwargs, function);
    // The model's own options stay at their defaults (valid), so validate() checks only the rest.
    options.validate();
    return {options, *s.model};
  }
  fill_options(options, py::args(s.args), s.kwargs, function);
  if (!options.model.file.empty() && !s.kwargs.contains("model")) options.model.model = "file";
  options.validate();
  return {options, make_model(options.model)};
}

py::dict to_dict(const modes& m) {
  py::dict d;
  d["tau"] = m.tau;
  d["rate"] = m.rate;
  d["weight"] = m.weight;
  d["rate_imag"] = m.rate_imag;
  d["weight_imag"] = m.weight_imag;
  d["reversible"] = m.reversible;
  d["condition"] = m.condition;
  d["real"] = m.real();
  return d;
}

py::dict to_dict(const memory_curve& c) {
  py::dict d;
  d["model"] = c.model;
  d["states"] = c.states;
  d["N"] = c.N;
  d["rate"] = c.rate;
  d["p_inf"] = c.p_inf;
  d["modes"] = to_dict(c.spectrum);
  d["time"] = c.time;
  d["snr"] = c.snr;
  d["snr0"] = c.snr0;
  d["area"] = c.area;
  d["lifetime"] = c.lifetime;
  d["threshold"] = c.threshold;
  d["noise_std"] = c.noise_std;
  d["times"] = c.times;
  d["snr_curve"] = c.snr_curve;
  d["running_average"] = c.running;
  return d;
}

py::dict to_dict(const simulation_result& r) {
  py::dict d;
  d["time"] = r.time;
  d["signal_mean"] = r.signal_mean;
  d["signal_sem"] = r.signal_sem;
  d["signal_theory"] = r.signal_theory;
  d["snr_mean"] = r.snr_mean;
  d["snr_sem"] = r.snr_sem;
  d["snr_theory"] = r.snr_theory;
  d["stationary"] = r.stationary;
  d["occupancy_end"] = r.occupancy_end;
  d["baseline"] = r.baseline;
  d["noise_std"] = r.noise_std;
  d["max_z"] = r.max_z;
  d["synapses"] = r.synapses;
  d["repetitions"] = r.repetitions;
  d["units"] = r.units;
  d["kernel"] = r.kernel;
  d["random_bits"] = r.random_bits;
  d["probability_error"] = r.probability_error;
  return d;
}

py::dict to_dict(const associative_result& r) {
  py::dict d;
  d["age"] = r.age;
  d["recall_mean"] = r.recall_mean;
  d["recall_sem"] = r.recall_sem;
  d["recall_theory"] = r.recall_theory;
  d["snr_theory"] = r.snr_theory;
  d["retrieved"] = r.retrieved;
  d["retrieved_theory"] = r.retrieved_theory;
  d["exact_theory"] = r.exact_theory;
  return d;
}

py::dict to_dict(const design_result& r) {
  py::dict d("model"_a = r.model, "parameter"_a = r.parameter, "value"_a = r.value, "lifetime"_a = r.lifetime,
             "snr"_a = r.snr, "snr0"_a = r.snr0, "objective"_a = r.objective, "lifetime_bound"_a = r.lifetime_bound,
             "snr_bound"_a = r.snr_bound, "at_boundary"_a = r.at_boundary, "evaluations"_a = r.evaluations);
  d[py::str(r.parameter)] = r.value;  // e.g. d["q"], as the CLI's --json
  return d;
}

Eigen::VectorXd times_arg(py::handle h) {
  if (PyNumber_Check(h.ptr()) && !py::isinstance<py::array>(h)) {
    Eigen::VectorXd v(1);
    v(0) = h.cast<double>();
    return v;
  }
  return h.cast<Eigen::VectorXd>();
}

// A float for a float, else an array.
py::object scalar_or_array(py::handle in, const Eigen::VectorXd& out) {
  if (PyNumber_Check(in.ptr()) && !py::isinstance<py::array>(in)) return py::float_(out(0));
  return py::cast(out);
}

}  // namespace

void bind_synapses(py::module_& m) {
  py::options doc_options;
  doc_options.disable_function_signatures();

  // ---- models -----------------------------------------------------------------------------------
  py::class_<markov_model>(m, "Model",
                           "A Markov synapse (Lahiri & Ganguli 2013): M hidden states with weights w_i, row-stochastic "
                           "M x M matrices applied at potentiating (fraction f_pot of events) and depressing events.")
      .def(py::init(&model_from_arrays), "potentiation"_a, "depression"_a, "weights"_a, "f_pot"_a = 0.5, "name"_a = "",
           "Model(potentiation, depression, weights, f_pot=0.5, name=''): validated (rows stochastic within 1e-12, "
           "entries in [0, 1], weights in [-1, 1], f_pot in (0, 1)); ValueError naming the matrix, row and value.")
      .def_property_readonly(
          "potentiation", [](const markov_model& s) { return s.potentiation; }, "M_pot (M x M).")
      .def_property_readonly(
          "depression", [](const markov_model& s) { return s.depression; }, "M_dep (M x M).")
      .def_property_readonly(
          "weights", [](const markov_model& s) { return s.weights; }, "w (M).")
      .def_property_readonly(
          "f_pot", [](const markov_model& s) { return s.f_pot; }, "fraction of potentiating events")
      .def_property_readonly(
          "name", [](const markov_model& s) { return s.name; }, "the model's name")
      .def_property_readonly("states", &markov_model::states, "M")
      .def_property_readonly("binary_weights", &markov_model::binary_weights,
                             "True when every weight is -1 or +1 (the setting of the frontier bounds)")
      .def("generator", &markov_model::generator, "W_F = f_pot M_pot + f_dep M_dep - I (rows sum to 0).")
      .def(
          "to_dict",
          [](const markov_model& s) {
            return py::dict("potentiation"_a = s.potentiation, "depression"_a = s.depression, "weights"_a = s.weights,
                            "f_pot"_a = s.f_pot, "name"_a = s.name);
          },
          "The model as a dict of arrays (accepted back wherever a model is).")
      .def(
          "to_json", [](const markov_model& s) { return to_json(s).dump(2); },
          "The model as JSON text (the format load_model reads).")
      .def("__repr__", [](const markov_model& s) {
        return "<neurotheory.synapses.Model " + (s.name.empty() ? std::string("user-defined") : s.name) + ", " +
               std::to_string(s.states()) + " states>";
      });

  m.def("binary", &binary, "q"_a, "Binary switch (Amit & Fusi 1994): M = 2, switching probability q in (0, 1].");
  m.def("serial", &serial, "states"_a, "q"_a,
        "Serial chain: M even states, potentiation one step up with probability q, depression one step down.");
  m.def("sticky_serial", &sticky_serial, "states"_a, "epsilon"_a,
        "Sticky serial chain (LG13 Fig. 5c): serial with q = 1 except exits from the end states (epsilon).");
  m.def("multistate", &multistate, "states"_a, "q"_a,
        "Multistate model: serial topology with linear weights w_i = -1 + 2i/(M-1) (not +-1).");
  m.def("cascade", &cascade, "states"_a, "x"_a = 0.5,
        "Cascade model (Fusi, Drew & Abbott 2005, as LG13's CascadeOriginal): M = 2n states, ratio x in (0, 1/2].");
  m.def(
      "load_model", [](const std::string& path) { return load_model(path); }, "path"_a,
      "A model from a TOML or JSON file (weights, potentiation, depression, optional f_pot and name), validated.");
  m.def(
      "make_model",
      [](const py::args& args, const py::kwargs& kwargs) {
        auto options = options_from<model_options>(args, kwargs, "make_model");
        if (!options.file.empty() && !kwargs.contains("model")) options.model = "file";
        return make_model(options);
      },
      options_doc<model_options>("make_model", "Any built-in model (or a file) from the CLI's model options.",
                                 "a Model (the return annotation says dict: it is a Model)."));

  // ---- exact memory curves ------------------------------------------------------------------------
  m.def(
      "stationary", [](py::handle model) { return stationary(to_model(model)); }, "model"_a,
      "Stationary distribution p_inf of the forgetting generator W_F.");
  m.def(
      "noise_std", [](py::handle model) { return noise_std(to_model(model)); }, "model"_a,
      "Per-synapse standard deviation of the ideal observer's overlap at equilibrium (1 for fair +-1 models).");
  m.def(
      "eigenmodes", [](py::handle model) { return to_dict(eigenmodes(to_model(model))); }, "model"_a,
      "Modes of SNR(t)/sqrt(N) = sum_a I_a exp(-t/tau_a): tau, rate, weight (I_a), imaginary parts, reversible.");
  m.def(
      "snr",
      [](py::handle model, py::handle times, double N, double rate) {
        return scalar_or_array(times, snr(to_model(model), times_arg(times), N, rate));
      },
      "model"_a, "times"_a, "N"_a, "rate"_a = 1.0,
      "Exact SNR(t) of N synapses (sqrt(N) included; LG13 eq. SNRcalc) at a time or an array of times.");
  m.def(
      "snr0", [](py::handle model, double N) { return snr0(to_model(model), N); }, "model"_a, "N"_a,
      "SNR(0) = sqrt(N) 2 f_pot f_dep p_inf (M_pot - M_dep) w.");
  m.def(
      "area", [](py::handle model, double N, double rate) { return area(to_model(model), N, rate); }, "model"_a, "N"_a,
      "rate"_a = 1.0, "Area under the memory curve, int_0^inf SNR dt (fundamental matrix).");
  m.def(
      "laplace", [](py::handle model, double s, double N, double rate) { return laplace(to_model(model), s, N, rate); },
      "model"_a, "s"_a, "N"_a, "rate"_a = 1.0, "Laplace transform A(s) of SNR(t), s > 0.");
  m.def(
      "running_average",
      [](py::handle model, py::handle taus, double N, double rate) {
        return scalar_or_array(taus, running_average(to_model(model), times_arg(taus), N, rate));
      },
      "model"_a, "tau"_a, "N"_a, "rate"_a = 1.0, "Running average SNRbar(tau) = A(1/tau)/tau (mean recall time tau).");
  m.def(
      "lifetime",
      [](py::handle model, double N, double rate, double threshold) {
        return lifetime(to_model(model), N, rate, threshold);
      },
      "model"_a, "N"_a, "rate"_a = 1.0, "threshold"_a = 1.0,
      "First time SNR(t) falls to threshold (0 if SNR(0) <= threshold, inf if never).");
  m.def(
      "curve",
      [](const py::args& args, const py::kwargs& kwargs) {
        auto [options, model] = options_and_model<curve_options>(args, kwargs, "curve");
        memory_curve c;
        {
          py::gil_scoped_release release;
          c = compute_curve(model, options);
        }
        return to_dict(c);
      },
      options_doc<curve_options>(
          "curve",
          "The memory curve of N synapses (the CLI's `synapses curve`): model by name (model='cascade', states=20, "
          "x=0.5; file=path) or model=<Model | (potentiation, depression, weights[, f_pot])>.",
          "model, states, N, rate, time, snr (at time, sqrt(N) included), snr0, area, lifetime, threshold, noise_std; "
          "p_inf, times, snr_curve, running_average (arrays); modes (dict)."));

  // ---- bounds ---------------------------------------------------------------------------------------
  m.def("initial_snr_bound", &initial_snr_bound, "N"_a, "SNR(0) <= sqrt(N) for any model (LG13 eq. 8).");
  m.def(
      "flux", [](py::handle model, double rate) { return flux(to_model(model), rate); }, "model"_a, "rate"_a = 1.0,
      "Equilibrium probability flux Phi_{-+} from w = -1 to w = +1 states.");
  m.def(
      "flux_bound", [](py::handle model, double N) { return flux_bound(to_model(model), N); }, "model"_a, "N"_a,
      "The model's own initial-SNR bound 4 sqrt(N) Phi_{-+} / r.");
  m.def("area_bound", &area_bound, "states"_a, "N"_a, "rate"_a = 1.0, "Area <= sqrt(N)(M - 1)/r (LG13 eq. 12).");
  m.def(
      "snr_max",
      [](py::handle times, int states, double N, double rate) {
        return scalar_or_array(times, snr_max(times_arg(times), states, N, rate));
      },
      "times"_a, "states"_a, "N"_a, "rate"_a = 1.0,
      "The memory frontier (envelope, LG13 eq. 15) of M-state synapses at a time or array of times.");
  m.def("running_average_max", &running_average_max, "tau"_a, "states"_a, "N"_a, "rate"_a = 1.0,
        "Running-average envelope sqrt(N)(M-1)/(r tau + M - 1).");
  m.def("running_average_conjectured", &running_average_conjectured, "tau"_a, "states"_a, "N"_a, "gamma"_a = 2.0,
        "rate"_a = 1.0, "The conjectured tighter running-average envelope for detailed-balance models (M > 3).");
  m.def("lifetime_bound", &lifetime_bound, "states"_a, "N"_a, "rate"_a = 1.0, "threshold"_a = 1.0,
        "Lifetime bound sqrt(N)(M-1)/(threshold e r) (valid for N > (threshold e)^2).");
  m.def(
      "check_modes",
      [](py::handle model) {
        const auto mm = to_model(model);
        const auto c = check_modes(eigenmodes(mm), mm.states());
        return py::dict("sum_weight"_a = c.sum_weight, "sum_weight_tau"_a = c.sum_weight_tau,
                        "bound_weight"_a = c.bound_weight, "bound_weight_tau"_a = c.bound_weight_tau,
                        "satisfied"_a = c.satisfied);
      },
      "model"_a, "Mode-sum constraints sum I_a <= 1 and sum I_a tau_a <= M - 1 (LG13 eq. 14).");
  m.def(
      "frontier",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<frontier_options>(args, kwargs, "frontier");
        const auto f = frontier(options);
        return py::dict("snr_max"_a = f.snr_max, "running_average_max"_a = f.running_average_max,
                        "initial_snr_bound"_a = f.initial_snr_bound, "area_bound"_a = f.area_bound,
                        "lifetime_bound"_a = f.lifetime_bound);
      },
      options_doc<frontier_options>("frontier", "The memory frontier at one time (the CLI's `synapses frontier`).",
                                    "snr_max, running_average_max, initial_snr_bound, area_bound, lifetime_bound."));

  // ---- design -----------------------------------------------------------------------------------------
  m.def(
      "design",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<design_options>(args, kwargs, "design");
        design_result r;
        {
          py::gil_scoped_release release;
          r = design(options);
        }
        return to_dict(r);
      },
      options_doc<design_options>("design",
                                  "The best parameter of a family for N synapses and a target (lifetime or SNR at "
                                  "time); the CLI's `synapses design`.",
                                  "model, parameter (q | epsilon | x | variables), value and the same under its own "
                                  "name, lifetime, snr, snr0, objective, lifetime_bound, snr_bound, at_boundary, "
                                  "evaluations."));
  m.def(
      "laplace_gradient",
      [](py::handle model, double tau, double N, double rate) {
        const auto g = laplace_gradient(to_model(model), tau, N, rate);
        return py::dict("value"_a = g.value, "potentiation"_a = g.potentiation, "depression"_a = g.depression);
      },
      "model"_a, "tau"_a, "N"_a, "rate"_a = 1.0,
      "SNRbar(tau) and its gradient with respect to the entries of M_pot and M_dep.");
  m.def(
      "optimise",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<optimise_options>(args, kwargs, "optimise");
        optimise_result r;
        {
          py::gil_scoped_release release;
          r = optimise_model(options);
        }
        return py::dict("model"_a = r.model, "running_average"_a = r.running_average, "envelope"_a = r.envelope,
                        "start_values"_a = r.start_values, "final_values"_a = r.final_values,
                        "best_restart"_a = r.best_restart);
      },
      options_doc<optimise_options>("optimise",
                                    "A free M-state model optimised toward the frontier by gradient ascent on "
                                    "SNRbar(tau) (softmax rows, seeded restarts).",
                                    "model (Model), running_average, envelope, start_values, final_values, "
                                    "best_restart."));
  m.def(
      "lifetime_scaling",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<scaling_options>(args, kwargs, "lifetime_scaling");
        scaling_table t;
        {
          py::gil_scoped_release release;
          t = lifetime_scaling(options);
        }
        py::dict fits;
        for (const auto& f : t.fits) {
          fits[py::str(f.model)] = py::dict("exponent"_a = f.exponent, "law"_a = f.law, "coefficient"_a = f.coefficient,
                                            "spread"_a = f.spread);
        }
        return py::dict("model"_a = t.model, "N"_a = py::array(py::cast(t.N)),
                        "parameter"_a = py::array(py::cast(t.parameter)),
                        "lifetime"_a = py::array(py::cast(t.lifetime)), "fits"_a = fits);
      },
      options_doc<scaling_options>("lifetime_scaling", "Best lifetime against N for each family, with fitted laws.",
                                   "model (list of str, one per row), N, parameter, lifetime (arrays), fits (dict "
                                   "per family: exponent, law, coefficient, spread)."));

  // ---- Monte Carlo and the associative memory ---------------------------------------------------------
  m.def(
      "simulate",
      [](const py::args& args, const py::kwargs& kwargs) {
        auto [options, model] = options_and_model<simulate_call_options>(args, kwargs, "simulate");
        simulation_result r;
        {
          py::gil_scoped_release release;
          r = simulate(model, options.simulation);
        }
        return to_dict(r);
      },
      options_doc<simulate_call_options>(
          "simulate",
          "Monte Carlo of a population of synapses (the CLI's `synapses simulate`): the ideal observer's signal of "
          "one memory over time next to the exact curve. Model by name or model=<Model | arrays>.",
          "time, signal_mean, signal_sem, signal_theory, snr_mean, snr_sem, snr_theory, stationary, occupancy_end "
          "(arrays); baseline, noise_std, max_z, synapses, repetitions, units, kernel, random_bits, "
          "probability_error."));
  m.def(
      "exact_signal",
      [](py::handle model, const Eigen::VectorXd& times, const std::string& time, double rate) {
        return exact_signal(to_model(model), times, time, rate);
      },
      "model"_a, "times"_a, "time"_a = "discrete", "rate"_a = 1.0,
      "Exact mean signal E S(t) per synapse (discrete: one memory per step; poisson: events at rate r).");
  m.def(
      "associative_memory",
      [](const py::args& args, const py::kwargs& kwargs) {
        auto [options, model] = options_and_model<memory_call_options>(args, kwargs, "associative_memory");
        associative_result r;
        {
          py::gil_scoped_release release;
          r = associative_memory(model, options.network);
        }
        return to_dict(r);
      },
      options_doc<memory_call_options>(
          "associative_memory",
          "A feed-forward palimpsest whose synapses are the model, storing a stream of random patterns; recall "
          "against pattern age (the CLI's `synapses memory`).",
          "age, recall_mean, recall_sem, recall_theory, snr_theory (arrays); retrieved, retrieved_theory, "
          "exact_theory."));

  // ---- Benna-Fusi --------------------------------------------------------------------------------------
  m.def(
      "benna_fusi",
      [](py::handle times, double N, double threshold, const py::kwargs& kwargs) {
        const auto options = options_from<benna_fusi_options>(py::args(py::tuple()), kwargs, "benna_fusi");
        const Eigen::ArrayXd t = times_arg(times).array();
        benna_fusi_curve c;
        Eigen::VectorXd rates, weights;
        {
          py::gil_scoped_release release;
          c = benna_fusi_memory_curve(options, t, N, threshold);
          const benna_fusi_chain chain(options);
          rates = chain.rates();
          weights = chain.weights();
        }
        return py::dict("time"_a = c.time, "impulse_response"_a = c.impulse_response, "snr"_a = c.snr,
                        "log_slope"_a = c.log_slope, "snr0"_a = c.snr0, "variance"_a = c.variance,
                        "lifetime"_a = c.lifetime, "slowest_time"_a = c.slowest_time, "rates"_a = rates,
                        "weights"_a = weights);
      },
      "times"_a, "N"_a, "threshold"_a = 1.0,
      options_doc<benna_fusi_options>(
          "benna_fusi",
          "The Benna-Fusi chain of m coupled variables (Benna & Fusi 2016): impulse response G(t), SNR(t) of N "
          "synapses, local log-slope, lifetime. Call as benna_fusi(times, N, threshold=1.0, **chain) with the chain "
          "keywords below.",
          "time, impulse_response, snr, log_slope, rates, weights (arrays); snr0, variance, lifetime, slowest_time."));
  m.def(
      "benna_fusi_best",
      [](double N, double threshold, int max_variables, const py::kwargs& kwargs) {
        const auto options = options_from<benna_fusi_options>(py::args(py::tuple()), kwargs, "benna_fusi_best");
        const auto b = benna_fusi_best_variables(options, N, threshold, max_variables);
        return py::dict("variables"_a = b.variables, "lifetime"_a = b.lifetime, "snr0"_a = b.snr0,
                        "slowest_time"_a = b.slowest_time);
      },
      "N"_a, "threshold"_a = 1.0, "max_variables"_a = 60,
      "The number of variables m that maximises the Benna-Fusi lifetime for N synapses (chain keywords as "
      "benna_fusi): variables, lifetime, snr0, slowest_time.");
  m.def(
      "benna_fusi_simulate",
      [](const py::args& args, const py::kwargs& kwargs) {
        const auto options = options_from<benna_fusi_discrete_options>(args, kwargs, "benna_fusi_simulate");
        benna_fusi_discrete_result r;
        {
          py::gil_scoped_release release;
          r = benna_fusi_simulate(options);
        }
        return py::dict("step"_a = r.step, "signal"_a = r.signal, "signal_stderr"_a = r.signal_stderr,
                        "theory_signal"_a = r.theory_signal, "variance"_a = r.variance,
                        "theory_variance"_a = r.theory_variance, "substeps"_a = r.substeps);
      },
      options_doc<benna_fusi_discrete_options>(
          "benna_fusi_simulate",
          "The discretised Benna-Fusi chain by simulation (levels per variable, bound), next to the linear chain.",
          "step, signal, signal_stderr, theory_signal (arrays); variance, theory_variance, substeps."));

  m.def(
      "parameters",
      [](const std::string& function) {
        if (function == "curve") return options_fields<curve_options>();
        if (function == "frontier") return options_fields<frontier_options>();
        if (function == "design") return options_fields<design_options>();
        if (function == "optimise") return options_fields<optimise_options>();
        if (function == "lifetime_scaling") return options_fields<scaling_options>();
        if (function == "simulate") return options_fields<simulate_call_options>();
        if (function == "associative_memory") return options_fields<memory_call_options>();
        if (function == "benna_fusi" || function == "benna_fusi_best") return options_fields<benna_fusi_options>();
        if (function == "benna_fusi_simulate") return options_fields<benna_fusi_discrete_options>();
        if (function == "make_model") return options_fields<model_options>();
        throw invalid_argument("function", function,
                               "one of: curve, frontier, design, optimise, lifetime_scaling, simulate, "
                               "associative_memory, benna_fusi, benna_fusi_best, benna_fusi_simulate, make_model");
      },
      "function"_a,
      "The keyword arguments of a function as {name: {'default', 'type', 'help'}}: the C++ field and CLI flag names.");
}

}  // namespace nt::python
