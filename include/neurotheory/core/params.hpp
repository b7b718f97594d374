#pragma once
// Parameter structs are declared once: each has `validate()` and a `visit(v)` member that lists
// its fields as v(name, field, help). The CLI (flags and --help), the Python binding (keyword
// arguments) and the JSON metadata are all generated from that one list.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace nt {

template <class Options>
nlohmann::json to_json(const Options& options) {
  nlohmann::json j = nlohmann::json::object();
  // visit() is non-const so the CLI can bind to the fields; reading through it changes nothing.
  const_cast<Options&>(options).visit([&j](const char* name, auto& field, const char* /*help*/) { j[name] = field; });
  return j;
}

// Flag spelling of a field: sigma_w2 -> --sigma-w2.
inline std::string flag_name(const char* field) {
  std::string s = "--";
  for (const char* p = field; *p; ++p) s.push_back(*p == '_' ? '-' : *p);
  return s;
}

}  // namespace nt
