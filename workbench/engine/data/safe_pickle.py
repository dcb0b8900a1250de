"""Reading the pickled numpy arrays of CIFAR-10's batches without running any code a file names.

Python's pickle can call any function a file asks for. This unpickler knows only the few names
pickled numpy arrays need and refuses every other, so a crafted file fails to load instead of
running its payload (the approach of the pickle documentation's "Restricting Globals").
"""

from __future__ import annotations

import pickle
from typing import IO, Any

import numpy as np

from ...i18n import _

# numpy's own array rebuilders, found without importing numpy.core (deprecated in numpy 2).
_RECONSTRUCT = np.zeros(0).__reduce__()[0]
_FROMBUFFER = np.zeros(0).__reduce_ex__(5)[0]  # what protocol 5 uses for contiguous arrays


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """What protocol-2 pickles call to rebuild bytes; only the encoding they use is accepted."""
    if encoding != "latin1":
        raise pickle.UnpicklingError(_("refused to decode bytes as {encoding}").format(encoding=repr(encoding)))
    return text.encode("latin1")


ALLOWED: dict[tuple[str, str], Any] = {
    ("_codecs", "encode"): _latin1,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                _("refused to load {name}: only numpy arrays are read").format(name=f"{module}.{name}")
            ) from None


def safe_unpickle(file: IO[bytes]) -> Any:
    """Load plain data and numpy arrays (Python 2 pickles included, as CIFAR-10's are)."""
    return _ArraysOnly(file, encoding="latin1").load()
