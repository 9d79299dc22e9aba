"""Representing many features in few dimensions (Chapter 1).

The kernels behind the Johnson–Lindenstrauss chapter: how many dimensions a
random embedding needs, how almost-orthogonal its feature directions are, and
how well a linear readout recovers a sparse set of active features.

Conventions (see ``book/notation.md``): an embedding ``E`` is a ``d × m``
matrix whose column ``e_i`` is the unit-norm direction of feature ``i``; an
input with active set ``S`` (``|S| = s``) is ``x = Σ_{i∈S} e_i``; in code a
batch of active sets is a ``(batch, s)`` integer array of distinct indices.

Kernels
-------
jl_min_dim
    The Dasgupta–Gupta dimension ``k ≥ 4 ln N / (ε²/2 − ε³/3)``, rounded up.
jl_distortion
    The inverse: the distortion ``ε`` that Dasgupta–Gupta guarantees in ``k`` dimensions.
almost_orthogonal_dim, random_coherence_scale
    ``d = 4 ln m / ε²`` dimensions suffice for ``m`` random ``±1/√d`` vectors to be
    ``ε``-almost-orthogonal; conversely their coherence is about ``√(4 ln m / d)``.
welch_bound
    The smallest coherence any ``m`` unit vectors in ``d`` dimensions can have.
random_embedding
    A ``d × m`` matrix with unit-norm columns: Gaussian, Rademacher or sparse.
max_coherence
    The largest ``|cos|`` between two distinct columns, in float32 GEMM blocks
    over the upper triangle only, never holding the ``m × m`` Gram matrix.
pairwise_distortion
    ``‖E(f_a − f_b)‖² / ‖f_a − f_b‖² − 1`` over all pairs of a set of points.
sample_active_sets, readout, interference, threshold_decode, recovery_error_rate
    Reading ``s`` active features back from ``x = E f``.
predicted_interference_std, predicted_recovery_error
    The Gaussian predictions ``√(s/d)`` and the resulting exact-recovery error rate.
chirp_code
    A structured real code (realified Alltop chirps): ``2p²`` vectors in ``ℝ^{2p}``, coherence exactly ``1/√p``.
polarization_errors
    Inner-product error and squared-length distortion of a map on the standard basis (polarization).
worst_interference
    The largest readout of an inactive feature over every ``s``-sparse input (adversarial active set).
plot_representation_explorer, representation_explorer
    The figure behind the chapter's interactive explorer, and the explorer (ipywidgets sliders).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import ndtr

from ._validate import as_float, as_index_array, as_int, as_rng, require_size

__all__ = [
    "EMBEDDING_KINDS",
    "jl_min_dim",
    "jl_distortion",
    "almost_orthogonal_dim",
    "random_coherence_scale",
    "welch_bound",
    "random_embedding",
    "predicted_coherence",
    "max_coherence",
    "pairwise_distortion",
    "sample_active_sets",
    "readout",
    "interference",
    "threshold_decode",
    "recovery_error_rate",
    "predicted_interference_std",
    "predicted_recovery_error",
    "chirp_code",
    "polarization_errors",
    "worst_interference",
    "plot_representation_explorer",
    "representation_explorer",
]

#: The embedding kinds :func:`random_embedding` draws.
EMBEDDING_KINDS = ("gaussian", "rademacher", "sparse")

#: Fraction of nonzero entries per column of a ``"sparse"`` embedding (Achlioptas's 1/3).
SPARSE_DENSITY = 1.0 / 3.0

#: Readouts within this distance of the threshold are ties, decoded as off (see :func:`threshold_decode`).
TIE_TOL = 1e-9

# Refuse single arrays above this size (Binder has about 2 GB); the message says how to chunk.
_MAX_BYTES = 1.5 * 2**30


# --------------------------------------------------------------------------------------------
# validation helpers for array arguments (the scalar ones live in superposition._validate)
# --------------------------------------------------------------------------------------------


def _int_array(name: str, value, *, min_value: int) -> np.ndarray:
    """``value`` as an int64 array of integral entries ``>= min_value`` (scalars become 0-d arrays)."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise TypeError(f"{name} must be an integer, got bool {value!r}")
    arr = np.asarray(value)
    if arr.dtype == bool:
        raise TypeError(f"{name} must hold integers, got a boolean array")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be an integer or an array of integers, got {type(value).__name__} {value!r}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise ValueError(f"{name} must be an integer (or an array of integers), got {value!r}")
    out = arr.astype(np.int64)
    if out.size and out.min() < min_value:
        raise ValueError(f"{name} must be an integer >= {min_value}, got {out.min()}")
    return out


def _float_array_open01(name: str, value) -> np.ndarray:
    """``value`` as a float array with every entry in the open interval (0, 1)."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real number or an array of them, got {type(value).__name__} {value!r}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or np.any(arr >= 1):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {value!r}")
    return arr


def _scalar_or_array(arr: np.ndarray, *inputs) -> int | float | np.ndarray:
    """Return a Python scalar when every input was a scalar, else the array."""
    if all(np.ndim(x) == 0 for x in inputs):
        return arr.item()
    return arr


def _as_embedding(E, name: str = "E") -> np.ndarray:
    """Check ``E`` is a real 2-d array with at least two columns and one row."""
    arr = np.asarray(E)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real d × m array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array of shape (d, m), got shape {arr.shape}")
    d, m = arr.shape
    if d < 1:
        raise ValueError(f"{name} must have d >= 1 rows, got shape {arr.shape}")
    if m < 2:
        raise ValueError(f"{name} must have m >= 2 columns (features), got shape {arr.shape}")
    return arr


def _column_norms(E: np.ndarray, name: str = "E") -> np.ndarray:
    """Float64 column norms of ``E``; rejects zero or non-finite columns (their cosine is undefined)."""
    Ef = E if np.issubdtype(E.dtype, np.floating) else E.astype(np.float64)
    sq = np.einsum("ij,ij->j", Ef, Ef, dtype=np.float64)
    if not np.all(np.isfinite(sq)):
        bad = int(np.flatnonzero(~np.isfinite(sq))[0])
        raise ValueError(f"{name} must be finite; column {bad} holds inf or nan")
    if np.any(sq == 0):
        bad = int(np.flatnonzero(sq == 0)[0])
        raise ValueError(f"{name} column {bad} is zero, so its direction (and cosine) is undefined")
    return np.sqrt(sq)


# --------------------------------------------------------------------------------------------
# bounds
# --------------------------------------------------------------------------------------------


def jl_min_dim(n_points, eps):
    """Dimension that the Johnson–Lindenstrauss lemma guarantees suffices (Dasgupta & Gupta).

    .. math:: k = \\left\\lceil \\frac{4 \\ln N}{\\varepsilon^2/2 - \\varepsilon^3/3} \\right\\rceil

    Any ``N`` points of a Euclidean space map into ``k`` dimensions with every
    squared pairwise distance preserved up to a factor in ``[1 − ε, 1 + ε]``.

    Parameters
    ----------
    n_points : int or array of int
        Number of points ``N >= 2``.
    eps : float or array of float
        Distortion ``ε`` in the open interval (0, 1).  Broadcasts against ``n_points``.

    Returns
    -------
    int or numpy.ndarray of int64
        ``k``, rounded *up* (scikit-learn's ``johnson_lindenstrauss_min_dim``
        truncates instead, so it can report one less).  A Python ``int`` when
        both arguments are scalars.

    Examples
    --------
    >>> jl_min_dim(1000, 0.5)
    332
    >>> jl_min_dim([100, 10**6], 0.1).tolist()
    [3948, 11842]

    References
    ----------
    - W. B. Johnson and J. Lindenstrauss, "Extensions of Lipschitz mappings into a Hilbert space", 1984.
    - S. Dasgupta and A. Gupta, "An elementary proof of a theorem of Johnson and Lindenstrauss", 2003.
    """
    n = _int_array("n_points", n_points, min_value=2)
    e = _float_array_open01("eps", eps)
    k = np.ceil(4.0 * np.log(n) / (e**2 / 2.0 - e**3 / 3.0)).astype(np.int64)
    return _scalar_or_array(k, n_points, eps)


def jl_distortion(n_points, k):
    """The distortion ``ε`` that the Dasgupta–Gupta bound guarantees for ``N`` points in ``k`` dimensions.

    Solves ``ε²/2 − ε³/3 = 4 ln N / k`` for ``ε`` in (0, 1) (the left side
    increases on that interval up to 1/6).  Where ``k`` is too small for any
    ``ε < 1`` (``4 ln N / k >= 1/6``), the result is ``nan``: the bound says nothing.

    Parameters
    ----------
    n_points : int or array of int
        Number of points ``N >= 2``.
    k : int or array of int
        Target dimension ``k >= 1``.  Broadcasts against ``n_points``.

    Returns
    -------
    float or numpy.ndarray
    """
    n = _int_array("n_points", n_points, min_value=2)
    kk = _int_array("k", k, min_value=1)
    target = 4.0 * np.log(n) / kk
    target, _ = np.broadcast_arrays(target, np.empty(np.broadcast_shapes(n.shape, kk.shape)))
    lo = np.zeros(target.shape)
    hi = np.ones(target.shape)
    for _ in range(60):  # bisection: g(ε) = ε²/2 − ε³/3 is increasing on (0, 1)
        mid = (lo + hi) / 2.0
        below = mid**2 / 2.0 - mid**3 / 3.0 < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    eps = np.where(target < 1.0 / 6.0, (lo + hi) / 2.0, np.nan)
    return _scalar_or_array(eps, n_points, k)


def almost_orthogonal_dim(m, eps):
    """Dimension ``⌈4 ln m / ε²⌉`` that suffices for ``m`` random ``±1/√d`` vectors to be ε-almost-orthogonal.

    By Hoeffding's inequality a pair has ``P(|⟨u_i, u_j⟩| ≥ ε) ≤ 2 e^{−dε²/2}``;
    a union bound over the ``m(m−1)/2`` pairs fails with probability at most
    ``m(m−1) e^{−dε²/2}``, which is below 1 once ``d ≥ 4 ln m / ε²``.

    Parameters
    ----------
    m : int or array of int
        Number of vectors, ``m >= 2``.
    eps : float or array of float
        Largest allowed ``|cos|``, in (0, 1).

    Returns
    -------
    int or numpy.ndarray of int64
    """
    mm = _int_array("m", m, min_value=2)
    e = _float_array_open01("eps", eps)
    d = np.ceil(4.0 * np.log(mm) / e**2).astype(np.int64)
    return _scalar_or_array(d, m, eps)


def random_coherence_scale(m, d):
    """``√(4 ln m / d)``: the ε at which ``d = 4 ln m / ε²``, the scale of a random embedding's coherence.

    Parameters
    ----------
    m : int or array of int
        Number of features, ``m >= 2``.
    d : int or array of int
        Dimension, ``d >= 1``.

    Returns
    -------
    float or numpy.ndarray
    """
    mm = _int_array("m", m, min_value=2)
    dd = _int_array("d", d, min_value=1)
    out = np.sqrt(4.0 * np.log(mm) / dd)
    return _scalar_or_array(out, m, d)


def welch_bound(m, d):
    """Welch's lower bound on the coherence of any ``m`` unit vectors in ``d`` dimensions.

    .. math:: \\mu \\ge \\sqrt{\\frac{m - d}{d\\,(m - 1)}} \\quad (m > d), \\qquad 0 \\text{ otherwise}

    (For ``m <= d`` the vectors can be orthonormal, so the floor is 0.)

    Parameters
    ----------
    m : int or array of int
        Number of vectors, ``m >= 2``.
    d : int or array of int
        Dimension, ``d >= 1``.  Broadcasts against ``m``.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> welch_bound(3, 2)   # three directions in the plane at 120°: cos = −1/2
    0.5
    """
    mm = _int_array("m", m, min_value=2).astype(np.float64)
    dd = _int_array("d", d, min_value=1).astype(np.float64)
    out = np.sqrt(np.maximum(mm - dd, 0.0) / (dd * (mm - 1.0)))
    return _scalar_or_array(out, m, d)


# --------------------------------------------------------------------------------------------
# embeddings and their coherence
# --------------------------------------------------------------------------------------------


def predicted_coherence(m, d):
    """Extreme-value prediction of the coherence of ``m`` random unit vectors in ``d`` dimensions.

    Treats the ``C = m (m − 1) / 2`` cosines as independent ``N(0, 1/d)`` and returns the median of
    their largest absolute value, the ``t`` with ``(1 − 2 Q(t √d))^C = 1/2``:
    ``t = Q⁻¹((1 − 2^{−1/C}) / 2) / √d`` (``Q`` the standard normal tail).  Arrays broadcast.
    """
    from scipy.stats import norm

    m = np.asarray(m, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    if np.any(m < 2) or np.any(d < 1):
        raise ValueError("m must be at least 2 and d at least 1")
    pairs = m * (m - 1) / 2
    return norm.isf(-np.expm1(-np.log(2.0) / pairs) / 2) / np.sqrt(d)


def random_embedding(m, d, kind, rng, *, dtype=np.float64):
    """A random ``d × m`` embedding with unit-norm columns, one column per feature.

    Parameters
    ----------
    m : int
        Number of features (columns), ``m >= 2``.
    d : int
        Dimension (rows), ``d >= 1``.
    kind : {"gaussian", "rademacher", "sparse"}
        ``"gaussian"``: i.i.d. standard normal entries, each column divided by its
        norm (a uniformly random direction).
        ``"rademacher"``: i.i.d. entries ``±1/√d`` (already unit norm).
        ``"sparse"``: each column has exactly ``q = ⌈d/3⌉`` nonzero entries
        ``±1/√q`` in uniformly random rows — Achlioptas's density 1/3, with the
        count fixed per column as in Kane & Nelson's sparse JL transforms, so
        every column has norm exactly 1 and none is zero.
    rng : numpy.random.Generator or int
        The random generator, or a seed for ``np.random.default_rng``.  Required: there is no
        default seed, so two embeddings are never silently the same draw.
    dtype : numpy float dtype, optional
        ``np.float64`` (default) or ``np.float32`` (half the memory).

    Returns
    -------
    numpy.ndarray, shape (d, m)

    Notes
    -----
    For every kind, two distinct columns have ``E⟨e_i, e_j⟩ = 0`` and
    ``E⟨e_i, e_j⟩² = 1/d``.
    """
    m = as_int("m", m, min_value=2)
    d = as_int("d", d, min_value=1)
    if not isinstance(kind, str) or kind not in EMBEDDING_KINDS:
        raise ValueError(f"kind must be one of {EMBEDDING_KINDS}, got {kind!r}")
    rng = as_rng(rng)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    require_size(
        f"random_embedding(m={m}, d={d})",
        float(m) * d * dtype.itemsize,
        limit_bytes=_MAX_BYTES,
        advice="use dtype=np.float32, or fewer features or dimensions",
    )
    if kind == "gaussian":
        E = rng.standard_normal((d, m), dtype=dtype)
        norms = np.sqrt(np.einsum("ij,ij->j", E, E, dtype=np.float64))
        norms[norms == 0] = 1.0  # probability zero; keeps the division finite
        E /= norms.astype(dtype)
        return E
    if kind == "rademacher":
        E = rng.integers(0, 2, size=(d, m), dtype=np.int8).astype(dtype)
        E *= 2.0
        E -= 1.0
        E *= dtype.type(1.0 / math.sqrt(d))
        return E
    # sparse: exactly q nonzeros per column, in column chunks to bound the temporaries
    q = max(1, math.ceil(SPARSE_DENSITY * d))
    E = np.zeros((d, m), dtype=dtype)
    scale = dtype.type(1.0 / math.sqrt(q))
    chunk = max(1, (1 << 22) // d)
    for start in range(0, m, chunk):
        stop = min(m, start + chunk)
        keys = rng.random((d, stop - start))
        # sorted: argpartition's order within the q smallest depends on the CPU's SIMD sort path, and the signs
        # below are drawn in row order, so an unsorted index would make E differ between machines
        rows = np.sort(np.argpartition(keys, q - 1, axis=0)[:q], axis=0) if q < d else np.broadcast_to(
            np.arange(d)[:, None], (d, stop - start)
        )
        signs = rng.integers(0, 2, size=rows.shape, dtype=np.int8).astype(dtype) * 2 - 1
        cols = np.broadcast_to(np.arange(start, stop), rows.shape)
        E[rows, cols] = signs * scale
    return E


def max_coherence(E, *, block_size=1024, return_pair=False):
    """Coherence ``μ(E) = max_{i≠j} |cos(e_i, e_j)|`` of the columns of ``E``, computed in blocks.

    The columns are normalised (so ``E`` need not have unit-norm columns; a
    zero column is an error).  The Gram matrix is never formed: the columns
    are split into blocks of ``block_size``; for every pair of blocks ``I ≤ J``
    (the upper triangle only) the ``b × b`` tile ``E_Iᵀ E_J`` is one float32
    GEMM, and only its largest and smallest entries are kept.  The diagonal
    ``i = j`` of the diagonal tiles is excluded.  Extra memory is a few
    ``block_size × max(d, block_size)`` float32 arrays, whatever ``m`` is.

    Parameters
    ----------
    E : array_like, shape (d, m)
        The embedding, one column per feature; ``m >= 2``.
    block_size : int, optional
        Columns per block (default 1024).
    return_pair : bool, optional
        Also return the pair ``(i, j)``, ``i < j``, that attains the maximum.

    Returns
    -------
    float, or (float, (int, int)) when ``return_pair``
        The largest ``|cos|``.  The search runs in float32; the reported value
        is recomputed in float64 for the winning pair.

    References
    ----------
    - L. Welch, "Lower bounds on the maximum cross correlation of signals", 1974 (the floor
      :func:`welch_bound` that no embedding can beat).

    Examples
    --------
    >>> import numpy as np
    >>> E = random_embedding(256, 64, "gaussian", rng=np.random.default_rng(0))
    >>> round(max_coherence(E), 3)
    0.529
    >>> max_coherence(np.eye(3))
    0.0
    """
    E = _as_embedding(E)
    block_size = as_int("block_size", block_size, min_value=1)
    d, m = E.shape
    norms = _column_norms(E)
    inv = (1.0 / norms).astype(np.float32)
    b = min(block_size, m)
    starts = list(range(0, m, b))

    # Two float32 scratch blocks, d × b, C-contiguous (rows of E scaled to unit columns).
    buf_i = np.empty((d, b), dtype=np.float32)
    buf_j = np.empty((d, b), dtype=np.float32)
    tile_buf = np.empty(b * b, dtype=np.float32)

    def load(start: int, out: np.ndarray) -> np.ndarray:
        stop = min(m, start + b)
        view = out[:, : stop - start]
        np.multiply(E[:, start:stop], inv[start:stop], out=view, casting="unsafe")
        return view

    best = -1.0
    best_at = (0, 1)
    for bi, si in enumerate(starts):
        A = load(si, buf_i)
        nb_i = A.shape[1]
        for sj in starts[bi:]:
            if sj == si:
                B = A
            else:
                B = load(sj, buf_j)
            nb_j = B.shape[1]
            tile = tile_buf[: nb_i * nb_j].reshape(nb_i, nb_j)
            np.matmul(A.T, B, out=tile)
            if sj == si:
                if nb_i == 1:
                    continue  # a single column has no pair with itself
                # i = j is not a pair: overwrite the diagonal with a genuine off-diagonal cosine,
                # so the tile's extremes are those of the pairs i != j
                np.fill_diagonal(tile, tile[0, 1])
            hi = float(tile.max())
            lo = float(tile.min())
            cand = max(hi, -lo)
            if cand > best:
                flat = int(tile.argmax()) if hi >= -lo else int(tile.argmin())
                r, c = divmod(flat, nb_j)
                if sj == si and r == c:
                    r, c = 0, 1  # the extreme sits on the overwritten diagonal, i.e. it is the pair (0, 1)
                best, best_at = cand, (si + r, sj + c)
    i, j = sorted(best_at)
    ei = E[:, i].astype(np.float64)
    ej = E[:, j].astype(np.float64)
    value = float(abs(ei @ ej) / (norms[i] * norms[j]))
    return (value, (i, j)) if return_pair else value


def pairwise_distortion(E, points):
    """Distortion of every squared pairwise distance of ``points`` under ``x ↦ E x``.

    Parameters
    ----------
    E : array_like, shape (d, m)
        The map (an embedding with unit-norm columns is a JL map in expectation:
        ``E‖Ex‖² = ‖x‖²``).
    points : array_like, shape (N, m)
        ``N >= 2`` points of ``ℝ^m`` as rows, pairwise distinct.

    Returns
    -------
    numpy.ndarray, shape (N (N − 1) / 2,)
        ``‖E(p_a − p_b)‖² / ‖p_a − p_b‖² − 1`` for every pair ``a < b``; the
        Johnson–Lindenstrauss guarantee is that every entry lies in ``[−ε, ε]``.
    """
    E = _as_embedding(E)
    P = np.asarray(points, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != E.shape[1]:
        raise ValueError(f"points must have shape (N, m) with m = {E.shape[1]}, got {P.shape}")
    N = P.shape[0]
    if N < 2:
        raise ValueError(f"points must hold N >= 2 points, got {N}")
    require_size("pairwise_distortion", 8.0 * N * N * 3, limit_bytes=_MAX_BYTES, advice="use fewer points")
    X = P @ E.T.astype(np.float64)  # (N, d): the embedded points as rows

    def sq_dists(Y: np.ndarray) -> np.ndarray:
        G = Y @ Y.T
        sq = np.diag(G)
        return sq[:, None] + sq[None, :] - 2.0 * G

    iu = np.triu_indices(N, k=1)
    before = sq_dists(P)[iu]
    after = sq_dists(X)[iu]
    if np.any(before <= 1e-12 * max(1.0, float(before.max()))):
        raise ValueError("points must be pairwise distinct (a pair has distance 0)")
    return after / before - 1.0


# --------------------------------------------------------------------------------------------
# reading features back
# --------------------------------------------------------------------------------------------


def sample_active_sets(m, s, batch, rng=0):
    """``batch`` uniformly random active sets of ``s`` distinct features out of ``m``.

    Uses Floyd's algorithm vectorised over the batch: ``O(batch · s²)`` time, no
    ``batch × m`` array.

    Parameters
    ----------
    m : int
        Number of features, ``m >= 2``.
    s : int
        Active features per input, ``1 <= s <= m``.
    batch : int
        Number of inputs, ``>= 1``.
    rng : numpy.random.Generator or int

    Returns
    -------
    numpy.ndarray of int64, shape (batch, s)
        Each row holds ``s`` distinct indices in ``[0, m)`` (in no particular order).
    """
    m = as_int("m", m, min_value=2)
    s = as_int("s", s, min_value=1)
    if s > m:
        raise ValueError(f"s must be at most m = {m} (s distinct active features), got s = {s}")
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    out = np.empty((batch, s), dtype=np.int64)
    for k, j in enumerate(range(m - s, m)):
        t = rng.integers(0, j + 1, size=batch)
        taken = (out[:, :k] == t[:, None]).any(axis=1) if k else np.zeros(batch, dtype=bool)
        out[:, k] = np.where(taken, j, t)
    return out


def _as_active(active, m: int) -> np.ndarray:
    return as_index_array("active", active, ndim=2, upper=m, upper_name="m", distinct_rows=True)


def readout(E, active):
    """Linear readouts ``⟨e_i, x⟩`` of every feature for inputs ``x = Σ_{a∈S} e_a``.

    Parameters
    ----------
    E : array_like, shape (d, m)
        Embedding with unit-norm columns.
    active : array_like of int, shape (batch, s)
        Each row an active set of distinct feature indices.

    Returns
    -------
    numpy.ndarray, shape (batch, m)
        ``Eᵀ x`` for each input: ``1[i ∈ S] +`` interference, up to how far
        ``‖e_i‖`` is from 1.
    """
    E = _as_embedding(E)
    d, m = E.shape
    A = _as_active(active, m)
    require_size(
        "readout", 8.0 * A.shape[0] * m, limit_bytes=_MAX_BYTES, advice="pass the active sets in smaller batches"
    )
    X = E.T[A].sum(axis=1)  # (batch, d): the inputs as rows
    return X @ E


def _indicator(active: np.ndarray, m: int) -> np.ndarray:
    F = np.zeros((active.shape[0], m), dtype=np.float64)
    np.put_along_axis(F, active, 1.0, axis=1)
    return F


def interference(E, active):
    """Interference ``⟨e_i, x⟩ − 1[i ∈ S]`` of every feature for inputs ``x = Σ_{a∈S} e_a``.

    Parameters and shape as :func:`readout`.  For a random embedding the
    interference of an inactive feature has mean 0 and standard deviation
    ``√(s/d)``; of an active one, ``√((s−1)/d)``.
    """
    E = _as_embedding(E)
    A = _as_active(active, E.shape[1])
    return readout(E, A) - _indicator(A, E.shape[1])


def threshold_decode(readouts, tau=0.5):
    """Decode boolean features from readouts: feature ``i`` is on exactly when its readout exceeds ``tau``.

    Parameters
    ----------
    readouts : array_like
        Any shape, e.g. ``(batch, m)`` from :func:`readout`.
    tau : float, optional
        Threshold ``τ`` (default 1/2), finite.

    Returns
    -------
    numpy.ndarray of bool, same shape

    Notes
    -----
    Rademacher and sparse embeddings have readouts on a grid (multiples of
    ``1/d`` or ``1/q``), so a readout can equal ``τ`` exactly; rounding in the
    matrix product would then decide the bit.  A readout within ``TIE_TOL`` of
    ``τ`` therefore counts as a tie, and a tie decodes as off.
    """
    tau = as_float("tau", tau)
    R = np.asarray(readouts)
    if R.dtype == bool or not np.issubdtype(R.dtype, np.number):
        raise TypeError(f"readouts must be a real array, got dtype {R.dtype}")
    return R > tau + TIE_TOL


def recovery_error_rate(E, active, tau=0.5, *, chunk=256):
    """Fraction of inputs whose active set is *not* recovered exactly by thresholding the readouts at ``tau``.

    Input ``x = Σ_{a∈S} e_a`` is decoded correctly when ``⟨e_i, x⟩ > τ`` for
    every ``i ∈ S`` and ``⟨e_i, x⟩ ≤ τ`` for every other feature.  Processed in
    chunks of ``chunk`` inputs so the memory is ``chunk × m`` whatever the batch.

    Parameters
    ----------
    E : array_like, shape (d, m)
    active : array_like of int, shape (batch, s)
    tau : float, optional
        Threshold (default 1/2).
    chunk : int, optional
        Inputs per chunk (default 256).

    Returns
    -------
    float
        Errors / batch, in [0, 1].
    """
    E = _as_embedding(E)
    m = E.shape[1]
    A = _as_active(active, m)
    tau = as_float("tau", tau)
    chunk = as_int("chunk", chunk, min_value=1)
    wrong = 0
    for start in range(0, A.shape[0], chunk):
        part = A[start : start + chunk]
        decoded = threshold_decode(readout(E, part), tau)
        truth = _indicator(part, m).astype(bool)
        wrong += int(np.any(decoded != truth, axis=1).sum())
    return wrong / A.shape[0]


def predicted_interference_std(s, d, *, active=False):
    """``√(s/d)`` (inactive feature) or ``√((s−1)/d)`` (active feature): the interference's standard deviation.

    Each of the ``s`` (or ``s − 1``) other active directions adds an inner product
    of mean 0 and variance ``1/d``.

    Parameters
    ----------
    s : int or array of int
        Active features per input, ``>= 1``.
    d : int or array of int
        Dimension, ``>= 1``.
    active : bool, optional
        The feature itself is active (then only ``s − 1`` others interfere).

    Returns
    -------
    float or numpy.ndarray
    """
    ss = _int_array("s", s, min_value=1)
    dd = _int_array("d", d, min_value=1)
    others = ss - 1 if active else ss
    out = np.sqrt(others / dd)
    return _scalar_or_array(out, s, d)


def predicted_recovery_error(m, d, s, tau=0.5):
    """Gaussian prediction of :func:`recovery_error_rate` for a random embedding.

    Treats the ``m`` interferences of one input as independent normals with the
    standard deviations of :func:`predicted_interference_std`: an inactive
    feature fails when its interference exceeds ``τ``, an active one when its
    interference is below ``τ − 1``.

    .. math::
        P(\\text{error}) \\approx 1 - \\Phi\\!\\left(\\tfrac{\\tau}{\\sqrt{s/d}}\\right)^{m-s}
        \\Phi\\!\\left(\\tfrac{1-\\tau}{\\sqrt{(s-1)/d}}\\right)^{s}

    Parameters
    ----------
    m, d, s : int or array of int
        Broadcast together; ``2 <= m``, ``1 <= d``, ``1 <= s <= m``.
    tau : float, optional
        Threshold in (0, 1) (default 1/2).

    Returns
    -------
    float or numpy.ndarray
    """
    mm = _int_array("m", m, min_value=2)
    dd = _int_array("d", d, min_value=1)
    ss = _int_array("s", s, min_value=1)
    if np.any(ss > mm):
        raise ValueError(f"s must be at most m, got s = {s!r}, m = {m!r}")
    t = float(_float_array_open01("tau", tau))
    sd_off = np.sqrt(ss / dd)
    sd_on = np.sqrt((ss - 1) / dd)
    with np.errstate(divide="ignore"):
        log_ok_off = np.log(ndtr(t / sd_off))
        z_on = np.where(sd_on > 0, (1.0 - t) / np.where(sd_on > 0, sd_on, 1.0), np.inf)
        log_ok_on = np.log(ndtr(z_on))
    out = 0.0 - np.expm1((mm - ss) * log_ok_off + ss * log_ok_on)  # 0.0 - x: never -0.0
    return _scalar_or_array(out, m, d, s)


# --------------------------------------------------------------------------------------------
# the explorer's figure
# --------------------------------------------------------------------------------------------


def plot_representation_explorer(m=2000, d=256, s=5, kind="gaussian", *, seed=0, batch=200, tau=0.5):
    """Draw the chapter's explorer: coherence and readouts of one random embedding.

    Left: a histogram of the cosines between distinct feature directions (all
    pairs up to 2 000 features, a random sample of 200 000 pairs beyond), with the
    measured coherence, the scale ``√(4 ln m / d)`` and the Welch floor.  Right:
    the readouts of ``batch`` random ``s``-sparse inputs, split into active and
    inactive features, with the threshold ``τ`` and the measured exact-recovery
    error rate.

    Parameters
    ----------
    m, d, s : int
        Features, dimensions, active features (``2 <= m``, ``1 <= d``, ``1 <= s <= m``).
    kind : {"gaussian", "rademacher", "sparse"}
    seed : int
        Seed of the random embedding and inputs.
    batch : int
        Number of random inputs for the readout panel.
    tau : float
        Decoding threshold.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .plotting import OKABE_ITO

    m = as_int("m", m, min_value=2)
    d = as_int("d", d, min_value=1)
    s = as_int("s", s, min_value=1)
    if s > m:
        raise ValueError(f"s must be at most m = {m}, got s = {s}")
    rng = np.random.default_rng(seed)
    E = random_embedding(m, d, kind, rng)
    mu = max_coherence(E)
    scale = random_coherence_scale(m, d)
    floor = welch_bound(m, d)

    if m <= 2000:
        iu = np.triu_indices(m, k=1)
        cos = (E.T @ E)[iu]
    else:
        n_pairs = 200_000
        i = rng.integers(0, m, n_pairs)
        j = (i + rng.integers(1, m, n_pairs)) % m
        cos = np.einsum("ij,ij->j", E[:, i], E[:, j])

    active = sample_active_sets(m, s, batch, rng)
    R = readout(E, active)
    on = np.zeros_like(R, dtype=bool)
    np.put_along_axis(on, active, True, axis=1)
    err = recovery_error_rate(E, active, tau)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax1.hist(cos, bins=_grid_bins(kind, d, -max(mu, scale), max(mu, scale)), color=OKABE_ITO[0], alpha=0.8, density=True)
    for x, style, label in (
        (mu, "-", f"measured μ = {mu:.3f}"),
        (scale, "--", f"√(4 ln m / d) = {scale:.3f}"),
        (floor, ":", f"Welch floor = {floor:.3f}"),
    ):
        ax1.axvline(x, color=OKABE_ITO[7], ls=style, lw=1.2, label=label)
        ax1.axvline(-x, color=OKABE_ITO[7], ls=style, lw=1.2)
    ax1.set_xlabel("cosine between two feature directions")
    ax1.set_ylabel("density")
    ax1.set_title(f"{kind}: m = {m}, d = {d}")
    ax1.legend(fontsize=8, loc="upper left")

    bins = _grid_bins(kind, d, min(float(R.min()), -0.5), max(float(R.max()), 1.5))
    ax2.hist(R[~on], bins=bins, color=OKABE_ITO[0], alpha=0.7, label="inactive features")
    ax2.hist(R[on], bins=bins, color=OKABE_ITO[1], alpha=0.7, label="active features")
    ax2.set_yscale("log")  # the rare inactive readouts above τ, which cause the errors, stay visible
    ax2.axvline(tau, color=OKABE_ITO[7], ls="--", lw=1.2, label=f"threshold τ = {tau:g}")
    ax2.set_xlabel("readout ⟨e_i, x⟩")
    ax2.set_ylabel("number of readouts (log scale)")
    ax2.set_title(f"s = {s} active: exact recovery fails on {err:.0%} of inputs")
    ax2.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def _grid_bins(kind: str, d: int, lo: float, hi: float, n_bins: int = 80) -> np.ndarray:
    """Histogram bin edges over [lo, hi]; for a discrete embedding, centred on the grid of values it can produce.

    Rademacher cosines are multiples of ``2/d`` and sparse ones multiples of ``1/q``;
    bins that ignore this grid show a comb of artefacts.
    """
    if kind == "gaussian":
        return np.linspace(lo, hi, n_bins + 1)
    step = 2.0 / d if kind == "rademacher" else 1.0 / max(1, math.ceil(SPARSE_DENSITY * d))
    k_lo, k_hi = math.floor(lo / step) - 1, math.ceil(hi / step) + 1
    merge = max(1, math.ceil((k_hi - k_lo + 1) / (1.5 * n_bins)))
    return (np.arange(k_lo, k_hi + merge + 1, merge) - 0.5) * step


#: Slider positions of the explorer (logarithmic grids, so one notch is a similar step everywhere).
EXPLORER_M = (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000)
EXPLORER_D = (16, 32, 64, 128, 256, 512, 1024)


def representation_explorer(m=2000, d=256, s=5, kind="gaussian", *, seed=0):
    """An ``ipywidgets.interactive`` explorer over :func:`plot_representation_explorer`.

    Sliders for the number of features ``m``, the dimension ``d``, the number of
    active features ``s`` and a menu for the embedding kind.  The figure is redrawn
    when a slider is released.  Returns the widget; display it as a cell's last
    expression.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    if m not in EXPLORER_M:
        raise ValueError(f"m must be one of the slider values {EXPLORER_M}, got {m!r}")
    if d not in EXPLORER_D:
        raise ValueError(f"d must be one of the slider values {EXPLORER_D}, got {d!r}")
    s = as_int("s", s, min_value=1, max_value=20)
    if not isinstance(kind, str) or kind not in EMBEDDING_KINDS:
        raise ValueError(f"kind must be one of {EMBEDDING_KINDS}, got {kind!r}")

    def draw(m, d, s, kind):
        plot_representation_explorer(m=m, d=d, s=s, kind=kind, seed=seed)
        plt.show()

    style = {"description_width": "initial"}
    return widgets.interactive(
        draw,
        m=widgets.SelectionSlider(
            options=list(EXPLORER_M), value=m, description="features m", continuous_update=False, style=style
        ),
        d=widgets.SelectionSlider(
            options=list(EXPLORER_D), value=d, description="dimensions d", continuous_update=False, style=style
        ),
        s=widgets.IntSlider(value=s, min=1, max=20, description="active s", continuous_update=False, style=style),
        kind=widgets.Dropdown(options=list(EMBEDDING_KINDS), value=kind, description="kind", style=style),
    )


# --------------------------------------------------------------------------------------------
# a structured code, polarization, and the worst sparse input
# --------------------------------------------------------------------------------------------


def _is_odd_prime(p: int) -> bool:
    if p < 3 or p % 2 == 0:
        return False
    return all(p % q for q in range(3, math.isqrt(p) + 1, 2))


def chirp_code(p):
    """A structured real code: ``2 p²`` unit vectors in ``ℝ^{2p}`` with coherence exactly ``1/√p``.

    For an odd prime ``p`` the complex chirps ``z_{a,b}(k) = ω^{a k² + b k} / √p``
    (``ω = e^{2πi/p}``, ``a, b, k ∈ {0, …, p − 1}``) are ``p²`` unit vectors of ``ℂ^p``
    (Alltop's construction).  Two chirps with the same ``a`` are orthogonal; with
    ``a ≠ a'`` their inner product is a quadratic Gauss sum divided by ``p``, of modulus
    exactly ``1/√p``.  Each chirp ``z`` and its multiple ``i z`` are written as real
    vectors ``(Re z, Im z)`` of ``ℝ^{2p}``; the real inner product of two such vectors is
    the real part of the complex one, so every ``|cos|`` is at most ``1/√p``, and the value
    ``1/√p`` is attained (by the pairs ``b = b'``, ``a ≠ a'``, in one of the two phases).

    Parameters
    ----------
    p : int
        An odd prime.

    Returns
    -------
    numpy.ndarray, shape (2p, 2p²)
        Unit-norm columns; ``max_coherence`` of it is ``1/√p`` (``= √(2/d)`` with ``d = 2p``).

    References
    ----------
    - W. O. Alltop, "Complex sequences with low periodic correlations", 1980.
    - T. Strohmer and R. W. Heath, "Grassmannian frames with applications to coding and
      communication", 2003.

    Examples
    --------
    >>> E = chirp_code(5)
    >>> E.shape
    (10, 50)
    >>> round(max_coherence(E) * 5 ** 0.5, 9)
    1.0
    """
    p = as_int("p", p, min_value=3)
    if not _is_odd_prime(p):
        raise ValueError(f"p must be an odd prime, got p = {p}")
    k = np.arange(p)
    a = np.arange(p)[:, None, None]
    b = np.arange(p)[None, :, None]
    phase = (a * k * k + b * k) % p  # exact integer exponents, shape (p, p, p)
    Z = np.exp(2j * np.pi * phase / p).reshape(p * p, p) / math.sqrt(p)  # rows are the chirps
    Z = np.concatenate([Z, 1j * Z])  # each chirp and i times it
    return np.concatenate([Z.real, Z.imag], axis=1).T.copy()


def polarization_errors(E):
    """How well the linear map ``E`` preserves the standard basis: inner products and squared lengths.

    The points are the basis vectors ``e_1, …, e_m`` of ``ℝ^m``.  The map sends ``e_i`` to
    column ``i`` of ``E``.  Returns the largest inner-product error
    ``max_{i<j} |⟨E e_i, E e_j⟩ − ⟨e_i, e_j⟩| = max_{i<j} |⟨E e_i, E e_j⟩|`` and the largest
    distortion of a squared length among the ``2 C(m, 2) + m`` vectors ``e_i + e_j``,
    ``e_i − e_j`` (``i < j``) and ``e_i``: ``|‖E w‖² / ‖w‖² − 1|``.  By polarization,
    ``⟨Eu, Ev⟩ = (‖E(u+v)‖² − ‖E(u−v)‖²) / 4``, the first is never larger than the second.

    Parameters
    ----------
    E : array_like, shape (d, m)
        The map (columns need not have unit norm: for a Johnson–Lindenstrauss map they do not).

    Returns
    -------
    (float, float)
        ``(inner-product error, squared-length distortion)``.
    """
    E = _as_embedding(E)
    m = E.shape[1]
    require_size("polarization_errors", 8.0 * m * m * 3, limit_bytes=_MAX_BYTES, advice="use fewer columns")
    Ef = E.astype(np.float64)
    G = Ef.T @ Ef
    sq = np.diag(G).copy()
    iu = np.triu_indices(m, k=1)
    cross = G[iu]
    base = sq[iu[0]] + sq[iu[1]]  # ‖E e_i‖² + ‖E e_j‖²
    plus = np.abs((base + 2 * cross) / 2 - 1).max()
    minus = np.abs((base - 2 * cross) / 2 - 1).max()
    lengths = np.abs(sq - 1).max()
    return float(np.abs(cross).max()), float(max(plus, minus, lengths))


def worst_interference(E, s, *, return_set=False, block_size=1024):
    """The largest readout of an inactive feature over *every* input with ``s`` active features.

    For a target feature ``t`` and an active set ``S`` (``t ∉ S``, ``|S| = s``) the readout is
    ``⟨e_t, Σ_{j∈S} e_j⟩ = Σ_{j∈S} ⟨e_t, e_j⟩``, a sum of separate terms, so the worst ``S`` for
    ``t`` is exactly the ``s`` features with the largest cosines to ``e_t``.  The result is the
    maximum over ``t`` of the sum of the ``s`` largest entries of row ``t`` of the Gram matrix
    (diagonal excluded), computed in row blocks without forming the ``m × m`` matrix.
    Threshold decoding at ``τ`` fails on some ``s``-sparse input whenever the value exceeds ``τ``.

    Parameters
    ----------
    E : array_like, shape (d, m)
        Embedding with unit-norm columns (the raw inner products are used).
    s : int
        Active features, ``1 <= s <= m − 1``.
    return_set : bool, optional
        Also return the target ``t`` and the sorted worst active set ``S`` (int array, shape (s,)).
    block_size : int, optional
        Rows of the Gram matrix computed at a time (default 1024).

    Returns
    -------
    float, or (float, int, numpy.ndarray) when ``return_set``
    """
    E = _as_embedding(E)
    d, m = E.shape
    s = as_int("s", s, min_value=1)
    if s > m - 1:
        raise ValueError(f"s must be at most m − 1 = {m - 1} (the target itself is inactive), got s = {s}")
    block_size = as_int("block_size", block_size, min_value=1)
    Ef = E.astype(np.float64)
    best, best_t = -np.inf, 0
    for start in range(0, m, block_size):
        stop = min(m, start + block_size)
        tile = Ef[:, start:stop].T @ Ef  # (b, m): rows t of the Gram matrix
        tile[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # t is not in its own set
        top = np.partition(tile, m - s, axis=1)[:, m - s :].sum(axis=1)
        k = int(np.argmax(top))
        if top[k] > best:
            best, best_t = float(top[k]), start + k
    if not return_set:
        return best
    row = Ef[:, best_t] @ Ef
    row[best_t] = -np.inf
    S = np.sort(np.argpartition(row, m - s)[m - s :])
    return best, best_t, S
