"""Accumulator partials on their way back from Spark's executors: pickled there, read back here by an
unpickler that builds nothing but govkit's own classes, numpy arrays and plain Python values.

The bytes come from govkit's own code on the executors, but they cross the cluster's network and
shuffle files; reading them with a plain ``pickle.loads`` would run whatever a tampered blob names.
An accumulator's partial (counts, sums, sorted arrays in govkit dataclasses) needs no more than the
names allowed here, and any other name is refused with the name in the message.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

# numpy's own pickling helpers (arrays, dtypes, scalars), under numpy 1.x and 2.x module names
_NUMPY = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
}
_BUILTINS = {"set", "frozenset", "slice", "complex", "bytearray", "range"}


class _PartialUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("govkit.") and module.split(".")[1] in ("families", "context", "engines"):
            found = super().find_class(module, name)
            if isinstance(found, type):  # classes only: never a function of govkit called with pickled arguments
                return found
        elif (module, name) in _NUMPY or (module == "builtins" and name in _BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"a partial count from Spark names {module}.{name}, which an accumulator's partial never holds"
        )


def dump_partial(partial: Any) -> bytes:
    """A partial as bytes, on an executor."""
    return pickle.dumps(partial, protocol=pickle.HIGHEST_PROTOCOL)


def load_partial(blob: bytes) -> Any:
    """A partial back from its bytes, on the driver; ``pickle.UnpicklingError`` for any other name."""
    return _PartialUnpickler(io.BytesIO(blob)).load()
