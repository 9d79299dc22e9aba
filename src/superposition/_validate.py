"""Argument validation shared by every public kernel.

Each helper raises ``ValueError`` (bad value) or ``TypeError`` (bad type) with a
message that names the parameter and the allowed range, so a reader who passes
``m=1`` learns at once what went wrong and what would be accepted.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_int",
    "as_float",
    "as_rng",
    "as_index_array",
    "require_size",
]


def as_int(name: str, value: object, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` after checking it is integral and in range.

    Accepts Python and numpy integers, and floats that are exactly integral
    (``1e4``), because readers write sizes that way; rejects ``bool``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        if not np.isfinite(value) or float(value) != int(value):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        out = int(value)
    _check_range(name, out, min_value, max_value)
    return out


def as_float(
    name: str,
    value: object,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite ``float`` in the given (open or closed) interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    lo_ok = min_value is None or (out >= min_value if min_inclusive else out > min_value)
    hi_ok = max_value is None or (out <= max_value if max_inclusive else out < max_value)
    if not (lo_ok and hi_ok):
        lo = "-inf" if min_value is None else f"{min_value:g}"
        hi = "inf" if max_value is None else f"{max_value:g}"
        lb = "[" if (min_inclusive and min_value is not None) else "("
        rb = "]" if (max_inclusive and max_value is not None) else ")"
        raise ValueError(f"{name} must lie in {lb}{lo}, {hi}{rb}, got {value!r}")
    return out


def _check_range(name: str, value: int, lo: int | None, hi: int | None) -> None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if hi is None:
            raise ValueError(f"{name} must be an integer >= {lo}, got {value}")
        if lo is None:
            raise ValueError(f"{name} must be an integer <= {hi}, got {value}")
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value}")


def as_rng(rng: np.random.Generator | int) -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or an integer seed; reject anything else.

    ``None`` is rejected on purpose: every random draw in the book is seeded.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a numpy.random.Generator (np.random.default_rng(seed)) or an integer seed, "
        f"got {type(rng).__name__}"
    )


def as_index_array(
    name: str, value: object, *, ndim: int, upper: int, upper_name: str, distinct_rows: bool = False
) -> np.ndarray:
    """Validate an integer index array with entries in ``[0, upper)``.

    ``distinct_rows=True`` additionally requires the entries within each row to be
    distinct (a set of active features may not repeat a feature).
    """
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if arr.size == 0:
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d integer array, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= upper):
        raise ValueError(
            f"{name} entries must lie in [0, {upper_name}) = [0, {upper}), "
            f"got values from {arr.min()} to {arr.max()}"
        )
    if distinct_rows and arr.ndim == 2 and arr.shape[1] > 1:
        srt = np.sort(arr, axis=1)
        bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
        if bad.size:
            raise ValueError(f"{name} row {bad[0]} repeats an index: {arr[bad[0]].tolist()}")
    return arr.astype(np.int64, copy=False)


def require_size(what: str, n_bytes: float, *, limit_bytes: float, advice: str) -> None:
    """Refuse an allocation larger than ``limit_bytes`` with a message that says how to chunk."""
    if n_bytes > limit_bytes:
        raise ValueError(
            f"{what} would need {n_bytes / 2**20:,.0f} MiB (limit {limit_bytes / 2**20:,.0f} MiB); {advice}"
        )
