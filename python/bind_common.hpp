#pragma once
// Shared pieces of the Python binding. The parameter structs list their fields once, through
// `visit(v)` (see neurotheory/core/params.hpp); from that list this header generates, for any
// options struct:
//   fill_options      *args / **kwargs -> struct, by field name (unknown name or wrong type -> TypeError)
//   options_to_dict   struct -> dict
//   options_fields    {name: {"default", "type", "help"}} for introspection
//   options_doc       a docstring whose first line is the Python signature with the defaults
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "neurotheory/core/activation.hpp"

namespace nt::python {

namespace py = pybind11;

void bind_core(py::module_& m);
void bind_signalprop(py::module_& m);
void bind_isometry(py::module_& m);
void bind_expressivity(py::module_& m);
void bind_deeplinear(py::module_& m);
void bind_synapses(py::module_& m);

// An activation given either as an `Activation` object or by name.
const activation& resolve_activation(py::handle obj);

namespace detail {

template <class T>
constexpr std::string_view python_type_name() {
  if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    return "int (>= 0)";
  } else if constexpr (std::is_integral_v<T>) {
    return "int";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "float";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "str";
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    return "list[float]";
  } else {
    static_assert(!sizeof(T*), "options field of a type the binding does not know");
  }
}

// Converts one Python value into a field. Stricter than pybind11's implicit conversions where those
// would hide a mistake: bools are not numbers here, floats are not ints (no silent truncation), and
// only str is a string. A scalar is accepted for a list field (one input).
template <class T>
bool load_field(py::handle src, T& out) {
  const std::string_view type_name = Py_TYPE(src.ptr())->tp_name;
  const bool is_bool = PyBool_Check(src.ptr()) || type_name == "numpy.bool_" || type_name == "numpy.bool";
  if constexpr (std::is_same_v<T, bool>) {
    if (!is_bool) return false;
    out = src.cast<bool>();
    return true;
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (is_bool) return false;
    py::detail::make_caster<T> caster;
    if (!caster.load(src, std::is_floating_point_v<T>)) {
      PyErr_Clear();
      return false;
    }
    out = py::detail::cast_op<T>(caster);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!py::isinstance<py::str>(src)) return false;
    out = src.cast<std::string>();
    return true;
  } else {
    static_assert(std::is_same_v<T, std::vector<double>>);
    if (!is_bool && !PySequence_Check(src.ptr()) && PyNumber_Check(src.ptr())) {
      double x = 0;
      if (!load_field(src, x)) return false;
      out = {x};
      return true;
    }
    py::detail::make_caster<T> caster;
    if (is_bool || !caster.load(src, true)) {
      PyErr_Clear();
      return false;
    }
    out = py::detail::cast_op<T>(std::move(caster));
    return true;
  }
}

inline std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace detail

template <class Options>
std::vector<std::string> options_names(Options& options) {
  std::vector<std::string> names;
  options.visit([&names](const char* name, auto& /*field*/, const char* /*help*/) { names.emplace_back(name); });
  return names;
}

// Fills `options` from Python positional arguments (in field order) and keyword arguments (by field
// name), with the errors Python itself gives for a bad call: TypeError for an unknown name, a
// repeated one, too many positional arguments or a value of the wrong type. Ranges are left to the
// struct's validate() (ValueError).
template <class Options>
void fill_options(Options& options, const py::args& args, const py::kwargs& kwargs, std::string_view function) {
  const auto names = options_names(options);
  const std::string fn(function);
  if (args.size() > names.size()) {
    throw py::type_error(fn + "() takes at most " + std::to_string(names.size()) + " positional arguments (" +
                         std::to_string(args.size()) + " given)");
  }
  for (const auto& [key, value] : kwargs) {
    const auto name = py::str(key).cast<std::string>();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      throw py::type_error(fn + "() got an unexpected keyword argument '" + name +
                           "'; valid arguments: " + detail::join_names(names));
    }
    if (static_cast<std::size_t>(it - names.begin()) < args.size()) {
      throw py::type_error(fn + "() got multiple values for argument '" + name + "'");
    }
  }
  std::size_t index = 0;
  options.visit([&](const char* name, auto& field, const char* /*help*/) {
    using field_type = std::remove_cvref_t<decltype(field)>;
    py::handle value;
    if (index < args.size()) {
      value = args[index];
    } else if (kwargs.contains(name)) {
      value = kwargs[name];
    }
    ++index;
    if (!value) return;
    if (!detail::load_field(value, field)) {
      throw py::type_error(fn + "(): argument '" + name + "' must be " +
                           std::string(detail::python_type_name<field_type>()) + ", not " +
                           py::str(py::type::of(value).attr("__name__")).cast<std::string>());
    }
  });
}

template <class Options>
py::dict options_to_dict(const Options& options) {
  py::dict d;
  // visit() is non-const so the CLI can bind to the fields; reading through it changes nothing.
  const_cast<Options&>(options).visit(
      [&d](const char* name, auto& field, const char* /*help*/) { d[name] = py::cast(field); });
  return d;
}

// {name: {"default": value, "type": "float", "help": "..."}} in declaration order.
template <class Options>
py::dict options_fields() {
  Options options;  // the defaults
  py::dict d;
  options.visit([&d](const char* name, auto& field, const char* help) {
    using field_type = std::remove_cvref_t<decltype(field)>;
    py::dict f;
    f["default"] = py::cast(field);
    f["type"] = std::string(detail::python_type_name<field_type>());
    f["help"] = help;
    d[name] = f;
  });
  return d;
}

// An options struct filled from a call's arguments (TypeError for unknown names or wrong types).
template <class Options>
Options options_from(const py::args& args, const py::kwargs& kwargs, const char* function) {
  Options options;
  fill_options(options, args, kwargs, function);
  return options;
}

// Docstrings built at run time must outlive the module's function objects.
inline const char* keep_doc(std::string doc) {
  static std::deque<std::string> docs;
  return docs.emplace_back(std::move(doc)).c_str();
}

// "name(a: float = 1.0, ...) -> dict" + summary + a numpydoc Parameters section from the help texts.
template <class Options>
const char* options_doc(std::string_view function, std::string_view summary, std::string_view returns) {
  Options options;  // the defaults
  std::string signature = std::string(function) + "(";
  std::string params = "Parameters\n----------\n";
  bool first = true;
  options.visit([&](const char* name, auto& field, const char* help) {
    using field_type = std::remove_cvref_t<decltype(field)>;
    const auto type = std::string(detail::python_type_name<field_type>());
    const auto value = std::string(py::repr(py::cast(field)));
    signature += (first ? "" : ", ") + std::string(name) + ": " + (type == "int (>= 0)" ? "int" : type) + " = " + value;
    params += std::string(name) + " : " + type + ", default " + value + "\n    " + help + "\n";
    first = false;
  });
  signature += ") -> dict";
  return keep_doc(signature + "\n\n" + std::string(summary) + "\n\n" + params + "\nReturns\n-------\ndict\n    " +
                  std::string(returns) + "\n");
}

}  // namespace nt::python
