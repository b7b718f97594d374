// Reproductions of the synapses module (registered in reproduce.cpp through synapses_reproductions()).
#include "common.hpp"

namespace nt::reproduce::detail {

std::vector<reproduction_entry> synapses_reproductions() { return {}; }

}  // namespace nt::reproduce::detail
