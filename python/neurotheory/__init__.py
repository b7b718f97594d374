"""neurotheory: executable theory of neural networks, mean-field theory next to finite-network simulation.

The C++ library is exposed module by module, mirroring its namespaces:

- ``neurotheory.core``: random streams, weight ensembles, activations, Gaussian expectations, I/O.
- ``neurotheory.signalprop``: mean-field signal propagation (fixed points, chi_1, depth scales,
  phase diagrams, critical initialisation, finite-network simulation).
- ``neurotheory.isometry``: Jacobian spectra by free probability and by simulation, universality
  classes, the initialization designer (``neurotheory.isometry.design``).
- ``neurotheory.expressivity``: a great circle or any curve through deep random networks (length,
  curvature, Grassmannian length, transitions, linear regions), theory next to simulation.
- ``neurotheory.deeplinear``: exact learning dynamics of deep linear networks, semantic development,
  generalization dynamics, gradient-descent simulation.
- ``neurotheory.synapses``: complex Markov synapses, memory curves, the memory frontier, Benna-Fusi
  consolidation, synapse design, Monte Carlo populations.

Every public name of core and signalprop is also available here, e.g. ``neurotheory.fixed_point``.
Errors: a parameter out of range raises ValueError (with a ``field`` attribute naming it), an I/O
failure OSError, a wrong keyword or type TypeError.
"""

from __future__ import annotations

import sys as _sys

from . import _neurotheory
from ._neurotheory import core, deeplinear, expressivity, isometry, signalprop, synapses

__version__: str = _neurotheory.__version__


def _check_numpy() -> None:
    # An extension built with pybind11 < 2.12 (Debian's 2.10) does not know NumPy 2's array layout:
    # arrays would come back corrupted. Fail at import with the fix instead. Without numpy at all,
    # importing still works (neurotheory.report then explains what to install).
    try:
        import numpy
    except ImportError:
        return

    if int(numpy.__version__.split(".")[0]) >= 2 and tuple(_neurotheory._pybind11_version) < (2, 12):
        raise ImportError(
            f"neurotheory was built with pybind11 {'.'.join(map(str, _neurotheory._pybind11_version))}, which "
            f"does not support NumPy {numpy.__version__}; run it with the interpreter it was built for "
            "(Debian's /usr/bin/python3 with python3-numpy 1.x) or rebuild with pybind11 >= 2.12"
        )


_check_numpy()

# `import neurotheory.core` / `from neurotheory.signalprop import fixed_point` work like real modules.
_sys.modules[__name__ + ".core"] = core
_sys.modules[__name__ + ".signalprop"] = signalprop
_sys.modules[__name__ + ".isometry"] = isometry
_sys.modules[__name__ + ".expressivity"] = expressivity
_sys.modules[__name__ + ".deeplinear"] = deeplinear
_sys.modules[__name__ + ".synapses"] = synapses


def _public(module) -> list[str]:
    return [name for name in dir(module) if not name.startswith("_")]


for _module in (core, signalprop):
    for _name in _public(_module):
        globals()[_name] = getattr(_module, _name)

__all__ = ["core", "signalprop", "isometry", "expressivity", "deeplinear", "synapses", "__version__", *_public(core), *_public(signalprop)]

del _module, _name
