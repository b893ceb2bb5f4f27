"""One BLAS thread while fitting.

L-BFGS-B calls BLAS on vectors of a few dozen numbers. OpenBLAS's worker threads then
spin for each call, and on a small shared machine that made an iteration about 18x
slower (6.7 ms against 0.37 ms, measured on 2 cores). The fitting code therefore runs
inside `single_threaded_blas()`, which sets the thread count of the OpenBLAS copies that
numpy and scipy ship and restores it after; where there are none (another BLAS, another
platform) it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
from collections.abc import Iterator

_GETTERS_SETTERS = (
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)
_found: list[tuple] | None = None


def _openblas_controls() -> list[tuple]:
    """(get, set) functions of each OpenBLAS bundled with numpy or scipy."""
    global _found
    if _found is not None:
        return _found
    import numpy
    import scipy

    _found = []
    for package in (numpy, scipy):
        libs = os.path.join(
            os.path.dirname(os.path.dirname(package.__file__)), package.__name__ + ".libs"
        )
        for path in sorted(glob.glob(os.path.join(libs, "*openblas*.so*"))):
            try:
                lib = ctypes.CDLL(path)  # the loaded copy when it is loaded already
            except OSError:
                continue
            for get_name, set_name in _GETTERS_SETTERS:
                get, set_ = getattr(lib, get_name, None), getattr(lib, set_name, None)
                if get is not None and set_ is not None:
                    get.restype = ctypes.c_int
                    _found.append((get, set_))
                    break
    return _found


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one OpenBLAS thread, restoring the previous count after."""
    controls = _openblas_controls()
    before = [get() for get, _ in controls]
    for _, set_ in controls:
        set_(1)
    try:
        yield
    finally:
        for (_, set_), n in zip(controls, before, strict=True):
            set_(n)
