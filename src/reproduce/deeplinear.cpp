// Reproductions of the deeplinear module (registered in reproduce.cpp through deeplinear_reproductions()).
#include "common.hpp"

namespace nt::reproduce::detail {

std::vector<reproduction_entry> deeplinear_reproductions() { return {}; }

}  // namespace nt::reproduce::detail
