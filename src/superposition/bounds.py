"""Counting lower bounds for computing in superposition (Chapter 3).

The chapter follows the counting argument behind Adler & Shavit's lower bound
(arXiv 2409.15318): a network that can be set to compute *every* member of a
family :math:`\\mathcal F` of functions needs at least :math:`|\\mathcal F|`
distinct settings, and :math:`P` parameters of :math:`b` bits each give at most
:math:`2^{bP}` of them, so :math:`P \\ge \\log_2|\\mathcal F| / b`.

This module holds four groups of kernels.

* **Family sizes**, exact, through log-gamma / log-beta (no overflow, no
  cancellation): :func:`log2_permutations` (:math:`\\log_2 m!`) and
  :func:`log2_pair_families` (:math:`\\log_2 \\binom{\\binom m2}{m'}`), with their
  asymptotics :func:`stirling_log2_permutations` and
  :func:`approx_log2_pair_families`.
* **From bits to parameters, neurons and capacity**: :func:`min_parameters`,
  :func:`min_neurons`, :func:`max_features`.  The assumptions (every layer maps
  :math:`\\mathbb R^n \\to \\mathbb R^n`, so it has at most :math:`n^2+n` weights and
  biases; the input code and the output readout are fixed and not counted; each
  parameter carries :math:`b` bits) are this book's, stated in the chapter.
* **An exhaustive miniature**: :func:`enumerate_one_layer` lists every one-hidden-
  layer ReLU network with weights and biases from small sets, and
  :func:`count_functions` / :func:`count_realised` count the boolean functions they
  realise and the members of a target family among them.
* **Scope of the bound**: :func:`min_total_neurons` (total neurons at any depth),
  :func:`log2_tolerant_pair_bound` (the per-output-slot error model),
  :func:`zero_network_error_bound` (why "right with high probability on random
  inputs" is too weak an error model).
* **Chapter 4's network, checked and rounded**: :func:`as_two_layer` reads the
  network of :func:`superposition.pairwise_and.build_pairwise_and` as a two-layer
  ReLU network (W₁, bias, W₂, fixed codes); :func:`decode_margins` evaluates it on
  given active sets (e.g. all of :func:`sparse_active_sets`); :func:`round_per_tensor`
  and :func:`smallest_exact_bits` find the smallest precision that keeps it exact.
* **The precision experiment**: :func:`superposed_pair_and_network` builds a network
  that computes a set of pairwise ANDs of features given in superposition exactly;
  :func:`quantize` rounds its parameters to ``b`` bits and :func:`min_exact_bits`
  finds the smallest ``b`` that keeps every output correct on every input with at
  most ``s`` active features.

Every function is vectorized over its array arguments and validates its inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
import numpy as np
from scipy.special import betaln, gammaln

from ._validate import as_float, as_int, as_rng, require_size

__all__ = [
    "log2_permutations",
    "log2_pair_families",
    "stirling_log2_permutations",
    "approx_log2_pair_families",
    "min_parameters",
    "min_neurons",
    "max_features",
    "sparse_domain",
    "OneLayerEnumeration",
    "enumerate_one_layer",
    "count_functions",
    "count_realised",
    "pair_family_targets",
    "PairAndNetwork",
    "superposed_pair_and_network",
    "quantize",
    "pair_and_margin",
    "min_exact_bits",
    "sufficient_bits",
    "plot_bounds_explorer",
    "min_total_neurons",
    "log2_tolerant_pair_bound",
    "zero_network_error_bound",
    "TwoLayerMLP",
    "DecodeResult",
    "as_two_layer",
    "round_per_tensor",
    "sparse_active_sets",
    "decode_margins",
    "smallest_exact_bits",
    "fixed_readout_permutations",
]

_LN2 = math.log(2.0)
#: Largest m accepted by the pair-family kernels: C(m, 2) must fit in a signed 64-bit integer.
MAX_M_PAIRS = 2**32
_MEMORY_LIMIT = 512 * 2**20


# --------------------------------------------------------------------------------------------------
# validation helpers for integer arrays
# --------------------------------------------------------------------------------------------------
def _int_array(name: str, value, *, min_value: int, max_value: float | None = None) -> np.ndarray:
    """Integer-valued array (ints, or floats that are exactly integral) checked against a range."""
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be an integer or an array of integers, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise ValueError(f"{name} must hold integers, got a non-integral value")
    if np.any(arr < min_value) or (max_value is not None and np.any(arr > max_value)):
        rng = f">= {min_value}" if max_value is None else f"in [{min_value}, {max_value:.0f}]"
        bad = arr[(arr < min_value) | ((arr > max_value) if max_value is not None else False)]
        raise ValueError(f"{name} must be an integer {rng}, got {bad.flat[0]!r}")
    return arr


def _pos_float_array(name: str, value) -> np.ndarray:
    if np.asarray(value).dtype == bool:
        raise TypeError(f"{name} must be a positive number, got a boolean")
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be a positive finite number (bits per parameter > 0), got {value!r}")
    return arr


def _nonneg_float_array(name: str, value) -> np.ndarray:
    if np.asarray(value).dtype == bool:
        raise TypeError(f"{name} must be a number of bits, got a boolean")
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a finite number of bits >= 0, got {value!r}")
    return arr


def _out(x: np.ndarray, like_scalar: bool):
    return x.item() if like_scalar else x


# --------------------------------------------------------------------------------------------------
# family sizes
# --------------------------------------------------------------------------------------------------
def log2_permutations(m):
    """Exact :math:`\\log_2 m!`, the number of bits needed to name a permutation of ``m`` features.

    Parameters
    ----------
    m : int or array_like of int, each >= 0 (floats that are exactly integral are accepted)

    Returns
    -------
    float or ndarray of float64
        ``gammaln(m + 1) / ln 2``, same shape as ``m``; accurate to about 1e-15 relative
        and finite for every ``m`` below about 1e305.
    """
    arr = _int_array("m", m, min_value=0)
    out = gammaln(arr.astype(float) + 1.0) / _LN2
    return _out(np.asarray(out), np.ndim(m) == 0)


def stirling_log2_permutations(m, *, terms: int = 2):
    """Stirling's approximation of :math:`\\log_2 m!`.

    ``terms=2`` gives :math:`m\\log_2 m - m\\log_2 e`; ``terms=3`` adds
    :math:`\\tfrac12\\log_2(2\\pi m)`.  For ``m = 0`` the value is 0.
    """
    terms = as_int("terms", terms, min_value=2, max_value=3)
    arr = _int_array("m", m, min_value=0).astype(float)
    safe = np.where(arr > 0, arr, 1.0)
    val = safe * np.log2(safe) - safe / _LN2
    if terms == 3:
        val = val + 0.5 * np.log2(2 * np.pi * safe)
    val = np.where(arr > 0, val, 0.0)
    return _out(np.asarray(val), np.ndim(m) == 0)


def _n_pairs(m_arr: np.ndarray) -> np.ndarray:
    m64 = m_arr.astype(np.int64)
    return m64 * (m64 - 1) // 2


def log2_pair_families(m, m_prime):
    """Exact :math:`\\log_2 \\binom{\\binom m2}{m'}`: bits needed to name a set of ``m_prime`` pairs of ``m`` features.

    Computed as :math:`-\\ln(N+1) - \\ln B(N-m'+1, m'+1)` with :math:`N = \\binom m2`
    and the log-beta function, which stays accurate where the textbook
    ``gammaln(N+1) - gammaln(m'+1) - gammaln(N-m'+1)`` cancels catastrophically
    (at ``m = 1e9`` that difference loses every digit).

    Parameters
    ----------
    m : int or array_like of int in [2, 2**32]
        Number of input features.
    m_prime : int or array_like of int in [0, C(m, 2)]
        Number of chosen pairs (output features).  Broadcast against ``m``.

    Returns
    -------
    float or ndarray of float64 (the broadcast shape)

    Raises
    ------
    ValueError
        If ``m_prime > C(m, 2)`` (there are only that many pairs), or ``m < 2``.

    References
    ----------
    - M. Adler and N. Shavit, "On the Complexity of Neural Computation in Superposition",
      arXiv:2409.15318, 2024 (the counting argument; this function is the book's exact count).

    Examples
    --------
    Four features have six pairs, and ``C(6, 2) = 15`` families of two of them:

    >>> round(log2_pair_families(4, 2), 4)
    3.9069
    >>> round(log2_pair_families(10**6, 10**6) / 10**6, 2)
    20.37
    """
    m_arr = _int_array("m", m, min_value=2, max_value=MAX_M_PAIRS)
    k_arr = _int_array("m_prime", m_prime, min_value=0, max_value=2.0**62)
    m_b, k_b = np.broadcast_arrays(m_arr, k_arr)
    n_pairs = _n_pairs(m_b)
    k64 = k_b.astype(np.int64)
    if np.any(k64 > n_pairs):
        i = np.flatnonzero((k64 > n_pairs).ravel())[0]
        raise ValueError(
            f"m_prime must be at most C(m, 2) = {n_pairs.ravel()[i]} (the number of pairs of m = "
            f"{m_b.ravel()[i]} features), got m_prime = {k64.ravel()[i]}"
        )
    nf = n_pairs.astype(float)
    kf = k64.astype(float)
    val = (-np.log(nf + 1.0) - betaln(nf - kf + 1.0, kf + 1.0)) / _LN2
    val = np.maximum(val, 0.0)  # C(N, 0) = C(N, N) = 1: clear a -1e-12 rounding residue
    return _out(np.asarray(val), np.ndim(m) == 0 and np.ndim(m_prime) == 0)


def approx_log2_pair_families(m, m_prime):
    """The standard approximation :math:`m'\\log_2(e\\binom m2/m')` of :func:`log2_pair_families`.

    It is an upper bound, :math:`\\binom Nk \\le (eN/k)^k`, and the matching lower bound is
    :math:`\\binom Nk \\ge (N/k)^k`, so the two differ by at most :math:`m'\\log_2 e` bits.
    ``m_prime = 0`` gives 0.
    """
    m_arr = _int_array("m", m, min_value=2, max_value=MAX_M_PAIRS)
    k_arr = _int_array("m_prime", m_prime, min_value=0, max_value=2.0**62)
    m_b, k_b = np.broadcast_arrays(m_arr, k_arr)
    n_pairs = _n_pairs(m_b).astype(float)
    if np.any(k_b > n_pairs):
        raise ValueError("m_prime must be at most C(m, 2), the number of pairs of m features")
    kf = k_b.astype(float)
    safe = np.where(kf > 0, kf, 1.0)
    val = np.where(kf > 0, safe * np.log2(np.e * n_pairs / safe), 0.0)
    return _out(np.asarray(val), np.ndim(m) == 0 and np.ndim(m_prime) == 0)


# --------------------------------------------------------------------------------------------------
# bits -> parameters -> neurons -> capacity
# --------------------------------------------------------------------------------------------------
_REL_TOL = 1e-12  # a bound met to within this relative slack counts as met (float rounding of log2)


def min_parameters(log2_family, bits_per_parameter):
    """Smallest parameter count :math:`P` with :math:`bP \\ge \\log_2|\\mathcal F|`.

    Parameters
    ----------
    log2_family : float or array_like, >= 0
        :math:`\\log_2|\\mathcal F|`, e.g. from :func:`log2_permutations`.
    bits_per_parameter : float or array_like, > 0
        Bits each parameter carries (``np.log2(3)`` for ternary weights).

    Returns
    -------
    int or ndarray of int64
        :math:`\\lceil \\log_2|\\mathcal F| / b \\rceil` (broadcast shape).
    """
    lf = _nonneg_float_array("log2_family", log2_family)
    b = _pos_float_array("bits_per_parameter", bits_per_parameter)
    ratio = lf / b
    out = np.ceil(ratio * (1 - _REL_TOL)).astype(np.int64)
    return _out(np.asarray(out), np.ndim(log2_family) == 0 and np.ndim(bits_per_parameter) == 0)


def min_neurons(log2_family, bits_per_parameter, layers=1):
    """Smallest width :math:`n \\ge 1` with :math:`L\\,(n^2+n)\\,b \\ge \\log_2|\\mathcal F|`.

    The book's assumption (not the paper's text, which we could not read): the
    network has ``layers`` = :math:`L` layers, each a map :math:`\\mathbb R^n\\to\\mathbb R^n`
    (inputs and outputs in superposition have width at most :math:`n` too), so
    each layer has at most :math:`n^2` weights plus :math:`n` biases; the input
    code and the output readout are fixed and carry no information.  For large
    families this is :math:`n \\approx \\sqrt{\\log_2|\\mathcal F|/(bL)}`.

    Returns
    -------
    int or ndarray of int64, broadcast over the three arguments.

    References
    ----------
    - M. Adler and N. Shavit, "On the Complexity of Neural Computation in Superposition",
      arXiv:2409.15318, 2024 (the paper's claim is the order; the parameter count here is the book's).

    Examples
    --------
    Neurons a one-layer network with 8-bit parameters needs to compute any of the families of
    ``m′ = 10⁶`` pairs of ``m = 10⁶`` features, and the same with two layers:

    >>> min_neurons(log2_pair_families(10**6, 10**6), 8)
    1596
    >>> min_neurons(log2_pair_families(10**6, 10**6), 8, layers=2)
    1128
    """
    lf = _nonneg_float_array("log2_family", log2_family)
    b = _pos_float_array("bits_per_parameter", bits_per_parameter)
    layer_arr = _int_array("layers", layers, min_value=1)
    lf, b, layer_arr = np.broadcast_arrays(lf, b, layer_arr)
    per_layer = lf / (b * layer_arr)  # needed n^2 + n
    target = per_layer * (1 - _REL_TOL)
    n = np.ceil((np.sqrt(1.0 + 4.0 * per_layer) - 1.0) / 2.0)
    n = np.maximum(n, 1.0)
    # fix float rounding at exact boundaries
    too_big = (n > 1) & ((n - 1) * n >= target)
    n = np.where(too_big, n - 1, n)
    too_small = n * (n + 1) < target
    n = np.where(too_small, n + 1, n)
    out = n.astype(np.int64)
    scalar = all(np.ndim(a) == 0 for a in (log2_family, bits_per_parameter, layers))
    return _out(np.asarray(out), scalar)


def max_features(n, bits_per_parameter, layers=1, *, m=None):
    """Capacity: the largest :math:`m'` the counting bound allows ``n`` neurons to compute.

    Solves :math:`\\log_2|\\mathcal F(m')| \\le L\\,(n^2+n)\\,b` for the largest integer
    :math:`m'`, by a vectorized bisection (the left side increases with :math:`m'`).

    * ``m=None``: the permutation family, :math:`|\\mathcal F(m')| = m'!`.  Asymptotically
      :math:`m' \\approx bLn^2/\\log_2(bLn^2) = O(n^2/\\log n)`.
    * ``m`` given: the pair family, :math:`|\\mathcal F(m')| = \\binom{\\binom m2}{m'}`;
      the answer is at most :math:`\\binom m2` (once the budget covers the middle
      binomial coefficient every :math:`m'` is allowed).

    Parameters
    ----------
    n : int or array_like of int >= 1
    bits_per_parameter : float > 0
    layers : int >= 1
    m : int in [2, 2**32] or None

    Returns
    -------
    int or ndarray of int64 (shape of ``n``)
    """
    n_arr = _int_array("n", n, min_value=1, max_value=2.0**31)
    if np.ndim(bits_per_parameter) != 0:
        raise TypeError("bits_per_parameter must be a single number in max_features")
    b = float(_pos_float_array("bits_per_parameter", bits_per_parameter))
    layers = as_int("layers", layers, min_value=1)
    nf = n_arr.astype(float)
    budget = layers * (nf * nf + nf) * b * (1 + _REL_TOL)

    if m is None:
        def log2f(k):
            return gammaln(k + 1.0) / _LN2

        lo = np.ones_like(budget)  # log2(1!) = 0 always fits
        hi = 2.0 * budget + 8.0  # log2(hi!) >= hi*log2(hi/e) > budget
    else:
        m = as_int("m", m, min_value=2, max_value=MAX_M_PAIRS)
        npairs = float(m * (m - 1) // 2)

        def log2f(k):
            return np.maximum((-np.log(npairs + 1.0) - betaln(npairs - k + 1.0, k + 1.0)) / _LN2, 0.0)

        half = math.floor(npairs / 2)
        full = log2f(np.array(float(half))) <= budget
        lo = np.zeros_like(budget)
        hi = np.full_like(budget, float(max(half, 1)))
    # invariant: log2f(lo) <= budget < log2f(hi)
    while True:
        gap = hi - lo > 1
        if not np.any(gap):
            break
        mid = np.floor((lo + hi) / 2)
        ok = log2f(mid) <= budget
        lo = np.where(gap & ok, mid, lo)
        hi = np.where(gap & ~ok, mid, hi)
    out = lo
    if m is not None:
        out = np.where(full, npairs, lo)
    out = out.astype(np.int64)
    return _out(np.asarray(out), np.ndim(n) == 0)


# --------------------------------------------------------------------------------------------------
# the exhaustive miniature
# --------------------------------------------------------------------------------------------------
def sparse_domain(m, s=None):
    """All boolean inputs on ``m`` features with at most ``s`` active ones.

    Returns
    -------
    ndarray of uint8, shape (D, m)
        Rows ordered by the integer they encode (feature ``i`` is bit ``i``);
        ``D = sum_{k<=s} C(m, k)``.  ``s=None`` means every input (``D = 2**m``).
    """
    m = as_int("m", m, min_value=1, max_value=24)
    s = m if s is None else as_int("s", s, min_value=0, max_value=m)
    codes = np.arange(2**m, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(m)) & 1).astype(np.uint8)
    return bits[bits.sum(axis=1) <= s]


def _multisets(n_items: int, size: int, *, strict: bool = False) -> np.ndarray:
    """All non-decreasing (``strict``: increasing) index tuples of length ``size`` from range(n_items).

    Lexicographic order, like ``itertools.combinations_with_replacement`` (``strict``:
    ``itertools.combinations``); shape (C(n_items+size-1, size), size) (``strict``: (C(n_items, size), size)).
    Built with array operations, one step per position.
    """
    step = 1 if strict else 0
    rows = np.arange(n_items, dtype=np.int64)[:, None]
    for _ in range(size - 1):
        last = rows[:, -1]
        reps = np.maximum(n_items - last - step, 0)
        base = np.repeat(rows, reps, axis=0)
        starts = np.repeat(last + step, reps)
        offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        rows = np.concatenate([base, (starts + offsets)[:, None]], axis=1)
    return rows


_SENTINEL = np.uint64(2**64 - 1)


@dataclass(frozen=True)
class OneLayerEnumeration:
    """Every function of every network in a tiny one-hidden-layer class (see :func:`enumerate_one_layer`).

    Attributes
    ----------
    m, n, s : int
        Inputs, hidden ReLU neurons, largest number of active inputs in the domain.
    weights, biases, out_weights, out_biases : tuple of float
        The values the hidden weights, hidden biases, output weights and output biases may take.
    domain : ndarray (D, m) uint8
        The inputs on which functions are compared (bit ``r`` of a mask is row ``r``).
    n_patterns : int
        Distinct activation patterns of one hidden neuron on the domain.
    n_hidden_layers : int
        Hidden layers enumerated: multisets of ``n`` patterns (order does not matter).
    functions : ndarray (G,) uint64
        Sorted masks of every single-output function some network of the class realises.
    output_sets : ndarray (K, O) uint64
        One row per distinct set :math:`S(H)` of single-output functions realisable on top of
        a hidden layer ``H``; sorted, padded with ``2**64 - 1``.  The class realises an
        ``k``-output function :math:`(f_1,\\dots,f_k)` iff some row holds every :math:`f_i`.
    """

    m: int
    n: int
    s: int
    weights: tuple
    biases: tuple
    out_weights: tuple
    out_biases: tuple
    domain: np.ndarray
    n_patterns: int
    n_hidden_layers: int
    functions: np.ndarray
    output_sets: np.ndarray

    def n_parameters(self, n_outputs: int) -> int:
        """:math:`P = n(m+1) + k(n+1)`: hidden weights and biases plus output weights and biases."""
        k = as_int("n_outputs", n_outputs, min_value=1)
        return self.n * (self.m + 1) + k * (self.n + 1)

    def log2_settings(self, n_outputs: int) -> float:
        """:math:`\\log_2` of the number of parameter settings, :math:`2^{bP}` with per-value-set bits."""
        k = as_int("n_outputs", n_outputs, min_value=1)
        return (
            self.n * self.m * math.log2(len(self.weights))
            + self.n * math.log2(len(self.biases))
            + k * self.n * math.log2(len(self.out_weights))
            + k * math.log2(len(self.out_biases))
        )


def _value_set(name: str, values) -> tuple:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a non-empty set of finite numbers")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat a value, got {values!r}")
    return tuple(float(v) for v in arr)


def _canonical_rows(masks: np.ndarray) -> np.ndarray:
    """Sort each row, replace repeats within a row by the sentinel, sort again: a canonical set per row."""
    srt = np.sort(masks, axis=1)
    dup = np.zeros_like(srt, dtype=bool)
    dup[:, 1:] = srt[:, 1:] == srt[:, :-1]
    srt[dup] = _SENTINEL
    return np.sort(srt, axis=1)


def enumerate_one_layer(
    m, n, *, s=None, weights=(-1, 0, 1), biases=(-1, 0, 1), out_weights=None, out_biases=None, chunk=20000
):
    """Enumerate every network :math:`y_p = [\\,v_p\\cdot\\mathrm{ReLU}(Wx+b) + c_p > 0\\,]` of a tiny class.

    The class: ``m`` boolean inputs, ``n`` hidden ReLU neurons, any number of
    threshold outputs; every hidden weight (of ``W``) is taken from ``weights``,
    every hidden bias (of ``b``) from ``biases``, every output weight (of each
    ``v_p``) from ``out_weights`` and every output bias ``c_p`` from ``out_biases``
    (both default to the hidden sets).
    Functions are compared on :func:`sparse_domain` ``(m, s)``.

    The enumeration is exact and vectorized:

    1. the :math:`|{\\rm weights}|^m|{\\rm biases}|` possible hidden neurons are reduced to
       their distinct activation patterns on the domain;
    2. a hidden layer is a multiset of ``n`` patterns (reordering neurons changes nothing);
    3. for each hidden layer ``H`` (in chunks) all :math:`|{\\rm weights}|^n|{\\rm biases}|`
       output units are evaluated at once, giving the set :math:`S(H)` of single-output
       functions; distinct sets are kept.

    A network with ``k`` outputs realises exactly the tuples in :math:`\\bigcup_H S(H)^k`,
    because each output unit has its own weights.  The tests compare this with a
    brute-force loop over every parameter setting on the smallest classes.

    Parameters
    ----------
    m : int in [1, 6]
    n : int in [1, 4]
    s : int in [0, m] or None (every input)
    weights, biases, out_weights, out_biases : sequences of distinct finite numbers
    chunk : int >= 1, hidden layers evaluated per vectorized step

    Returns
    -------
    OneLayerEnumeration
    """
    m = as_int("m", m, min_value=1, max_value=6)
    n = as_int("n", n, min_value=1, max_value=4)
    s = m if s is None else as_int("s", s, min_value=0, max_value=m)
    chunk = as_int("chunk", chunk, min_value=1)
    w_vals = _value_set("weights", weights)
    b_vals = _value_set("biases", biases)
    ow_vals = w_vals if out_weights is None else _value_set("out_weights", out_weights)
    ob_vals = b_vals if out_biases is None else _value_set("out_biases", out_biases)
    domain = sparse_domain(m, s)
    n_dom = domain.shape[0]
    if n_dom > 63:
        raise ValueError(f"the domain has {n_dom} inputs; at most 63 fit in a 64-bit mask: lower s or m")

    # 1. every hidden neuron (w, b): activation pattern on the domain
    grids = np.meshgrid(*([np.array(w_vals)] * m + [np.array(b_vals)]), indexing="ij")
    neurons = np.stack([g.ravel() for g in grids], axis=1)  # (T, m+1)
    acts = np.maximum(domain.astype(float) @ neurons[:, :m].T + neurons[:, m], 0.0).T  # (T, D)
    patterns = np.unique(acts, axis=0)  # (U, D)
    n_pat = patterns.shape[0]

    # 2. hidden layers = multisets of n patterns
    n_layers = math.comb(n_pat + n - 1, n)
    out_grids = np.meshgrid(*([np.array(ow_vals)] * n + [np.array(ob_vals)]), indexing="ij")
    outputs = np.stack([g.ravel() for g in out_grids], axis=1)  # (O, n+1)
    n_out = outputs.shape[0]
    require_size(
        "the enumeration",
        n_layers * n * 8.0 + min(chunk, n_layers) * n_dom * n_out * 8.0 * 3,
        limit_bytes=_MEMORY_LIMIT,
        advice="use fewer inputs m, fewer neurons n, a smaller domain s, or a smaller chunk",
    )
    layers_idx = _multisets(n_pat, n)
    powers = np.left_shift(np.uint64(1), np.arange(n_dom, dtype=np.uint64))

    all_sets = []
    for start in range(0, n_layers, chunk):
        idx = layers_idx[start : start + chunk]  # (C, n)
        hid = patterns[idx].transpose(0, 2, 1)  # (C, D, n)
        pre = hid @ outputs[:, :n].T + outputs[:, n]  # (C, D, O)
        fire = pre > 0
        masks = np.bitwise_or.reduce(np.where(fire, powers[None, :, None], np.uint64(0)), axis=1)  # (C, O)
        all_sets.append(np.unique(_canonical_rows(masks), axis=0))
        if len(all_sets) >= 16:  # keep memory bounded: merge the distinct sets found so far
            all_sets = [np.unique(np.concatenate(all_sets, axis=0), axis=0)]
    sets = np.unique(np.concatenate(all_sets, axis=0), axis=0)
    # trim all-sentinel columns
    width = int((sets != _SENTINEL).sum(axis=1).max())
    sets = sets[:, :width]
    functions = np.unique(sets[sets != _SENTINEL])
    return OneLayerEnumeration(
        m=m,
        n=n,
        s=s,
        weights=w_vals,
        biases=b_vals,
        out_weights=ow_vals,
        out_biases=ob_vals,
        domain=domain,
        n_patterns=n_pat,
        n_hidden_layers=n_layers,
        functions=functions,
        output_sets=sets,
    )


def _stirling2(k: int, t: int) -> int:
    """Stirling number of the second kind S(k, t)."""
    return sum((-1) ** j * math.comb(t, j) * (t - j) ** k for j in range(t + 1)) // math.factorial(t)


def count_functions(enum: OneLayerEnumeration, n_outputs: int = 1) -> int:
    """Exact number of distinct ``n_outputs``-output functions the enumerated class realises.

    An ordered tuple :math:`(f_1,\\dots,f_k)` is realisable iff the *set* of its
    distinct entries lies inside one :math:`S(H)`.  So the count is
    :math:`\\sum_t N_t \\cdot t!\\,S(k,t)`, where :math:`N_t` is the number of
    :math:`t`-sets of functions contained in some :math:`S(H)` (found by listing
    each row's :math:`t`-subsets and removing duplicates) and :math:`t!\\,S(k,t)` is
    the number of ordered :math:`k`-tuples whose entries form a given :math:`t`-set.

    Returns
    -------
    int
    """
    if not isinstance(enum, OneLayerEnumeration):
        raise TypeError("enum must be the result of enumerate_one_layer(...)")
    k = as_int("n_outputs", n_outputs, min_value=1, max_value=8)
    sets = enum.output_sets
    n_sets, width = sets.shape
    total = 0
    for t in range(1, min(k, width) + 1):
        n_comb = math.comb(width, t)
        require_size(
            f"listing the {t}-subsets of every output set",
            n_sets * n_comb * t * 8.0 * 2,
            limit_bytes=_MEMORY_LIMIT,
            advice="use a smaller class (fewer hidden neurons) or fewer outputs",
        )
        combos = _multisets(width, t, strict=True)  # (C, t): positions inside a row
        sub = sets[:, combos]  # (K, C, t)
        valid = ~(sub == _SENTINEL).any(axis=2)
        sub = sub[valid]  # (N, t), each row sorted ascending, distinct entries
        if sub.size == 0:
            continue
        # encode each t-set as one integer (base G over the indices of the functions)
        idx = np.searchsorted(enum.functions, sub).astype(np.int64)
        n_g = enum.functions.size
        if n_g**t < 2**62:
            code = np.zeros(idx.shape[0], dtype=np.int64)
            for col in range(t):
                code = code * n_g + idx[:, col]
            n_t = np.unique(code).size
        else:
            n_t = np.unique(idx, axis=0).shape[0]
        total += n_t * math.factorial(t) * _stirling2(k, t)
    return int(total)


def count_realised(enum: OneLayerEnumeration, targets) -> np.ndarray:
    """Which members of a target family the enumerated class realises.

    Parameters
    ----------
    enum : OneLayerEnumeration
    targets : array_like of uint64, shape (F, k)
        Member ``f`` asks for output ``p`` to compute the function with mask
        ``targets[f, p]`` (bit ``r`` = value on ``enum.domain[r]``).  At most 64
        distinct masks in total.

    Returns
    -------
    ndarray of bool, shape (F,)
        ``True`` where some network of the class computes every output of the member.
    """
    if not isinstance(enum, OneLayerEnumeration):
        raise TypeError("enum must be the result of enumerate_one_layer(...)")
    tg = np.asarray(targets)
    if tg.ndim != 2 or not np.issubdtype(tg.dtype, np.integer):
        raise ValueError(f"targets must be a 2-d integer array of masks (members, outputs), got shape {tg.shape}")
    tg = tg.astype(np.uint64)
    distinct, inverse = np.unique(tg, return_inverse=True)
    inverse = inverse.reshape(tg.shape)
    if distinct.size > 64:
        raise ValueError(f"targets may use at most 64 distinct functions, got {distinct.size}")
    bit = np.left_shift(np.uint64(1), np.arange(distinct.size, dtype=np.uint64))
    # which distinct targets each output set contains, as a bitmask per set
    member = (enum.output_sets[:, :, None] == distinct[None, None, :]).any(axis=1)  # (K, T)
    set_bits = np.unique(np.bitwise_or.reduce(np.where(member, bit, np.uint64(0)), axis=1))
    need = np.bitwise_or.reduce(bit[inverse], axis=1)  # (F,)
    return ((need[:, None] & ~set_bits[None, :]) == 0).any(axis=1)


def pair_family_targets(domain, m_prime):
    """Every member of the pair family on ``domain``: all sets of ``m_prime`` pairs, as AND masks.

    Parameters
    ----------
    domain : ndarray (D, m) of 0/1, e.g. from :func:`sparse_domain`
    m_prime : int in [1, C(m, 2)]

    Returns
    -------
    ndarray of uint64, shape (C(C(m,2), m_prime), m_prime)
        Row = one set of pairs in lexicographic order; entry = the mask of
        :math:`x_i \\wedge x_j` on the domain.
    """
    dom = np.asarray(domain)
    if dom.ndim != 2 or dom.shape[0] > 63:
        raise ValueError("domain must be a (D, m) 0/1 array with D <= 63")
    m = dom.shape[1]
    n_pairs = m * (m - 1) // 2
    m_prime = as_int("m_prime", m_prime, min_value=1, max_value=n_pairs)
    require_size(
        "the pair family", math.comb(n_pairs, m_prime) * m_prime * 8.0, limit_bytes=_MEMORY_LIMIT, advice="use a smaller m"
    )
    ii, jj = np.triu_indices(m, k=1)
    powers = np.left_shift(np.uint64(1), np.arange(dom.shape[0], dtype=np.uint64))
    and_vals = (dom[:, ii] & dom[:, jj]).astype(bool)  # (D, pairs)
    pair_masks = np.bitwise_or.reduce(np.where(and_vals, powers[:, None], np.uint64(0)), axis=0)
    sets = _multisets(n_pairs, m_prime, strict=True)
    return pair_masks[sets]


# --------------------------------------------------------------------------------------------------
# the precision experiment
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairAndNetwork:
    """A one-hidden-layer network computing ANDs of chosen pairs of features given in superposition.

    Input: :math:`x = Ef` with a fixed code ``E`` (d, m) of unit-norm columns (the interface, not
    a parameter).  Hidden neuron ``p`` for pair ``(i, j)``: :math:`h_p = \\mathrm{ReLU}(w_p\\cdot x + \\beta_p)`
    with :math:`w_p = e_i + e_j` and :math:`\\beta_p = -1`.  Output: :math:`y_p = [h_p > 1/2]`.
    Parameters are ``W`` (m', d) and ``bias`` (m',).
    """

    E: np.ndarray
    pairs: np.ndarray
    W: np.ndarray
    bias: np.ndarray
    threshold: float = 0.5


def superposed_pair_and_network(m, m_prime, d, rng) -> PairAndNetwork:
    """Build the :class:`PairAndNetwork` for ``m_prime`` random distinct pairs of ``m`` features in ``d`` dimensions.

    ``E`` has i.i.d. Gaussian columns scaled to unit norm; the pairs are a uniform
    random ``m_prime``-subset of the :math:`\\binom m2` pairs (sorted).  Whether the
    network is exactly correct depends on ``d``: check with :func:`pair_and_margin`.
    """
    m = as_int("m", m, min_value=2, max_value=4096)
    n_pairs = m * (m - 1) // 2
    m_prime = as_int("m_prime", m_prime, min_value=1, max_value=n_pairs)
    d = as_int("d", d, min_value=1, max_value=65536)
    rng = as_rng(rng)
    E = rng.standard_normal((d, m))
    E /= np.linalg.norm(E, axis=0, keepdims=True)
    chosen = np.sort(rng.choice(n_pairs, size=m_prime, replace=False))
    ii, jj = np.triu_indices(m, k=1)
    pairs = np.stack([ii[chosen], jj[chosen]], axis=1)
    W = (E[:, pairs[:, 0]] + E[:, pairs[:, 1]]).T.copy()
    return PairAndNetwork(E=E, pairs=pairs, W=W, bias=-np.ones(m_prime))


def quantize(values, bits):
    """Round to a symmetric uniform ``bits``-bit grid scaled to the largest magnitude (per tensor).

    The grid is :math:`\\{k\\Delta : |k| \\le 2^{b-1}-1\\}` with
    :math:`\\Delta = \\max|v| / (2^{b-1}-1)`: one sign bit and :math:`b-1` magnitude bits,
    plus one shared scale per tensor.  ``bits`` >= 2.  An all-zero tensor stays zero.

    Returns
    -------
    ndarray of float64, the shape of ``values``
    """
    bits = as_int("bits", bits, min_value=2, max_value=52)
    v = np.asarray(values, dtype=float)
    levels = 2 ** (bits - 1) - 1
    scale = np.max(np.abs(v)) if v.size else 0.0
    if scale == 0:
        return v.copy()
    step = scale / levels
    return np.clip(np.round(v / step), -levels, levels) * step


def _check_net(net) -> None:
    if not isinstance(net, PairAndNetwork):
        raise TypeError("net must be a PairAndNetwork (from superposed_pair_and_network)")


def pair_and_margin(net: PairAndNetwork, s, *, W=None, bias=None) -> float:
    """Worst signed margin of the network over every input with at most ``s`` active features.

    For each input and each output: :math:`h_p - \\tfrac12` if the pair is on, else
    :math:`\\tfrac12 - h_p`.  Returns the minimum; the network is exactly correct iff it is > 0.
    ``W``/``bias`` replace the network's parameters (e.g. rounded copies).
    """
    _check_net(net)
    m = net.E.shape[1]
    s = as_int("s", s, min_value=2, max_value=min(m, 4))
    n_inputs = sum(math.comb(m, k) for k in range(s + 1))
    m_prime = net.pairs.shape[0]
    require_size(
        "the exhaustive check", n_inputs * m_prime * 8.0 * 3, limit_bytes=_MEMORY_LIMIT, advice="lower m, s or m_prime"
    )
    W = net.W if W is None else np.asarray(W, dtype=float)
    bias = net.bias if bias is None else np.asarray(bias, dtype=float)
    # every active set with at most s features, as index rows padded with -1
    rows = [np.full((1, s), -1, dtype=np.int64)]
    for k in range(1, s + 1):
        c = _multisets(m, k, strict=True)
        rows.append(np.concatenate([c, np.full((c.shape[0], s - k), -1, dtype=np.int64)], axis=1))
    active = np.concatenate(rows, axis=0)  # (N, s)
    Ez = np.concatenate([net.E, np.zeros((net.E.shape[0], 1))], axis=1)  # column m = "no feature"
    X = Ez[:, active].sum(axis=2).T  # (N, d)
    h = np.maximum(X @ W.T + bias, 0.0)  # (N, m')
    on = np.zeros((active.shape[0], m + 1), dtype=bool)
    np.put_along_axis(on, np.where(active < 0, m, active), True, axis=1)
    truth = on[:, net.pairs[:, 0]] & on[:, net.pairs[:, 1]]
    signed = np.where(truth, h - net.threshold, net.threshold - h)
    return float(signed.min())


def min_exact_bits(net: PairAndNetwork, s, *, max_bits=32) -> int:
    """Smallest ``b`` in [2, max_bits] for which the network with :func:`quantize`-d ``W`` and ``bias`` is still exactly correct.

    Scans ``b = 2, 3, ...`` and returns the first ``b`` whose rounded network has a
    positive :func:`pair_and_margin` on every input with at most ``s`` active features.

    Raises
    ------
    ValueError
        If the unrounded network itself is not exactly correct (then no ``b`` helps).
    """
    _check_net(net)
    max_bits = as_int("max_bits", max_bits, min_value=2, max_value=52)
    if pair_and_margin(net, s) <= 0:
        raise ValueError("the unrounded network is not exactly correct on every s-sparse input: raise d")
    for b in range(2, max_bits + 1):
        if pair_and_margin(net, s, W=quantize(net.W, b), bias=quantize(net.bias, b)) > 0:
            return b
    raise ValueError(f"no b <= max_bits = {max_bits} keeps every output correct")


def sufficient_bits(net: PairAndNetwork, s) -> int:
    """A precision that provably suffices: the smallest ``b`` with :math:`\\tfrac{\\Delta}{2}(\\max\\|x\\|_1 + 1) < \\gamma`.

    Rounding moves each weight by at most :math:`\\Delta/2` and the bias by at most
    :math:`\\Delta_\\beta/2 \\le \\Delta/2` here, so a pre-activation moves by at most
    :math:`\\tfrac{\\Delta}2(\\|x\\|_1 + 1)`; the ReLU and the threshold at 1/2 keep every
    output correct while that stays below the margin :math:`\\gamma`
    (:func:`pair_and_margin`).  :math:`\\|x\\|_1 \\le \\sum_{i \\in S}\\|e_i\\|_1` over the
    ``s`` largest columns.  (This book's own derivation.)
    """
    _check_net(net)
    gamma = pair_and_margin(net, s)
    if gamma <= 0:
        raise ValueError("the unrounded network is not exactly correct on every s-sparse input: raise d")
    col_l1 = np.sort(np.abs(net.E).sum(axis=0))[::-1]
    x_l1 = col_l1[: as_int("s", s, min_value=2)].sum()
    scale = max(np.max(np.abs(net.W)), np.max(np.abs(net.bias)))
    # need (scale / (2^{b-1}-1)) / 2 * (x_l1 + 1) < gamma
    levels_needed = scale * (x_l1 + 1.0) / (2.0 * gamma)
    return int(max(2, math.floor(math.log2(levels_needed + 1.0)) + 2))


# --------------------------------------------------------------------------------------------------
# the explorer's figure
# --------------------------------------------------------------------------------------------------
def plot_bounds_explorer(m=10_000, m_prime=100_000, bits_per_parameter=8.0, layers=1):
    """Neuron lower bound against :math:`m'` for both families, marked at the chosen :math:`m'`.

    Left: :func:`min_neurons`, the width of each of ``layers`` layers, for permutations of
    :math:`m'` features and for sets of :math:`m'` pairs of ``m`` features (up to :math:`\\binom m2`);
    the depth-free total :func:`min_total_neurons`, which ``layers`` does not change; the total
    of ``layers`` layers of the smallest width; and the guide :math:`\\sqrt{m'\\log_2 m'/(bL)}`.
    Right: the capacity :func:`max_features` against the width :math:`n`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    m = as_int("m", m, min_value=2, max_value=MAX_M_PAIRS)
    n_pairs = m * (m - 1) // 2
    m_prime = as_int("m_prime", m_prime, min_value=2, max_value=n_pairs)
    b = as_float("bits_per_parameter", bits_per_parameter, min_value=0.0, min_inclusive=False)
    layers = as_int("layers", layers, min_value=1)

    grid = np.unique(np.round(np.logspace(0.31, 12, 300)).astype(np.int64))
    pair_grid = grid[grid <= n_pairs]
    n_perm = min_neurons(log2_permutations(grid), b, layers)
    n_pair = min_neurons(log2_pair_families(m, pair_grid), b, layers)
    guide = np.sqrt(grid * np.log2(grid) / (b * layers))

    total_perm = min_total_neurons(log2_permutations(grid), b)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax.loglog(grid, n_perm, label=f"width of each of L = {layers} layer(s), permutations")
    ax.loglog(pair_grid, n_pair, label=f"width of each layer, pairs of m = {m:,} features")
    ax.loglog(grid, total_perm, "k-", lw=2.0, label="total neurons, any depth (permutations)")
    if layers > 1:
        ax.loglog(grid, layers * n_perm, "--", color="0.45", label=f"total of {layers} layers of that width")
    ax.loglog(grid, guide, "k:", label=r"$\sqrt{m'\log_2 m' / (bL)}$")
    here_perm = min_neurons(log2_permutations(m_prime), b, layers)
    here_pair = min_neurons(log2_pair_families(m, m_prime), b, layers)
    ax.plot([m_prime], [here_perm], "o", color="C0")
    ax.plot([m_prime], [here_pair], "s", color="C1")
    ax.set_xlabel("output features m′")
    ax.set_ylabel("neurons (lower bound)")
    here_total = min_total_neurons(log2_permutations(m_prime), b)
    ax.set_title(f"b = {b:g} bits, L = {layers}, m′ = {m_prime:,}: width ≥ {here_perm:,} (perm.) / "
                 f"{here_pair:,} (pairs); total ≥ {here_total:,}")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8)

    widths = np.unique(np.round(np.logspace(0, 5, 120)).astype(np.int64))
    ax2.loglog(widths, max_features(widths, b, layers), label="permutation family")
    ax2.loglog(widths, max_features(widths, b, layers, m=m), label=f"pair family, m = {m:,}")
    ax2.axhline(n_pairs, color="0.5", lw=0.8, ls="--", label=r"all $\binom{m}{2}$ pairs")
    ax2.set_xlabel("neurons n")
    ax2.set_ylabel("largest m′ the bound allows")
    ax2.set_title("capacity: m′ = O(n² / log n)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------
# the scope of the bound: total neurons, the per-output-slot error model, the all-zero network
# --------------------------------------------------------------------------------------------------
def min_total_neurons(log2_family, bits_per_parameter):
    """Smallest total neuron count :math:`N \\ge 1` with :math:`(N^2+N)\\,b \\ge \\log_2|\\mathcal F|`, at *any* depth.

    A feed-forward ReLU network (any depth, skip connections allowed) whose units,
    input coordinates included, number :math:`N` has at most :math:`N(N+1)/2 \\le N^2+N`
    weights and biases: order the units topologically; unit ``i`` has at most ``i - 1``
    incoming weights and one bias.  The counting principle then gives
    :math:`N \\ge \\sqrt{\\log_2|\\mathcal F|/b} - 1`, whatever the depth.  This is
    :func:`min_neurons` with one layer, read as a bound on the total count.

    Returns
    -------
    int or ndarray of int64 (broadcast shape)
    """
    return min_neurons(log2_family, bits_per_parameter, 1)


def _log2_binom_cumsum(n_total: float, k_max: int) -> float:
    """log2 of sum_{j <= k_max} C(n_total, j), exactly in floating point (log-sum-exp over j)."""
    if k_max <= 0:
        return 0.0
    j = np.arange(0, k_max + 1, dtype=float)
    ln_terms = -np.log(n_total + 1.0) - betaln(n_total - j + 1.0, j + 1.0)
    top = ln_terms.max()
    return float((top + np.log(np.exp(ln_terms - top).sum())) / _LN2)


def log2_tolerant_pair_bound(m, m_prime, eps):
    """Bits a network needs to compute any set of ``m_prime`` pairs when ``eps·m_prime`` output slots may be wrong.

    The error model (per output slot): output slot ``j`` must be right on every input with
    at most two active features, except for at most :math:`k = \\lfloor \\varepsilon m' \\rfloor`
    slots.  One setting of the parameters is then consistent with at most
    :math:`A = \\sum_{j\\le k}\\binom{m'}{j}\\cdot\\sum_{j\\le k}\\binom{N}{j}` members
    (:math:`N = \\binom m2`), so the parameters must hold at least
    :math:`\\log_2\\binom{N}{m'} - \\log_2 A \\ge (1-\\varepsilon)\\log_2\\binom{N}{m'} - 2\\varepsilon m'\\log_2(e/\\varepsilon)`
    bits (this book's derivation, in the chapter).

    Parameters
    ----------
    m : int in [2, 2**32]
    m_prime : int in [1, C(m, 2)]
    eps : float in [0, 1]
        Fraction of output slots allowed to be wrong.  ``k`` must be at most 10**7.

    Returns
    -------
    float
        :math:`\\max(0, \\log_2\\binom{N}{m'} - \\log_2 A)`.
    """
    m = as_int("m", m, min_value=2, max_value=MAX_M_PAIRS)
    n_pairs = m * (m - 1) // 2
    m_prime = as_int("m_prime", m_prime, min_value=1, max_value=n_pairs)
    eps = as_float("eps", eps, min_value=0.0, max_value=1.0)
    k = int(math.floor(eps * m_prime + 1e-12))
    if k > 10**7:
        raise ValueError(f"eps * m_prime = {k} wrong slots is too many to sum exactly; use eps * m_prime <= 1e7")
    full = float(log2_pair_families(m, m_prime))
    loss = _log2_binom_cumsum(float(m_prime), k) + _log2_binom_cumsum(float(n_pairs), k)
    return max(0.0, full - loss)


def zero_network_error_bound(m, m_prime, s):
    """Upper bound :math:`\\binom s2 m'/\\binom m2` on the chance that the all-zero network errs.

    On a uniformly random input with exactly ``s`` of ``m`` features active, a fixed pair is
    inside the active set with probability :math:`\\binom s2/\\binom m2`; the network that
    outputs 0 everywhere errs only when some of the ``m_prime`` pairs is inside, so by the
    union bound (linearity of expectation) it errs with probability at most
    :math:`\\binom s2 m'/\\binom m2`, *for every fixed set of pairs*.

    Returns
    -------
    float or ndarray of float64 (broadcast shape)
    """
    m_arr = _int_array("m", m, min_value=2, max_value=MAX_M_PAIRS).astype(float)
    k_arr = _int_array("m_prime", m_prime, min_value=0).astype(float)
    s_arr = _int_array("s", s, min_value=0).astype(float)
    if np.any(s_arr > m_arr):
        raise ValueError("s must be at most m (active features among m)")
    val = s_arr * (s_arr - 1) / (m_arr * (m_arr - 1)) * k_arr
    return _out(np.asarray(val), all(np.ndim(a) == 0 for a in (m, m_prime, s)))


# --------------------------------------------------------------------------------------------------
# Chapter 4's network as a two-layer ReLU network: check it, round it
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TwoLayerMLP:
    """A one-hidden-layer ReLU network with fixed codes, read for rounding and exhaustive checks.

    The model (every matrix may be a scipy sparse matrix or a dense array)::

        x = E_in f                    (n,)  fixed input code E_in (n, m), not a parameter
        h = ReLU(W1 x + b1)           (n_hidden,)   W1 (n_hidden, n), b1 (n_hidden,)
        y = W2 h                      (n,)  W2 (n, n_hidden)
        output e = [ <readout[e], y> > tau ]   readout (m', n) fixed, not a parameter

    The parameters are ``W1``, ``b1`` and ``W2``; ``pairs`` (m', 2) says which AND output e
    must compute.
    """

    E_in: object
    W1: object
    b1: np.ndarray
    W2: object
    readout: object
    tau: float
    pairs: np.ndarray

    @property
    def m(self) -> int:
        return int(self.E_in.shape[1])

    @property
    def m_prime(self) -> int:
        return int(self.pairs.shape[0])


def as_two_layer(net) -> TwoLayerMLP:
    """Adapter: read a network built by :func:`superposition.pairwise_and.build_pairwise_and` as a :class:`TwoLayerMLP`.

    This is the one place that knows the layout of Chapter 4's network.  It uses the public
    attributes ``E_in_T`` (m, n), ``B`` (n, m), ``R`` (m', n), ``E_out_T`` (m', n), ``theta``,
    ``tau`` and ``pairs``: :math:`W_1 = B\\,E_{in}^\\top` (sparse n × n), :math:`b_1 = -b` (``net.bias``; θ on every shared neuron),
    :math:`W_2 = E_{out} R` (sparse n × n), readout = ``E_out_T``.  If the network offers an
    ``as_mlp()`` export with attributes ``W1, b1, W2, E_in, readout, tau, pairs`` (or a
    :class:`TwoLayerMLP` itself), that is used instead.

    Returns
    -------
    TwoLayerMLP (W1, W2 float32 CSR, as Chapter 4 computes them; the codes float64)
    """
    import scipy.sparse as sp

    if isinstance(net, TwoLayerMLP):
        return net
    if hasattr(net, "as_mlp"):
        mlp = net.as_mlp()
        if isinstance(mlp, TwoLayerMLP):
            return mlp
        try:
            return TwoLayerMLP(E_in=mlp.E_in, W1=mlp.W1, b1=np.asarray(mlp.b1, dtype=float), W2=mlp.W2,
                               readout=mlp.readout, tau=float(mlp.tau), pairs=np.asarray(mlp.pairs))
        except AttributeError:
            pass  # fall back to the sparse factors below
    needed = ("E_in_T", "B", "R", "E_out_T", "theta", "tau", "pairs")
    missing = [a for a in needed if not hasattr(net, a)]
    if missing:
        raise TypeError(f"net must be a network from build_pairwise_and (missing attributes {missing})")
    E_in_T = sp.csr_matrix(net.E_in_T, dtype=np.float32)
    W1 = (sp.csr_matrix(net.B, dtype=np.float32) @ E_in_T).tocsr()
    W2 = (sp.csr_matrix(net.E_out_T, dtype=np.float32).T @ sp.csr_matrix(net.R, dtype=np.float32)).tocsr()
    E_in_T = E_in_T.astype(np.float64)
    return TwoLayerMLP(
        E_in=E_in_T.T.tocsr(), W1=W1, W2=W2,
        b1=(np.full(W1.shape[0], -float(net.theta)) if getattr(net, "hidden_bias", None) is None
            else -np.asarray(net.hidden_bias, dtype=float)),
        readout=sp.csr_matrix(net.E_out_T, dtype=np.float64), tau=float(net.tau), pairs=np.asarray(net.pairs),
    )


def round_per_tensor(matrix, bits):
    """Symmetric uniform quantisation with one scale per tensor: returns ``(rounded, scale)``.

    Every entry is rounded to the nearest point of :math:`\\{k\\Delta : |k| \\le 2^{b-1}-1\\}`,
    :math:`\\Delta = \\max|v|/(2^{b-1}-1)` (one sign bit, ``bits - 1`` magnitude bits).  The
    scale :math:`\\Delta` is one extra real parameter per tensor.  Zeros stay zero, so a
    scipy sparse matrix is rounded on its stored entries and stays sparse.

    Parameters
    ----------
    matrix : ndarray or scipy sparse matrix
    bits : int in [2, 52]

    Returns
    -------
    (same type as ``matrix``; float32 stays float32, anything else becomes float64), float
    """
    import scipy.sparse as sp

    bits = as_int("bits", bits, min_value=2, max_value=52)
    levels = 2 ** (bits - 1) - 1
    dtype = np.float32 if getattr(matrix, "dtype", None) == np.float32 else np.float64
    if sp.issparse(matrix):
        out = sp.csr_matrix(matrix, dtype=dtype, copy=True)
        vals = out.data
    else:
        out = np.array(matrix, dtype=dtype, copy=True)
        vals = out.reshape(-1)
    big = float(np.max(np.abs(vals))) if vals.size else 0.0
    if big == 0.0:
        return out, 0.0
    step = big / levels
    vals[...] = np.clip(np.round(vals.astype(np.float64) / step), -levels, levels) * step
    if sp.issparse(out):
        out.eliminate_zeros()
    return out, step


def sparse_active_sets(m, s_max=2):
    """Every input on ``m`` features with at most ``s_max`` active ones, as index rows padded with -1.

    Returns
    -------
    ndarray of int64, shape (sum_{k<=s_max} C(m, k), s_max)
        Row 0 is the empty input; then the singles; then the pairs (lexicographic), ...
    """
    m = as_int("m", m, min_value=2, max_value=100_000)
    s_max = as_int("s_max", s_max, min_value=1, max_value=3)
    total = sum(math.comb(m, k) for k in range(s_max + 1))
    require_size("the list of sparse inputs", total * s_max * 8.0, limit_bytes=_MEMORY_LIMIT,
                 advice="lower m or s_max")
    rows = [np.full((1, s_max), -1, dtype=np.int64)]
    for k in range(1, s_max + 1):
        if k == 1:
            c = np.arange(m, dtype=np.int64)[:, None]
        elif k == 2:
            c = np.stack(np.triu_indices(m, 1), axis=1).astype(np.int64)
        else:
            c = _multisets(m, k, strict=True).astype(np.int64)
        rows.append(np.concatenate([c, np.full((c.shape[0], s_max - k), -1, dtype=np.int64)], axis=1))
    return np.concatenate(rows, axis=0)


@dataclass(frozen=True)
class DecodeResult:
    """What :func:`decode_margins` measured over a batch of inputs.

    ``wrong_bits``: outputs decoded wrongly, summed over the inputs; ``wrong_inputs``: inputs with
    at least one wrong output; ``min_true``: smallest decoded value of an output that should be 1
    (``inf`` if none); ``max_false``: largest decoded value of an output that should be 0;
    ``n_inputs``.  The network is right on every input iff ``wrong_bits == 0``, i.e.
    ``min_true > tau >= max_false``.
    """

    wrong_bits: int
    wrong_inputs: int
    min_true: float
    max_false: float
    n_inputs: int


def decode_margins(mlp, active, *, W1=None, b1=None, W2=None, batch=None) -> DecodeResult:
    """Run a :class:`TwoLayerMLP` on every row of ``active`` and compare each decoded output with the truth.

    Parameters
    ----------
    mlp : TwoLayerMLP, or a network accepted by :func:`as_two_layer`
    active : (batch, k) int array of active feature indices, ``-1`` = padding (e.g. :func:`sparse_active_sets`)
    W1, b1, W2 : optional replacements of the parameters (e.g. rounded copies)
    batch : inputs processed at a time (default: so that an (m', batch) block stays below 64 MiB)

    Returns
    -------
    DecodeResult
    """
    import scipy.sparse as sp

    mlp = as_two_layer(mlp)
    act = np.asarray(active)
    if act.ndim != 2 or not np.issubdtype(act.dtype, np.integer):
        raise ValueError(f"active must be a 2-d integer array (inputs, k) padded with -1, got shape {act.shape}")
    m, mp = mlp.m, mlp.m_prime
    if np.any(act >= m) or np.any(act < -1):
        raise ValueError(f"active must hold feature indices in [0, m) = [0, {m}) or -1 for padding")
    W1 = mlp.W1 if W1 is None else W1
    b1 = mlp.b1 if b1 is None else np.asarray(b1, dtype=float)
    W2 = mlp.W2 if W2 is None else W2
    if batch is None:  # keep the dense (n, batch) and the decoded (m', batch) blocks near 16 MiB
        batch = int(max(1, min(2048, 2**21 // max(mlp.W1.shape[0], mp, 1))))
    batch = as_int("batch", batch, min_value=1)
    keys = mlp.pairs[:, 0].astype(np.int64) * m + mlp.pairs[:, 1]
    keys_rev = mlp.pairs[:, 1].astype(np.int64) * m + mlp.pairs[:, 0]
    all_keys = np.concatenate([keys, keys_rev])
    order = np.argsort(all_keys)
    sorted_keys, key_out = all_keys[order], np.concatenate([np.arange(mp), np.arange(mp)])[order]
    wrong_bits = wrong_inputs = 0
    min_true, max_false = math.inf, -math.inf
    for lo in range(0, act.shape[0], batch):
        blk = act[lo:lo + batch]
        b, k = blk.shape
        rr, cc = np.nonzero(blk >= 0)
        F = sp.csc_matrix((np.ones(rr.size), (blk[rr, cc], rr)), shape=(m, b))  # (m, b) indicator
        # ground truth: the output pairs inside each active set, as (output, input) coordinates
        iu, ju = np.triu_indices(k, 1)
        a_, b_ = blk[:, iu], blk[:, ju]
        valid = (a_ >= 0) & (b_ >= 0)
        cand = np.where(valid, a_ * m + b_, -1)
        pos = np.clip(np.searchsorted(sorted_keys, cand), 0, sorted_keys.size - 1)
        hit = valid & (sorted_keys[pos] == cand)
        t_in, t_slot = np.nonzero(hit)
        t_out = key_out[pos[t_in, t_slot]]
        t_code = np.unique(t_out.astype(np.int64) * b + t_in)
        # forward pass: dense pre-activations (n_hidden, b), then the (mostly zero) ReLU output kept sparse
        x = mlp.E_in @ F
        x = x.toarray() if sp.issparse(x) else np.asarray(x)
        pre = W1 @ x.astype(W1.dtype, copy=False)  # same dtype: no upcast copy of a large sparse W1
        pre = np.asarray(pre.toarray() if sp.issparse(pre) else pre, dtype=np.float64)
        pre += b1[:, None]
        np.maximum(pre, 0.0, out=pre)
        H = sp.csc_matrix(pre, dtype=W2.dtype)
        del pre, x
        Y = W2 @ H
        Y = Y if sp.issparse(Y) else sp.csc_matrix(np.asarray(Y))
        D = mlp.readout @ Y.astype(np.float64)
        D = sp.coo_matrix(D)
        D.eliminate_zeros()
        d_code = D.row.astype(np.int64) * b + D.col
        d_val = D.data.astype(np.float64)
        del D, H, Y
        o = np.argsort(d_code)
        d_code, d_val = d_code[o], d_val[o]
        # decoded value at every true coordinate (0 where nothing was stored)
        if d_code.size:
            tp = np.clip(np.searchsorted(d_code, t_code), 0, d_code.size - 1)
            t_val = np.where(d_code[tp] == t_code, d_val[tp], 0.0)
        else:
            t_val = np.zeros(t_code.size)
        is_true = np.isin(d_code, t_code, assume_unique=False)
        f_val = d_val[~is_true]
        n_false_total = mp * b - t_code.size
        wrong_t = t_code[t_val <= mlp.tau]
        wrong_f = d_code[~is_true][f_val > mlp.tau]
        wrong_bits += int(wrong_t.size + wrong_f.size)
        wrong_inputs += int(np.unique(np.concatenate([wrong_t % b, wrong_f % b])).size)
        if t_code.size:
            min_true = min(min_true, float(t_val.min()))
        if n_false_total > 0:
            stored_max = float(f_val.max()) if f_val.size else -math.inf
            max_false = max(max_false, stored_max, 0.0 if f_val.size < n_false_total else -math.inf)
    return DecodeResult(wrong_bits, wrong_inputs, min_true, max_false, int(act.shape[0]))


def smallest_exact_bits(net, active_sets, *, max_bits=16, min_bits=2):
    """Smallest ``b`` for which rounding W₁, b₁ and W₂ per tensor to ``b`` bits keeps every output right.

    Each parameter tensor is rounded by :func:`round_per_tensor` (one scale per tensor,
    i.e. three extra real parameters in all); the rounded network is run on every row of
    ``active_sets`` by :func:`decode_margins`.  Returns the first ``b`` in
    ``[min_bits, max_bits]`` with zero wrong bits, and the margins per ``b`` tried.

    Parameters
    ----------
    net : a network from :func:`superposition.pairwise_and.build_pairwise_and`, or a :class:`TwoLayerMLP`
    active_sets : (inputs, k) int array padded with -1
    max_bits, min_bits : int

    Returns
    -------
    (int, dict[int, DecodeResult])

    Raises
    ------
    ValueError
        If the unrounded network already errs on ``active_sets`` (no precision helps), or if
        no ``b <= max_bits`` keeps it exact.
    """
    mlp = as_two_layer(net)
    min_bits = as_int("min_bits", min_bits, min_value=2, max_value=52)
    max_bits = as_int("max_bits", max_bits, min_value=min_bits, max_value=52)
    base = decode_margins(mlp, active_sets)
    if base.wrong_bits:
        raise ValueError(f"the unrounded network already gets {base.wrong_bits} bits wrong on active_sets: "
                         "no precision makes it exact (widen the network)")
    tried = {}
    for b in range(min_bits, max_bits + 1):
        W1, _ = round_per_tensor(mlp.W1, b)
        b1, _ = round_per_tensor(mlp.b1, b)
        W2, _ = round_per_tensor(mlp.W2, b)
        tried[b] = decode_margins(mlp, active_sets, W1=W1, b1=b1, W2=W2)
        if tried[b].wrong_bits == 0:
            return b, tried
    raise ValueError(f"no b <= max_bits = {max_bits} keeps every output right")


# --------------------------------------------------------------------------------------------------
# a fixed-readout miniature: permutations of k features
# --------------------------------------------------------------------------------------------------
def fixed_readout_permutations(k):
    """Count, by enumeration, how a fixed-readout class computes the permutations of ``k`` features.

    The class: ``k`` hidden ReLU units :math:`h_i = \\mathrm{ReLU}(w_i\\cdot x + \\beta_i)` with
    :math:`w_i \\in \\{-1,0,1\\}^k`, :math:`\\beta_i \\in \\{-1,0,1\\}`, and the *fixed* readout
    "output ``i`` is :math:`[h_i > 0]`" (the same for every member).  Inputs: the zero input and
    the ``k`` single-feature inputs.  Member :math:`\\pi` asks output ``i`` to equal :math:`x_{\\pi(i)}`.
    The units are independent, so the settings computing :math:`\\pi` number
    :math:`\\prod_i c_{\\pi(i)}`, where :math:`c_j` is the number of single-unit settings that compute
    :math:`x_j`; every unit setting is enumerated to find :math:`c_j`.

    Returns
    -------
    dict with ``members`` (k!), ``realised`` (members some setting computes), ``settings_per_member``
    (the same for every member), ``settings`` (:math:`3^{k(k+1)}`, all settings of the class)
    """
    k = as_int("k", k, min_value=1, max_value=6)
    grid = np.array(np.meshgrid(*([np.array([-1, 0, 1])] * (k + 1)), indexing="ij")).reshape(k + 1, -1).T
    w, beta = grid[:, :k], grid[:, k]  # (3^(k+1), k), (3^(k+1),)
    inputs = np.vstack([np.zeros((1, k), dtype=np.int64), np.eye(k, dtype=np.int64)])  # zero input, then e_1..e_k
    fires = (w @ inputs.T + beta[:, None]) > 0  # (settings of one unit, k + 1 inputs)
    targets = inputs.T.astype(bool)  # target j: on exactly at e_j
    c = np.array([int(np.all(fires == targets[j][None, :], axis=1).sum()) for j in range(k)])
    per_member = int(np.prod(c.astype(object)))
    return {
        "members": math.factorial(k),
        "realised": math.factorial(k) if np.all(c > 0) else 0,
        "settings_per_member": per_member,
        "settings": 3 ** (k * (k + 1)),
    }
