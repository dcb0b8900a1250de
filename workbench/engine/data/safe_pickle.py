"""Reading the pickled numpy arrays of CIFAR-10's batches without running any code a file names.

Python's pickle can call any function a file asks for. This unpickler knows only the few names
pickled numpy arrays need and refuses every other, so a crafted file fails to load instead of
running its payload (the approach of the pickle documentation's "Restricting Globals").
"""

from __future__ import annotations

import io
import pickle
import pickletools
from typing import IO, Any

import numpy as np

from ...i18n import _

# numpy's own array rebuilders, found without importing numpy.core (deprecated in numpy 2).
_RECONSTRUCT: Any = np.zeros(0).__reduce__()[0]
_FROMBUFFER: Any = np.zeros(0).__reduce_ex__(5)[0]  # what protocol 5 uses for contiguous arrays


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """What protocol-2 pickles call to rebuild bytes; only the encoding they use is accepted."""
    if encoding != "latin1":
        raise pickle.UnpicklingError(_("refused to decode bytes as {encoding}").format(encoding=repr(encoding)))
    return text.encode("latin1")


def _not_as_numpy() -> pickle.UnpicklingError:
    return pickle.UnpicklingError(_("refused an array made other than as numpy pickles arrays"))


class _Ndarray:
    """numpy.ndarray as a file names it, usable only by `_reconstruct`: called itself, the class
    would make an array of any shape in a few bytes, its memory promised but never checked."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Ndarray:
        raise _not_as_numpy()


def _reconstruct(kind: Any, shape: Any, typecode: Any) -> np.ndarray:
    """The empty array a pickled one starts as (its values and shape come next, from the file's
    own bytes): anything larger is refused."""
    if kind is not _Ndarray or shape != (0,):
        raise _not_as_numpy()
    array: np.ndarray = _RECONSTRUCT(np.ndarray, shape, typecode)
    return array


ALLOWED: dict[tuple[str, str], Any] = {
    ("_codecs", "encode"): _latin1,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy", "ndarray"): _Ndarray,
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
    """Load plain data and numpy arrays (Python 2 pickles included, as CIFAR-10's are).

    Every length the file claims is first checked against the bytes it holds (pickletools reads
    them without allocating what they claim; the unpickler allocates first, so a few bytes
    claiming a terabyte would end in MemoryError). A claim beyond the file raises ValueError."""
    data = file.read()
    for _op in pickletools.genops(data):
        pass
    return _ArraysOnly(io.BytesIO(data), encoding="latin1").load()
