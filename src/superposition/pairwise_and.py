"""Computing an arbitrary set of m′ pairwise ANDs in superposition (Chapter 4).

This is the book's own construction, built on the ideas that Adler & Shavit
(arXiv 2409.15318) name in their abstract and talk: every weight matrix is read
as ``W = C · D`` (a sparse *decompression* D into a wide sparse space, then a
sparse *computation/compression* C back to ``n`` dimensions); each pair is routed
through the channel of its higher-influence endpoint; pair "chunks" are packed
into neurons with ``L`` redundant copies; outputs are compressed into ``n``
dimensions and read out by thresholding.  It is **not** the paper's construction
(whose body was not available to us); every property is measured in the chapter.

The model (one ReLU layer of width ``n``, inputs and outputs in superposition)::

    x = E_in f                       (n,)   input in superposition, unit-norm random sparse columns
    h = ReLU(B · E_inᵀ · x − θ)      (n,)   W1 = C1·D1 with D1 = E_inᵀ (m×n), C1 = B (n×m, 0/1)
    y = E_out · R · h                (n,)   W2 = C2·D2 with D2 = R (m′×n), C2 = E_out (n×m′)
    output e decoded as  [⟨E_out[:, e], y⟩ > τ]

Neuron ``k`` holds a few *chunks*; a chunk is a centre feature ``a`` together
with ``q_a`` of the leaves of its out-edges (``q_a = 1`` for all but high-degree
centres), and each edge sits in ``L`` chunks placed in random neurons.  ``R``
averages the ``L`` neurons of an edge.

Public interface: :func:`build_pairwise_and` → :class:`PairwiseANDNetwork`
(``predict``, ``n``, ``parameter_counts``, ``dense_weights``), the memory-bounded
verifier :func:`count_wrong_bits`, input generators :func:`uniform_inputs`,
:func:`planted_inputs`, :func:`hub_inputs`, graph generators :func:`uniform_pairs`,
:func:`chung_lu_pairs`, and the width search :func:`smallest_width`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._validate import as_float, as_index_array, as_int, as_rng, require_size

__all__ = [
    "PairwiseANDNetwork",
    "build_pairwise_and",
    "validate_pairs",
    "validate_active",
    "uniform_pairs",
    "chung_lu_pairs",
    "uniform_inputs",
    "planted_inputs",
    "greedy_matching",
    "hub_inputs",
    "near_miss_inputs",
    "mixed_inputs",
    "INPUT_KINDS",
    "hub_block_cost",
    "hub_cost_model",
    "WidthTooSmall",
    "true_outputs",
    "count_wrong_bits",
    "validate_mlp",
    "mlp_forward",
    "predict_mlp",
    "round_weights",
    "smallest_exact_bits",
    "mlp_output_values",
    "smallest_width",
    "width_grid",
    "naive_and_neurons",
    "VerifyResult",
    "orient_pairs",
    "output_ids",
    "expected_true_outputs",
    "co_occurrence_tail",
    "co_occurrence_width",
    "plot_readout_margins",
]

_ROW_CHUNK = 1 << 17  # output rows decoded at a time
_MEM_LIMIT = 2**30


# --------------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------------
def validate_pairs(pairs, m: int) -> np.ndarray:
    """Check an (m′, 2) integer array of distinct unordered pairs of features in ``[0, m)``.

    Returns the pairs as int32 with each row sorted (``u < v``); the row order is kept,
    so output ``e`` of the network is ``pairs[e]``.  Raises ``ValueError`` naming
    ``pairs`` for a self pair, a repeated pair (in either orientation) or an index ≥ m.
    """
    m = as_int("m", m, min_value=2)
    arr = np.asarray(pairs)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"pairs must be an (m', 2) integer array, got shape {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError("pairs must hold at least one pair (m' >= 1)")
    arr = as_index_array("pairs", arr, ndim=2, upper=m, upper_name="m")
    if np.any(arr[:, 0] == arr[:, 1]):
        bad = int(np.flatnonzero(arr[:, 0] == arr[:, 1])[0])
        raise ValueError(f"pairs row {bad} is a self pair {arr[bad].tolist()}; a pair needs two distinct features")
    srt = np.sort(arr, axis=1)
    keys = srt[:, 0].astype(np.int64) * m + srt[:, 1]
    uniq, counts = np.unique(keys, return_counts=True)
    if uniq.size != keys.size:
        dup = int(uniq[counts > 1][0])
        raise ValueError(f"pairs repeats the pair ({dup // m}, {dup % m}); each unordered pair may appear once")
    return srt.astype(np.int32)


def validate_active(active, m: int, s: int | None = None) -> np.ndarray:
    """Check a (batch, s) integer array of active feature indices: in ``[0, m)``, distinct per row."""
    arr = np.asarray(active)
    if arr.ndim == 1:
        arr = arr[None, :]
    arr = as_index_array("active", arr, ndim=2, upper=m, upper_name="m", distinct_rows=True)
    if s is not None and arr.shape[1] != s:
        raise ValueError(f"active must have s = {s} columns (one active set of size s per row), got {arr.shape[1]}")
    return arr


# --------------------------------------------------------------------------------------------------
# graph generators
# --------------------------------------------------------------------------------------------------
def _distinct_pairs_from_sampler(sampler, m: int, m_prime: int, rng) -> np.ndarray:
    keys = np.empty(0, dtype=np.int64)
    for _ in range(200):
        need = m_prime - keys.size
        if need <= 0:
            break
        u, v = sampler(int(need * 1.2) + 16)
        ok = u != v
        lo, hi = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
        new = lo.astype(np.int64) * m + hi
        _, first = np.unique(new, return_index=True)
        new = new[np.sort(first)]  # dedupe, keep random order
        new = new[~np.isin(new, keys)]
        keys = np.concatenate([keys, new[:need]])
    if keys.size < m_prime:
        raise ValueError(f"m_prime = {m_prime} distinct pairs could not be drawn on m = {m} features; lower m_prime")
    return np.stack([keys // m, keys % m], axis=1).astype(np.int32)


def uniform_pairs(m: int, m_prime: int, rng) -> np.ndarray:
    """m′ distinct unordered pairs drawn uniformly from the C(m, 2) pairs (an Erdős–Rényi graph).

    Returns an (m′, 2) int32 array with ``u < v`` in each row.
    """
    m = as_int("m", m, min_value=2)
    m_prime = as_int("m_prime", m_prime, min_value=1, max_value=m * (m - 1) // 2)
    rng = as_rng(rng)
    return _distinct_pairs_from_sampler(lambda k: (rng.integers(0, m, k), rng.integers(0, m, k)), m, m_prime, rng)


def chung_lu_pairs(m: int, m_prime: int, rng, *, exponent: float = 0.75) -> np.ndarray:
    """m′ distinct pairs of a heavy-tailed (Chung–Lu) graph.

    Each endpoint is drawn independently with probability ∝ w_i = (i + 1)^(−exponent) (after a
    random relabelling of the features), so a few features get a very high degree (influence).
    """
    m = as_int("m", m, min_value=2)
    m_prime = as_int("m_prime", m_prime, min_value=1, max_value=m * (m - 1) // 2)
    exponent = as_float("exponent", exponent, min_value=0.0, max_value=1.0, max_inclusive=False)
    rng = as_rng(rng)
    w = (np.arange(m) + 1.0) ** (-exponent)
    cdf = np.cumsum(w) / w.sum()
    label = rng.permutation(m)

    def sampler(k):
        u = label[np.minimum(np.searchsorted(cdf, rng.random(k)), m - 1)]
        v = label[np.minimum(np.searchsorted(cdf, rng.random(k)), m - 1)]
        return u, v

    return _distinct_pairs_from_sampler(sampler, m, m_prime, rng)


# --------------------------------------------------------------------------------------------------
# input generators
# --------------------------------------------------------------------------------------------------
def _dedupe_and_pad(rows: np.ndarray, m: int, rng) -> np.ndarray:
    """Keep the first occurrence of each feature in every row and fill the freed slots with random
    features absent from the row (requires s ≤ m).  Vectorised over rows: the fill draws, for each row,
    random keys over the m features (features already in the row get +inf) and takes the smallest."""
    b, s = rows.shape
    srt_idx = np.argsort(rows, axis=1, kind="stable")
    srt = np.take_along_axis(rows, srt_idx, axis=1)
    dup_sorted = np.zeros_like(srt, dtype=bool)
    dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, srt_idx, dup_sorted, axis=1)
    out = rows.copy()
    step = max(1, (1 << 22) // max(m, 1))  # rows per block: ≤ 4 M keys (32 MiB) at a time
    for lo in range(0, b, step):
        hi = min(lo + step, b)
        keys = rng.random((hi - lo, m))
        r = np.repeat(np.arange(hi - lo), s)
        keys[r, rows[lo:hi].ravel()] = np.inf
        fill = np.argsort(keys, axis=1)[:, :s]  # s fresh features per row, none already present
        need = dup[lo:hi]
        rank = np.cumsum(need, axis=1) - 1
        blk = out[lo:hi]
        blk[need] = np.take_along_axis(fill, np.where(need, rank, 0), axis=1)[need]
    return out


def _fix_repeats(rows: np.ndarray, redraw, m: int, rng, rounds: int = 64) -> np.ndarray:
    """Redraw (vectorised, in rounds) the rows that repeat an index.

    After ``rounds`` rounds the rows that still repeat a feature keep their first occurrences and
    are padded with random distinct features (:func:`_dedupe_and_pad`), so the loop is always short.
    """
    for _ in range(rounds):
        srt = np.sort(rows, axis=1)
        bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
        if bad.size == 0:
            return rows
        rows[bad] = redraw(bad)
    srt = np.sort(rows, axis=1)
    bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
    if bad.size:
        rows[bad] = _dedupe_and_pad(rows[bad], m, rng)
    return rows


def greedy_matching(pairs, k: int | None = None) -> np.ndarray:
    """Ids of pairwise disjoint pairs found greedily in row order (a maximal matching, or its first k).

    ``k`` stops the search once k disjoint pairs are found.  Cost O(k·m′) array work (k passes).
    Returns an int64 array of output ids.
    """
    pairs = np.asarray(pairs)
    m = int(pairs.max()) + 1 if pairs.size else 1
    used = np.zeros(m, dtype=bool)
    chosen = []
    limit = pairs.shape[0] if k is None else int(k)
    while len(chosen) < limit:
        free = np.flatnonzero(~used[pairs[:, 0]] & ~used[pairs[:, 1]])
        if free.size == 0:
            break
        e = int(free[0])
        chosen.append(e)
        used[pairs[e]] = True
    return np.asarray(chosen, dtype=np.int64)


def uniform_inputs(m: int, s: int, batch: int, rng) -> np.ndarray:
    """(batch, s) int64 array: s distinct features per row, uniformly at random."""
    m = as_int("m", m, min_value=2)
    s = as_int("s", s, min_value=2, max_value=m)
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    rows = rng.integers(0, m, (batch, s))
    return _fix_repeats(rows, lambda bad: rng.integers(0, m, (bad.size, s)), m, rng)


def planted_inputs(pairs, m: int, s: int, batch: int, rng) -> np.ndarray:
    """(batch, s) inputs holding the endpoints of ⌊s/2⌋ random output pairs, padded with random features.

    Every row switches on at least one output (a planted pair).  When the graph has fewer than ⌊s/2⌋
    pairwise disjoint pairs (found by :func:`greedy_matching`; e.g. a graph with one pair and s = 4),
    each row plants as many pairs as a greedy matching holds and the rest is random features.
    Rows whose random pairs overlap are redrawn a few times; rows that still overlap keep their
    distinct features and are padded with random ones.
    """
    pairs = validate_pairs(pairs, m)
    s = as_int("s", s, min_value=2, max_value=m)
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    k = min(s // 2, int(greedy_matching(pairs, s // 2).size))

    def draw(size):
        e = rng.integers(0, pairs.shape[0], (size, k))
        ends = pairs[e].reshape(size, 2 * k)
        pad = rng.integers(0, m, (size, s - 2 * k))
        return np.concatenate([ends, pad], axis=1).astype(np.int64)

    rows = draw(batch)
    return _fix_repeats(rows, lambda bad: draw(bad.size), m, rng)


def hub_inputs(pairs, m: int, s: int, batch: int, rng) -> np.ndarray:
    """(batch, s) inputs: a high-influence feature and s − 1 of its neighbours (column 0 is the hub).

    The hub is the higher-degree endpoint of a uniformly random output pair, so hubs are drawn
    with probability growing with their degree (influence).  When the hub has fewer than s − 1
    neighbours, the row is padded with random features.  Each row switches on at least
    min(s − 1, degree) outputs, all sharing the hub.
    """
    pairs = validate_pairs(pairs, m)
    s = as_int("s", s, min_value=2, max_value=m)
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    mp = pairs.shape[0]
    deg = np.bincount(pairs.ravel(), minlength=m)
    # adjacency in CSR form: nbr[start[v]:start[v+1]] are the neighbours of v
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    other = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(ends, kind="stable")
    nbr = other[order]
    start = np.concatenate([[0], np.cumsum(deg)])

    def draw(size):
        e = rng.integers(0, mp, size)
        u, v = pairs[e, 0], pairs[e, 1]
        hub = np.where(deg[u] >= deg[v], u, v).astype(np.int64)
        d = deg[hub]
        # s-1 neighbour positions (with replacement; repeats are redrawn by _fix_repeats)
        pick = (rng.random((size, s - 1)) * d[:, None]).astype(np.int64)
        nb = nbr[start[hub][:, None] + pick].astype(np.int64)
        few = d < s - 1  # not enough neighbours: fill the tail with random features
        if few.any():
            cols = np.arange(s - 1)[None, :] >= d[:, None]
            nb = np.where(cols, rng.integers(0, m, (size, s - 1)), nb)
        return np.concatenate([hub[:, None], nb], axis=1)

    rows = draw(batch)
    return _fix_repeats(rows, lambda bad: draw(bad.size), m, rng)


def _adjacency(pairs, m: int):
    """Neighbour lists in CSR form: ``nbr[start[v]:start[v+1]]`` are the neighbours of v; and the degrees."""
    deg = np.bincount(pairs.ravel(), minlength=m)
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    other = np.concatenate([pairs[:, 1], pairs[:, 0]])
    nbr = other[np.argsort(ends, kind="stable")]
    return nbr, np.concatenate([[0], np.cumsum(deg)]), deg


def near_miss_inputs(pairs, m: int, s: int, batch: int, rng) -> np.ndarray:
    """(batch, s) inputs aimed at one false output each: one endpoint a of a random output (a, c) together
    with s − 1 neighbours of the other endpoint c (never c itself), so that c's other pairs, which share
    neurons with (a, c), are as active as the graph allows while (a, c) itself is 0.

    Column 0 is a.  When c has fewer than s − 1 neighbours besides a, the row is padded with random
    features; rows that repeat a feature (or contain c) are redrawn, then padded.
    """
    pairs = validate_pairs(pairs, m)
    s = as_int("s", s, min_value=2, max_value=m)
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    mp = pairs.shape[0]
    nbr, start, deg = _adjacency(pairs, m)

    def draw(size):
        e = rng.integers(0, mp, size)
        flip = rng.random(size) < 0.5
        a = np.where(flip, pairs[e, 1], pairs[e, 0]).astype(np.int64)
        c = np.where(flip, pairs[e, 0], pairs[e, 1]).astype(np.int64)
        d = deg[c]
        nb = nbr[start[c][:, None] + (rng.random((size, s - 1)) * d[:, None]).astype(np.int64)].astype(np.int64)
        few = d < s  # c has fewer than s − 1 neighbours besides a: fill the tail with random features
        if few.any():
            cols = np.arange(s - 1)[None, :] >= (d - 1)[:, None]
            nb = np.where(cols, rng.integers(0, m, (size, s - 1)), nb)
        nb = np.where(nb == c[:, None], a[:, None], nb)  # c must stay off: a repeat is redrawn below
        return np.concatenate([a[:, None], nb], axis=1)

    rows = draw(batch)
    return _fix_repeats(rows, lambda bad: draw(bad.size), m, rng)


#: The input kinds of :func:`mixed_inputs`: uniform, planted, hub and near-miss inputs.
INPUT_KINDS = ("uniform", "planted", "hub", "near-miss")


def mixed_inputs(pairs, m: int, s: int, per_kind: int, rng, *,
                 kinds=("uniform", "planted", "hub")) -> tuple[np.ndarray, np.ndarray]:
    """``per_kind`` inputs of each of ``kinds`` (from ``INPUT_KINDS``) stacked, in that order: returns
    (active (len(kinds)·per_kind, s), kind labels).  The default is uniform, planted and hub inputs."""
    rng = as_rng(rng)
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in INPUT_KINDS]
    if bad or not kinds:
        raise ValueError(f"kinds must be a non-empty sequence of {INPUT_KINDS}, got {kinds!r}")
    make = {"uniform": lambda: uniform_inputs(m, s, per_kind, rng),
            "planted": lambda: planted_inputs(pairs, m, s, per_kind, rng),
            "hub": lambda: hub_inputs(pairs, m, s, per_kind, rng),
            "near-miss": lambda: near_miss_inputs(pairs, m, s, per_kind, rng)}
    rows = [make[k]() for k in kinds]
    return np.concatenate(rows), np.repeat(np.array(kinds), per_kind)


def true_outputs(pairs_sorted_keys: np.ndarray, key_order: np.ndarray, m: int, active: np.ndarray):
    """Ids of the outputs that are 1 for each input: (input index, output id) arrays.

    ``pairs_sorted_keys`` are the sorted keys ``u·m + v`` and ``key_order`` the output id of each.
    Uses the C(s, 2) candidate pairs of every input and a binary search (no m′-sized work).
    """
    b, s = active.shape
    iu, ju = np.triu_indices(s, 1)
    a = np.sort(active, axis=1)
    cand = a[:, iu].astype(np.int64) * m + a[:, ju]
    pos = np.searchsorted(pairs_sorted_keys, cand)
    pos = np.minimum(pos, pairs_sorted_keys.size - 1)
    hit = pairs_sorted_keys[pos] == cand
    rows = np.nonzero(hit)[0]
    return rows, key_order[pos[hit]]


def orient_pairs(pairs, m: int, priority=None) -> np.ndarray:
    """The *centre* of each pair: its endpoint of higher influence (degree in the graph of pairs).

    Ties go to the endpoint with the larger ``priority`` (an (m,) array; default ``−index``, i.e. the
    smaller feature index wins).  Returns an (m′,) int32 array; the other endpoint is the *leaf*.
    """
    pairs = validate_pairs(pairs, m)
    deg = np.bincount(pairs.ravel(), minlength=m).astype(np.int64)
    prio = -np.arange(m, dtype=np.float64) if priority is None else np.asarray(priority, dtype=np.float64)
    if prio.shape != (m,):
        raise ValueError(f"priority must have shape (m,) = ({m},), got {prio.shape}")
    u, v = pairs[:, 0], pairs[:, 1]
    u_is_centre = (deg[u] > deg[v]) | ((deg[u] == deg[v]) & (prio[u] > prio[v]))
    return np.where(u_is_centre, u, v).astype(np.int32)


def output_ids(pairs, active) -> np.ndarray:
    """Ground truth for one input: sorted ids e of the pairs with both endpoints in ``active`` (1-d)."""
    pairs = np.asarray(pairs)
    act = np.asarray(active)
    if act.ndim != 1:
        raise ValueError(f"active must be a 1-d array of feature indices, got shape {act.shape}")
    both = np.isin(pairs[:, 0], act) & np.isin(pairs[:, 1], act)
    return np.flatnonzero(both).astype(np.int64)


def expected_true_outputs(m, m_prime, s):
    """Expected number of outputs equal to 1 on a uniformly random s-sparse input: C(s,2)·m′/C(m,2)."""
    m = np.asarray(m, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    return s * (s - 1) / 2 * np.asarray(m_prime, dtype=np.float64) / (m * (m - 1) / 2)


def co_occurrence_tail(L, tau, r, m, s):
    """Chance that an output with one active endpoint is decoded as 1 through co-occurrence alone.

    Model (clean inputs, exact readout, θ = 1): each of the output's L neurons holds r features
    besides the active endpoint, drawn at random from m, and fires (contributes 1/L) when one of
    the other s − 1 active features is among them, with probability p = 1 − (1 − r/m)^(s−1).
    The output reads ≥ τ when at least k = ⌈τL⌉ neurons fire: P[Binomial(L, p) ≥ k].
    """
    from scipy.stats import binom

    p = 1.0 - (1.0 - np.asarray(r, dtype=np.float64) / np.asarray(m, dtype=np.float64)) ** (np.asarray(s) - 1)
    k = np.ceil(np.asarray(tau, dtype=np.float64) * np.asarray(L) - 1e-12)
    return binom.sf(k - 1, L, p)


def co_occurrence_width(L, tau, m, m_prime, s, eps):
    """Width at which the co-occurrence tail of one exposed false output is ε (Exercise 4.7's model).

    A neuron holds r = 2Lm′/n features, so it fires through co-occurrence with p ≈ (s − 1) r/m =
    2(s − 1)Lm′/(nm); the union bound C(L, k) p^k ≤ ε with k = ⌈τL⌉ gives
    n = 2(s − 1) L (m′/m) (C(L, k)/ε)^(1/k): linear in m′/m (the co-occurrence term of the width fit).
    """
    from scipy.special import comb

    L = np.asarray(L)
    k = np.ceil(np.asarray(tau, dtype=np.float64) * L - 1e-12)
    return (2.0 * (np.asarray(s, dtype=np.float64) - 1) * L * np.asarray(m_prime, dtype=np.float64)
            / np.asarray(m, dtype=np.float64) * (comb(L, k) / np.asarray(eps, dtype=np.float64)) ** (1.0 / k))


# --------------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------------
def _sparse_code(rows: int, cols: int, k: int, rng) -> sp.csr_matrix:
    """A ``rows × cols`` random code, k nonzeros ±1 per column, columns normalised; returned as CSR of its
    transpose (cols × rows), int32 indices, float32 data."""
    k = min(k, rows)
    r = rng.integers(0, rows, (cols, k)).astype(np.int32)
    sign = (rng.integers(0, 2, (cols, k), dtype=np.int8) * 2 - 1).astype(np.float32)
    indptr = np.arange(0, cols * k + 1, k, dtype=np.int64)
    mat = sp.csr_matrix((sign.ravel(), r.ravel(), indptr), shape=(cols, rows))
    del r, sign
    mat.sum_duplicates()
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    mat.data /= np.repeat(norms, np.diff(mat.indptr))
    mat.data = mat.data.astype(np.float32)
    _int32(mat)
    return mat


def _int32(mat):
    if mat.nnz < 2**31 - 1:
        mat.indices = mat.indices.astype(np.int32, copy=False)
        mat.indptr = mat.indptr.astype(np.int32, copy=False)
    return mat


@dataclass
class PairwiseANDNetwork:
    """A one-hidden-layer ReLU network computing ``m′`` chosen pairwise ANDs in superposition.

    Attributes (shapes; sparse matrices are scipy CSR with int32 indices and float32 data)
    ----------------------------------------------------------------------------------------
    m, n, s : int                   features, width, sparsity the network was built for
    pairs : (m′, 2) int32          output e computes f[pairs[e,0]] ∧ f[pairs[e,1]]
    E_in_T : (m, n)                 D1 = E_inᵀ, the input decompression (row i = code of feature i)
    B : (n, m)                      C1, 0/1: neuron k sums the decompressed features of its chunks
    R : (m′, n)                     D2, R[e,k] = (#copies of e in neuron k)/(L·(2 − θ))
    E_out_T : (m′, n)               C2ᵀ, row e = output code c_e (unit norm)
    theta, tau, L : bias, decoding threshold, copies per pair
    chunk_neuron : (K,) int32       neuron of each chunk
    chunk_of : (L, m′) int32        chunk of each copy of each edge (−1 for the edges of a hub block)
    centre : (m′,) int32            the endpoint whose channel carries each edge
    hidden_bias : (n,) float32 or None   per-neuron bias b (pre-activation B·z − b); None means θ everywhere
    hubs : (H,) int32               centres that got a gated hub block (empty without blocks)
    n_blocks : int                  neurons in hub blocks (the last n_blocks neurons); n − n_blocks are shared
    """

    m: int
    n: int
    s: int
    pairs: np.ndarray
    E_in_T: sp.csr_matrix
    B: sp.csr_matrix
    R: sp.csr_matrix
    E_out_T: sp.csr_matrix
    theta: float
    tau: float
    L: int
    chunk_neuron: np.ndarray
    chunk_of: np.ndarray
    centre: np.ndarray
    options: dict = field(default_factory=dict)
    hidden_bias: np.ndarray | None = None
    hubs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    n_blocks: int = 0
    _keys: np.ndarray | None = None
    _key_order: np.ndarray | None = None
    _R_csc: sp.csc_matrix | None = None

    @property
    def m_prime(self) -> int:
        return int(self.pairs.shape[0])

    @property
    def bias(self) -> np.ndarray:
        """Per-neuron bias b of the hidden layer h = ReLU(B·z − b), an (n,) float32 array (θ on shared neurons)."""
        if self.hidden_bias is None:
            return np.full(self.n, self.theta, np.float32)
        return self.hidden_bias

    def _sorted_keys(self):
        if self._keys is None:
            keys = self.pairs[:, 0].astype(np.int64) * self.m + self.pairs[:, 1]
            order = np.argsort(keys)
            self._keys, self._key_order = keys[order], order.astype(np.int64)
        return self._keys, self._key_order

    # ---- forward pass ---------------------------------------------------------------------------
    def embed(self, active: np.ndarray) -> np.ndarray:
        """x = E_in f for each input: (n, batch) float32."""
        b, s = active.shape
        F = sp.csc_matrix(
            (np.ones(b * s, np.float32), active.ravel().astype(np.int32), np.arange(0, b * s + 1, s)),
            shape=(self.m, b),
        )
        return np.asarray((self.E_in_T.T @ F).toarray(), dtype=np.float32)

    def exact_values(self, active) -> np.ndarray:
        """Decoded values with the codes replaced by the identity (z = f): R·ReLU(B f − b), (m′, batch) float32.

        What the wiring computes without input or output cross-talk; the bounds of the hub blocks are stated
        for these values.  The result is dense in m′ × batch (for small instances); the hidden layer, n × batch,
        is computed a slice of inputs at a time so that it stays within about 64 MiB."""
        active = validate_active(active, self.m)
        batch = active.shape[0]
        require_size("the exact values", 4.0 * self.m_prime * batch, limit_bytes=_MEM_LIMIT,
                     advice="pass fewer inputs at a time")
        out = np.empty((self.m_prime, batch), np.float32)
        step = int(max(1, (64 * 2**20) // (8 * max(self.B.shape[0], self.m, 1))))
        for lo in range(0, batch, step):
            blk = active[lo:lo + step]
            F = np.zeros((self.m, blk.shape[0]), np.float32)
            F[blk.T, np.arange(blk.shape[0])] = 1.0
            h = np.maximum(np.asarray(self.B @ F) - self.bias[:, None], 0.0)
            out[:, lo:lo + step] = self.R @ h
        return out

    def hidden(self, x: np.ndarray) -> np.ndarray:
        """h = ReLU(B · E_inᵀ · x − b): (n, batch) float32 from (n, batch) x (b = θ on shared neurons)."""
        z = self.E_in_T @ x
        pre = self.B @ z
        pre -= self.theta if self.hidden_bias is None else self.hidden_bias[:, None]
        np.maximum(pre, 0.0, out=pre)
        return pre.astype(np.float32, copy=False)

    def output(self, h: np.ndarray) -> np.ndarray:
        """y = E_out · R · h: (n, batch), computed in chunks of output rows (never m′ × batch at once)."""
        y = np.zeros((self.n, h.shape[1]), dtype=np.float32)
        for lo in range(0, self.m_prime, _ROW_CHUNK):
            hi = min(lo + _ROW_CHUNK, self.m_prime)
            o = self.R[lo:hi] @ h
            y += self.E_out_T[lo:hi].T @ o
        return y

    def forward(self, active) -> np.ndarray:
        """The network's output vector y ∈ ℝⁿ for each input: (n, batch) float32."""
        active = validate_active(active, self.m)
        return self.output(self.hidden(self.embed(active)))

    def predict(self, active) -> list[np.ndarray]:
        """Decode every output: for each row of ``active`` (batch, s), the sorted ids e with ⟨c_e, y⟩ > τ."""
        active = validate_active(active, self.m)
        out: list[list[np.ndarray]] = [[] for _ in range(active.shape[0])]
        for b0, blk in _batches(active, self.m):
            y = self.output(self.hidden(self.embed(blk)))
            for lo in range(0, self.m_prime, _ROW_CHUNK):
                hi = min(lo + _ROW_CHUNK, self.m_prime)
                d = self.E_out_T[lo:hi] @ y
                r, c = np.nonzero(d > self.tau)
                order = np.argsort(c, kind="stable")
                r, c = r[order] + lo, c[order]
                cuts = np.searchsorted(c, np.arange(blk.shape[0] + 1))
                for j in range(blk.shape[0]):
                    out[b0 + j].append(r[cuts[j]:cuts[j + 1]])
        return [np.sort(np.concatenate(parts)).astype(np.int64) for parts in out]

    # ---- sizes ----------------------------------------------------------------------------------
    def parameter_counts(self) -> dict:
        """Nonzeros of each sparse factor and the sizes of the dense weight matrices.

        Keys: ``E_in`` (input code, n×m), ``D1`` = E_inᵀ (m×n), ``C1`` = B (n×m), ``D2`` = R (m′×n),
        ``C2`` = E_out (n×m′), ``factors_total`` = nnz(D1)+nnz(C1)+nnz(D2)+nnz(C2), ``dense_W1`` and
        ``dense_W2`` = n² each (entries of W1 = C1·D1 and W2 = C2·D2 stored dense), ``dense_total``.
        """
        d = {
            "E_in": int(self.E_in_T.nnz),
            "D1": int(self.E_in_T.nnz),
            "C1": int(self.B.nnz),
            "D2": int(self.R.nnz),
            "C2": int(self.E_out_T.nnz),
        }
        d["factors_total"] = d["D1"] + d["C1"] + d["D2"] + d["C2"]
        d["dense_W1"] = self.n * self.n
        d["dense_W2"] = self.n * self.n
        d["dense_total"] = 2 * self.n * self.n
        return d

    def dense_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """W1 = C1·D1 = B·E_inᵀ and W2 = C2·D2 = E_out·R as dense (n, n) float64 arrays (small n only)."""
        require_size("dense W1 and W2", 2 * 8.0 * self.n**2, limit_bytes=2**28,
                     advice="use the sparse factors (net.B, net.E_in_T, net.R, net.E_out_T) for large n")
        W1 = (self.B.astype(np.float64) @ self.E_in_T.astype(np.float64)).toarray()
        W2 = (self.E_out_T.T.astype(np.float64) @ self.R.astype(np.float64)).toarray()
        return W1, W2

    def effective_density(self) -> tuple[float, float]:
        """Fraction of nonzero entries of W1 and W2 (computed sparsely; cost O(nnz·k))."""
        W1 = self.B @ self.E_in_T
        W2 = self.E_out_T.T @ self.R
        return W1.nnz / self.n**2, W2.nnz / self.n**2

    def as_mlp(self) -> dict:
        """The network as plain matrices, so it can be evaluated or attacked without its construction.

        Returns a dict (see :func:`predict_mlp` for the model it describes):

        - ``E_in``: (n, m) sparse input code, x = E_in f;
        - ``weights``: list [(C1, D1), (C2, D2)] with C1 = B (n×m), D1 = E_inᵀ (m×n), C2 = E_out (n×m′),
          D2 = R (m′×n); each pair means W = C·D;
        - ``biases``: list [−b (n,), 0 (n,)], float32, with b = θ on shared neurons and S − c₀ on hub blocks;
        - ``E_out``: (n, m′) sparse output codes c_e as columns;
        - ``tau``: float, the decoding threshold.
        """
        E_out = self.E_out_T.T.tocsr()
        return {
            "E_in": self.E_in_T.T.tocsr(),
            "weights": [(self.B, self.E_in_T), (E_out, self.R)],
            "biases": [-self.bias, np.zeros(self.n, np.float32)],
            "E_out": E_out,
            "tau": float(self.tau),
        }

    def neuron_features(self) -> np.ndarray:
        """Features held per neuron (row sums of B): (n,) int."""
        return np.diff(self.B.indptr)


def _batches(active: np.ndarray, m: int):
    bsz = int(max(1, min(64, (64 * 2**20) // (4 * max(m, 1)))))
    for b0 in range(0, active.shape[0], bsz):
        yield b0, active[b0:b0 + bsz]


# --------------------------------------------------------------------------------------------------
# the plain-matrix export
# --------------------------------------------------------------------------------------------------
def _apply(W, h):
    """W·h for W a matrix (dense or sparse) or a (C, D) pair of factors meaning C·D."""
    if isinstance(W, tuple):
        C, D = W
        return np.asarray(C @ np.asarray(D @ h, dtype=np.float32), dtype=np.float32)
    return np.asarray(W @ h, dtype=np.float32)


def _apply_T(W, v):
    """Wᵀ·v for a matrix or a (C, D) pair (Wᵀ = Dᵀ Cᵀ)."""
    if isinstance(W, tuple):
        C, D = W
        return np.asarray(D.T @ np.asarray(C.T @ v, dtype=np.float32), dtype=np.float32)
    return np.asarray(W.T @ v, dtype=np.float32)


def _shape_of(W):
    if isinstance(W, tuple):
        return (W[0].shape[0], W[1].shape[1])
    return W.shape


def validate_mlp(mlp) -> dict:
    """Check the dict of :meth:`PairwiseANDNetwork.as_mlp` (keys, shapes, chained layer sizes).

    Raises ``ValueError`` naming ``mlp`` and the offending entry.
    """
    if not isinstance(mlp, dict):
        raise TypeError(f"mlp must be a dict as returned by net.as_mlp(), got {type(mlp).__name__}")
    for key in ("E_in", "weights", "biases", "E_out", "tau"):
        if key not in mlp:
            raise ValueError(f"mlp must have the key {key!r} (keys: E_in, weights, biases, E_out, tau)")
    W, b = mlp["weights"], mlp["biases"]
    if len(W) < 1 or len(W) != len(b):
        raise ValueError(f"mlp['weights'] and mlp['biases'] must be lists of equal length >= 1, got {len(W)} and {len(b)}")
    width = mlp["E_in"].shape[0]
    for i, (Wi, bi) in enumerate(zip(W, b)):
        if isinstance(Wi, tuple) and (len(Wi) != 2 or Wi[0].shape[1] != Wi[1].shape[0]):
            raise ValueError(f"mlp['weights'][{i}] must be a matrix or a (C, D) pair with C.shape[1] == D.shape[0]")
        rows, cols = _shape_of(Wi)
        if cols != width or np.shape(bi) != (rows,):
            raise ValueError(f"mlp['weights'][{i}] has shape {(rows, cols)} and bias shape {np.shape(bi)}; "
                             f"expected ({rows}, {width}) and ({rows},)")
        width = rows
    if mlp["E_out"].shape[0] != width:
        raise ValueError(f"mlp['E_out'] must have {width} rows (the last layer's width), got {mlp['E_out'].shape[0]}")
    return mlp


def mlp_forward(mlp, active) -> np.ndarray:
    """y = W_L h_{L−1} + b_L for each input, from the plain-matrix export: (n_out, batch) float32.

    x = E_in f with f the 0/1 indicator of the row of ``active``; h_ℓ = ReLU(W_ℓ h_{ℓ−1} + b_ℓ) for
    ℓ < L (h_0 = x).  ``active`` is a (batch, s) integer array of feature indices.
    """
    validate_mlp(mlp)
    m = mlp["E_in"].shape[1]
    active = validate_active(active, m)
    b, s = active.shape
    F = sp.csc_matrix((np.ones(b * s, np.float32), active.ravel().astype(np.int32), np.arange(0, b * s + 1, s)),
                      shape=(m, b))
    h = mlp["E_in"] @ F
    h = np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)
    for W, bias in zip(mlp["weights"][:-1], mlp["biases"][:-1]):
        h = _apply(W, h)
        h += np.asarray(bias, np.float32)[:, None]
        np.maximum(h, 0.0, out=h)
    y = _apply(mlp["weights"][-1], h)
    y += np.asarray(mlp["biases"][-1], np.float32)[:, None]
    return y


def predict_mlp(mlp, active) -> list[np.ndarray]:
    """Decode every output of an exported network: for each row of ``active``, the sorted ids e with
    ⟨E_out[:, e], y⟩ > τ, where y = :func:`mlp_forward` (the same contract as ``net.predict``)."""
    validate_mlp(mlp)
    m = mlp["E_in"].shape[1]
    active = validate_active(active, m)
    E_out_T = mlp["E_out"].T.tocsr() if sp.issparse(mlp["E_out"]) else np.asarray(mlp["E_out"]).T
    mp = E_out_T.shape[0]
    tau = float(mlp["tau"])
    out: list[np.ndarray] = []
    for _, blk in _batches(active, m):
        y = mlp_forward(mlp, blk)
        parts: list[list[np.ndarray]] = [[] for _ in range(blk.shape[0])]
        for lo in range(0, mp, _ROW_CHUNK):
            hi = min(lo + _ROW_CHUNK, mp)
            d = np.asarray(E_out_T[lo:hi] @ y)
            r, c = np.nonzero(d > tau)
            order = np.argsort(c, kind="stable")
            r, c = r[order] + lo, c[order]
            cuts = np.searchsorted(c, np.arange(blk.shape[0] + 1))
            for j in range(blk.shape[0]):
                parts[j].append(r[cuts[j]:cuts[j + 1]])
        out.extend(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)
    return out


def mlp_output_values(mlp, active, outputs) -> np.ndarray:
    """Decoded values ⟨E_out[:, e], y⟩ of the outputs ``outputs`` (1-d ids) for every input of
    ``active``: (batch, len(outputs)) float32."""
    y = mlp_forward(mlp, active)
    outputs = np.asarray(outputs, dtype=np.int64)
    C = mlp["E_out"][:, outputs]
    C = C.toarray() if sp.issparse(C) else np.asarray(C)
    return np.asarray(C.T @ y, dtype=np.float32).T


_CONSTRUCTIONS = {"v1": {"tau": 0.6, "theta": 1.15, "hub_degree": None},
                  "v2": {"tau": 0.8, "theta": 1.05, "hub_degree": "auto"}}


def _round_array(a, bits: int):
    """Symmetric uniform rounding to 2^(bits−1) − 1 levels per sign, scaled by max |a| (sparse or dense)."""
    levels = 2 ** (bits - 1) - 1
    if sp.issparse(a):
        out = a.copy()
        out.data = _round_array(np.asarray(out.data), bits)
        return out
    a = np.asarray(a, dtype=np.float32)
    top = float(np.abs(a).max()) if a.size else 0.0
    if top == 0.0:
        return a.copy()
    step = top / levels
    return (np.round(a / step) * step).astype(np.float32)


def round_weights(net, bits: int) -> dict:
    """The export of ``net`` (a network or an :meth:`~PairwiseANDNetwork.as_mlp` dict) with every stored
    number rounded to ``bits`` bits.

    Each array (E_in, each factor C and D or dense W, each bias, E_out) is rounded on its own
    symmetric uniform grid: w ↦ Δ·round(w/Δ) with Δ = max|w| / (2^(bits−1) − 1), i.e. one sign bit
    and bits − 1 magnitude bits per stored nonzero (plus one scale per array).  τ is kept exact.
    ``bits = 1`` is refused (no magnitude levels); use ``bits ≥ 2``.
    """
    bits = as_int("bits", bits, min_value=2, max_value=32)
    mlp = validate_mlp(net.as_mlp() if hasattr(net, "as_mlp") else net)
    rw = [tuple(_round_array(f, bits) for f in W) if isinstance(W, tuple) else _round_array(W, bits)
          for W in mlp["weights"]]
    return {"E_in": _round_array(mlp["E_in"], bits), "weights": rw,
            "biases": [_round_array(b, bits) for b in mlp["biases"]],
            "E_out": _round_array(mlp["E_out"], bits), "tau": mlp["tau"]}


def smallest_exact_bits(net, active, *, max_bits: int = 16) -> int | None:
    """Smallest b ≤ ``max_bits`` for which :func:`round_weights` (net, b) predicts exactly what ``net``
    predicts on every row of ``active`` (so a network exact on those inputs stays exact); ``None`` if
    no b ≤ max_bits does.  Tries b = 2, 3, … in order (not a bisection: exactness need not be monotone)."""
    mlp = validate_mlp(net.as_mlp() if hasattr(net, "as_mlp") else net)
    want = [tuple(p) for p in predict_mlp(mlp, active)]
    for b in range(2, as_int("max_bits", max_bits, min_value=2, max_value=32) + 1):
        if [tuple(p) for p in predict_mlp(round_weights(mlp, b), active)] == want:
            return b
    return None


# --------------------------------------------------------------------------------------------------
# gated hub blocks
# --------------------------------------------------------------------------------------------------
def _primes_at_least(x: np.ndarray) -> np.ndarray:
    """The least prime ≥ x, elementwise (x ≥ 2, small: a sieve up to 2·max x)."""
    x = np.maximum(np.asarray(x, dtype=np.int64), 2)
    top = int(2 * x.max() + 2) if x.size else 4
    sieve = np.ones(top + 1, bool)
    sieve[:2] = False
    for i in range(2, int(top ** 0.5) + 1):  # over candidate divisors, not over features
        if sieve[i]:
            sieve[i * i::i] = False
    primes = np.flatnonzero(sieve)
    return primes[np.searchsorted(primes, x)]


def _hub_block_layout(outdeg: np.ndarray, hubs: np.ndarray, w: int) -> dict:
    """Geometry of the gated block of each hub a of out-degree δ_a.

    Lines over F_p (p the least prime ≥ max(w, ⌈√δ_a⌉)) give δ_a ≤ p² leaves w cells each, two leaves
    sharing at most one cell, in w·p cells; when that is not smaller than δ_a, each leaf gets its own
    cell (w = 1, δ_a cells).  One reference neuron per block.  Returns arrays over hubs: ``p``,
    ``w`` (cells per leaf), ``cells`` (w·p or δ_a), ``size`` (cells + 1).
    """
    d = outdeg[hubs].astype(np.int64)
    p = _primes_at_least(np.maximum(w, np.ceil(np.sqrt(d)).astype(np.int64))) if hubs.size else np.zeros(0, np.int64)
    lines = w * p < d
    cells = np.where(lines, w * p, d)
    return {"hubs": hubs, "delta": d, "p": p, "w": np.where(lines, w, 1), "lines": lines, "cells": cells,
            "size": cells + 1}


def hub_block_cost(delta, w: int = 8) -> np.ndarray:
    """Neurons of one gated hub block for a hub of out-degree δ: min(δ, w·p) + 1, p the least prime
    ≥ max(w, ⌈√δ⌉) (the + 1 is the reference neuron).  Vectorised over ``delta``."""
    delta = np.atleast_1d(np.asarray(delta, dtype=np.int64))
    if np.any(delta < 1):
        raise ValueError("delta must hold out-degrees >= 1")
    w = as_int("w", w, min_value=1, max_value=64)
    return _hub_block_layout(delta, np.arange(delta.size), w)["size"]


def _hub_block_weights(blocks, centre, leaf, hub_edges, n_reg, gate, offset, rng, tau, s):
    """Entries of B, R and the bias of the gated hub blocks, placed after the n_reg shared neurons.

    Cell k of hub a's block computes h_k = ReLU(S·z_a + Σ_{c in cell k} z_c − (S − c₀)) and the reference
    neuron h_ref = ReLU(S·z_a − (S − c₀)); output (a, c) reads α·((1/w)·Σ_{k ∋ c} h_k − h_ref), which is
    α times the mean leaf sum of its cells when a is on (the common shift S·(z_a − 1) + c₀ cancels) and
    0 when a is off (every cell is below its bias).  Without code noise a true output reads ≥ α and a
    false one ≤ α·(s − 1)/w (two leaves share at most one cell; with identity cells, 0); the scale
    α = 2τ / (1 + (s − 1)/w) puts τ halfway between the two.  Returns (rows, cols, vals) for B and for R,
    and the block biases.
    """
    hubs = blocks["hubs"]
    base = n_reg + np.concatenate([[0], np.cumsum(blocks["size"])[:-1]]).astype(np.int64)
    slot = np.full(centre.max() + 1 if centre.size else 1, -1, np.int64)
    slot[hubs] = np.arange(hubs.size)
    e = hub_edges
    h = slot[centre[e]]
    # rank of each edge within its hub, in random order
    order = np.lexsort((rng.random(e.size), h))
    e, h = e[order], h[order]
    starts = np.concatenate([[0], np.cumsum(np.bincount(h, minlength=hubs.size))[:-1]])
    j = np.arange(e.size) - starts[h]
    p, wl, lines = blocks["p"][h], blocks["w"][h], blocks["lines"][h]
    wmax = int(blocks["w"].max())
    x = np.arange(wmax)[None, :]
    local = np.where(lines[:, None], x * p[:, None] + ((j // p)[:, None] * x + (j % p)[:, None]) % p[:, None],
                     j[:, None])
    keep = x < wl[:, None]
    cell = (base[h][:, None] + local)[keep]
    edge_rep = np.broadcast_to(e[:, None], keep.shape)[keep]
    ref = base + blocks["cells"]
    # B: the leaves of each cell (weight 1) and the gate S on every neuron of the block, reference included
    blk_neurons = np.arange(n_reg, n_reg + int(blocks["size"].sum()), dtype=np.int64)  # the blocks are contiguous
    blk_hub = np.repeat(hubs, blocks["size"])
    b_rows = np.concatenate([cell, blk_neurons]).astype(np.int32)
    b_cols = np.concatenate([leaf[edge_rep], blk_hub]).astype(np.int32)
    b_vals = np.concatenate([np.ones(cell.size, np.float32), np.full(blk_neurons.size, gate, np.float32)])
    r_rows = np.concatenate([edge_rep, e]).astype(np.int32)
    r_cols = np.concatenate([cell, ref[h]]).astype(np.int32)
    worst_false = np.where(lines, (s - 1) / wl, 0.0)
    alpha = 2.0 * tau / (1.0 + worst_false)  # per edge: τ halfway between the worst false and the true reading
    r_vals = np.concatenate([(alpha[:, None] / wl[:, None] * np.ones(keep.shape))[keep], -alpha]).astype(np.float32)
    bias = np.full(blk_neurons.size, gate - offset, np.float32)
    return (b_rows, b_cols, b_vals), (r_rows, r_cols, r_vals), bias


class WidthTooSmall(ValueError):
    """``n`` leaves no shared neurons after the gated hub blocks (a ``ValueError``)."""


def _hub_cost_table(centre, leaf, m, n, L, pi, q_max, w) -> dict:
    """The cost model of :func:`hub_cost_model` for a given orientation (centre, leaf of each edge)."""
    outdeg = np.bincount(centre, minlength=m).astype(np.int64)
    deg = outdeg + np.bincount(leaf, minlength=m)
    top = int(outdeg.max()) if outdeg.size else 1
    grid = np.unique(np.ceil(2.0 ** (np.arange(2, 2 * max(np.log2(max(top, 2)), 1) + 1) / 2)).astype(np.int64))
    # only thresholds at which every block compresses its hub (cells from lines, fewer neurons than pairs):
    # identity cells cost a neuron per pair, which is no better than the naive network
    probe = np.arange(2, 4 * w * w + 2)
    compress = int(probe[hub_block_cost(probe, w) <= probe][0])
    cands = np.concatenate([grid[(grid <= top) & (grid >= compress)], [top + 1]])  # top + 1: no hub at all
    rows = []
    for d_star in cands:  # a short loop over thresholds (≈ 2 log₂ δ_max of them), each step vectorised
        hub = outdeg >= d_star
        keep = ~hub[centre]
        odr = np.bincount(centre[keep], minlength=m)
        q = np.clip(np.floor(pi * odr), 1, q_max)
        nu = np.bincount(leaf[keep], minlength=m) + np.ceil(odr / q)  # shared neurons per copy holding b
        kappa = float((deg * nu).sum() / max(deg.sum(), 1))
        blocks = int(hub_block_cost(outdeg[hub], w).sum()) if hub.any() else 0
        rows.append((int(d_star), int(hub.sum()), blocks, kappa,
                     L * kappa / (n - blocks) if n > blocks else np.inf))
    d_star, hubs, blocks, kappa, rate = (np.array(c) for c in zip(*rows))
    best = int(np.argmin(rate))  # ties: the first, i.e. the lowest threshold of equal rate (rare)
    return {"delta_star": d_star, "hubs": hubs, "block_neurons": blocks, "kappa": kappa, "rate": rate,
            "choice": int(d_star[best]), "no_hubs": int(top + 1)}


def hub_cost_model(pairs, m: int, n: int, *, L: int = 12, pi: float = 0.02, q_max: int = 32,
                   hub_cells: int = 8, priority=None) -> dict:
    """The cost model that picks the hub threshold δ* of ``build_pairwise_and(..., hub_degree="auto")``.

    Every centre a of out-degree δ_a ≥ δ* gets a gated block of ``hub_block_cost(δ_a)`` neurons; the
    rest of the n neurons are shared.  A feature b then sits in ν_b(δ*) = (in-degree of b) + ⌈δ_b/q_b⌉
    shared neurons per copy (its edges as a leaf, plus its chunks as a centre, counted on the edges left
    in the shared part), i.e. in L·ν_b of the n − B(δ*) shared neurons.  Inputs built around outputs
    (planted, hub and near-miss inputs) draw features about in proportion to their degree, so the mean
    load of an active feature is κ(δ*) = Σ_b deg_b ν_b / Σ_b deg_b, and the chance that a given shared
    neuron holds a given other active feature is about

        λ(δ*) = L·κ(δ*) / (n − B(δ*)),      B(δ*) = Σ_{δ_a ≥ δ*} hub_block_cost(δ_a).

    Blocks cost neurons (B grows as δ* falls) and lift load off the shared part (κ falls with δ*); the
    model picks the δ* of smallest λ among the thresholds at which every block compresses its hub
    (cells from lines: w·p + 1 ≤ δ_a neurons; δ_a ≥ 89 at w = 8), since identity cells spend a neuron per
    pair, which the naive one-neuron-per-output network already does.  It is a first-order model: it ignores the votes and the code
    noise, which it assumes act the same at every δ*.

    Returns a dict of arrays over the candidate thresholds (a half-octave grid up to δ_max, then
    δ_max + 1, which means no blocks): ``delta_star``, ``hubs``, ``block_neurons``, ``kappa``, ``rate``;
    and ``choice`` (the δ* of smallest rate) and ``no_hubs`` (the candidate meaning no blocks).
    ``priority`` breaks orientation ties as in :func:`orient_pairs` (the builder uses a random one).
    """
    pairs = validate_pairs(pairs, m)
    n = as_int("n", n, min_value=1)
    L = as_int("L", L, min_value=1, max_value=1000)
    pi = as_float("pi", pi, min_value=0.0, max_value=1.0)
    q_max = as_int("q_max", q_max, min_value=1)
    w = as_int("hub_cells", hub_cells, min_value=1, max_value=64)
    centre = orient_pairs(pairs, m, priority=priority)
    leaf = (pairs[:, 0] + pairs[:, 1] - centre).astype(np.int32)
    return _hub_cost_table(centre, leaf, m, n, L, pi, q_max, w)


def _select_hubs(centre, leaf, outdeg, hub_degree, m, n, L, pi, q_max, w):
    """Centres that get a gated block: out-degree ≥ hub_degree (None: no blocks; "auto": the cost model)."""
    if hub_degree is None:
        return np.zeros(0, np.int64), None
    if isinstance(hub_degree, str):  # "auto"
        hub_degree = _hub_cost_table(centre, leaf, m, n, L, pi, q_max, w)["choice"]
    return np.flatnonzero(outdeg >= hub_degree).astype(np.int64), int(hub_degree)


def build_pairwise_and(
    pairs,
    m: int,
    n: int,
    s: int,
    rng,
    *,
    L: int = 12,
    tau: float | None = None,
    theta: float | None = None,
    pi: float = 0.02,
    q_max: int = 32,
    k_in: int = 16,
    k_out: int = 16,
    packing: str = "balanced",
    construction: str = "v2",
    hub_degree: int | str | None = "default",
    hub_cells: int = 8,
    hub_offset: float = 1.0,
) -> PairwiseANDNetwork:
    """Build the book's network for the output pairs ``pairs`` on ``m`` features with width ``n``.

    Parameters
    ----------
    pairs : (m′, 2) int array of distinct unordered pairs (output e = pairs[e]).
    m : number of input features; n : width (neurons, and dimension of input and output codes);
    s : number of active features the network is meant for (≥ 2); stored as ``net.s``, the
        sparsity :func:`superposition.adversary.attack_outputs` attacks when it is given ``s=None``.
        The wiring itself does not depend on s (the thresholds of ``construction`` were chosen at s = 4).
    rng : numpy Generator or int seed.
    L : copies of each pair (redundancy); tau : decoding threshold; theta : hidden bias
        (``None``: the construction's default, see below).
    construction : ``"v2"`` (default) or ``"v1"``.  Both wire the same shared neurons; they differ in
        the vote the readout asks for, and ``"v2"`` gives hubs gated blocks (``hub_degree="auto"``).  ``"v1"`` (τ = 0.6, θ = 1.15) needs ⌈0.6 L⌉ = 8 of 12 copies:
        enough against random inputs, but an adversary holding one endpoint of a false output and
        s − 1 = 3 features that sit in several of its neurons reaches 8 votes.  ``"v2"``
        (τ = 0.8, θ = 1.05) needs 10 of 12 copies, and the lower θ shrinks the vote of a neuron with
        three active features from (3 − θ)/(2 − θ) = 2.18 to 2.05 copies.  Same seed and same
        arguments give the same network as before under ``construction="v1"``.
    pi, q_max : a centre with out-degree δ gets chunks of q = clip(⌊π δ⌋, 1, q_max) edges.
    hub_degree : centres of out-degree ≥ hub_degree get a gated hub block (see below); ``None``: none;
        ``"auto"``: the threshold of :func:`hub_cost_model` at this n (no block on graphs whose degrees
        stay below 89); ``"default"``: the construction's (``"auto"`` for v2, ``None`` for v1).
    hub_cells, hub_offset : cells per leaf w (default 8) and the offset c₀ of a block (default 1).
    k_in, k_out : nonzeros per column of the input and output codes.
    packing : "balanced" (chunks shuffled and packed contiguously by feature count) or "random"
        (each chunk dropped into a uniformly random neuron, for comparison).

    Construction (all vectorised):
      1. orient each edge to its higher-degree endpoint (its *centre*; ties broken at random);
      2. for each copy ℓ < L, split each centre's out-edges at random into chunks of q edges;
      3. shuffle all L·(#chunks) chunks and pack them into the n neurons, balanced by feature count;
      4. B[k, i] = 1 if feature i is in a chunk of neuron k; R[e, k] = (#copies of e in k)/(L(2 − θ)),
         so an output whose two endpoints are on reads 1;
      5. E_in, E_out: random codes with k_in / k_out ±1 entries per column, unit-norm columns.

    Gated hub blocks (the last ``net.n_blocks`` neurons): the pairs of a hub a of out-degree δ_a leave
    the shared neurons.  Its block has cells k, h_k = ReLU(S·z_a + Σ_{c in k} z_c − S + c₀) with gate
    S = s + 2, and one reference neuron h_ref = ReLU(S·z_a − S + c₀).  Leaf c sits in w cells given by a
    line over F_p (p the least prime ≥ max(w, ⌈√δ_a⌉)), so two leaves share at most one cell; when
    w·p ≥ δ_a each leaf gets one cell of its own.  Output (a, c) reads α·(mean of its cells − h_ref).
    With a off the block is silent on every s-sparse input; with a on, a false output reads at most
    α(s − 1)/w and a true one at least α, up to code noise; α = 2τ/(1 + (s − 1)/w) centres τ.

    References
    ----------
    - M. Adler and N. Shavit, "On the Complexity of Neural Computation in Superposition",
      arXiv:2409.15318, 2024 (the paper's construction is described only in its abstract; this one
      is the book's).

    Examples
    --------
    >>> import numpy as np
    >>> pairs = uniform_pairs(200, 300, rng=np.random.default_rng(0))
    >>> net = build_pairwise_and(pairs, 200, 512, s=2, rng=np.random.default_rng(0))
    >>> net.n, net.m
    (512, 200)
    """
    m = as_int("m", m, min_value=2)
    n = as_int("n", n, min_value=1)
    s = as_int("s", s, min_value=2, max_value=m)
    pairs = validate_pairs(pairs, m)
    rng = as_rng(rng)
    L = as_int("L", L, min_value=1, max_value=1000)
    if construction not in _CONSTRUCTIONS:
        raise ValueError(f"construction must be one of {sorted(_CONSTRUCTIONS)}, got {construction!r}")
    tau = as_float("tau", _CONSTRUCTIONS[construction]["tau"] if tau is None else tau)
    theta = as_float("theta", _CONSTRUCTIONS[construction]["theta"] if theta is None else theta,
                     min_value=0.0, max_value=2.0, max_inclusive=False)
    pi = as_float("pi", pi, min_value=0.0, max_value=1.0)
    q_max = as_int("q_max", q_max, min_value=1)
    k_in = as_int("k_in", k_in, min_value=1)
    k_out = as_int("k_out", k_out, min_value=1)
    if packing not in ("balanced", "random"):
        raise ValueError(f"packing must be 'balanced' or 'random', got {packing!r}")
    if isinstance(hub_degree, str) and hub_degree == "default":
        hub_degree = _CONSTRUCTIONS[construction].get("hub_degree")
    if hub_degree is not None and not (isinstance(hub_degree, str) and hub_degree == "auto"):
        hub_degree = as_int("hub_degree", hub_degree, min_value=2)
    hub_cells = as_int("hub_cells", hub_cells, min_value=1, max_value=64)
    hub_offset = as_float("hub_offset", hub_offset, min_value=0.0, max_value=2.0, min_inclusive=False)
    mp = pairs.shape[0]
    require_size("the construction's index arrays", 40.0 * L * mp, limit_bytes=4 * _MEM_LIMIT,
                 advice="lower L or m'")

    # 1. orientation by influence
    centre = orient_pairs(pairs, m, priority=rng.random(m))
    leaf_all = (pairs[:, 0] + pairs[:, 1] - centre).astype(np.int32)
    outdeg_all = np.bincount(centre, minlength=m).astype(np.int64)
    hubs, hub_threshold = _select_hubs(centre, leaf_all, outdeg_all, hub_degree, m, n, L, pi, q_max, hub_cells)
    blocks = _hub_block_layout(outdeg_all, hubs, hub_cells)
    n_blocks = int(blocks["size"].sum())
    n_reg = n - n_blocks
    if n_reg < 1:
        raise WidthTooSmall(f"n must exceed the {n_blocks} neurons of the hub blocks (hub_degree={hub_degree!r} gives "
                         f"{hubs.size} hubs), got n={n}; raise n or hub_degree")
    is_hub = np.zeros(m, bool)
    is_hub[hubs] = True
    in_block = is_hub[centre]
    reg_idx = np.flatnonzero(~in_block)
    centre_r, leaf = centre[reg_idx], leaf_all[reg_idx]
    mp_r = centre_r.size
    outdeg = np.bincount(centre_r, minlength=m).astype(np.int64)
    q = np.clip(np.floor(pi * outdeg), 1, q_max).astype(np.int64)
    nchunks = -(-outdeg // q)  # ceil, per centre
    chunk_base = np.concatenate([[0], np.cumsum(nchunks)[:-1]])
    kc = int(nchunks.sum())  # chunks per copy
    # edges grouped by centre; start of each centre's block
    cstart = np.concatenate([[0], np.cumsum(outdeg)[:-1]])

    # 2. chunks per copy
    chunk_of = np.full((L, mp), -1, dtype=np.int32)
    for ell in range(L):
        order = np.lexsort((rng.random(mp_r), centre_r))  # group by centre, random order within
        c_sorted = centre_r[order]
        pos = np.arange(mp_r, dtype=np.int64) - cstart[c_sorted]
        chunk_of[ell, reg_idx[order]] = (ell * kc + chunk_base[c_sorted] + pos // q[c_sorted]).astype(np.int32)
        del order, c_sorted, pos
    K = L * kc
    chunk_centre = np.tile(np.repeat(np.arange(m, dtype=np.int32), nchunks), L)
    chunk_of_r = chunk_of[:, reg_idx]
    chunk_size = np.bincount(chunk_of_r.ravel(), minlength=K).astype(np.int64) + 1  # leaves + centre

    # 3. packing into the n_reg shared neurons
    if packing == "balanced":
        perm = rng.permutation(K).astype(np.int64)
        sizes = chunk_size[perm]
        cum = np.cumsum(sizes) - sizes / 2.0
        total = float(sizes.sum())
        chunk_neuron = np.empty(K, dtype=np.int32)
        chunk_neuron[perm] = np.minimum((cum * n_reg / max(total, 1.0)).astype(np.int64), n_reg - 1).astype(np.int32)
        del perm, sizes, cum
    else:
        chunk_neuron = rng.integers(0, n_reg, K).astype(np.int32)

    # 4. B (n × m) from centres and leaves; R (m′ × n)
    neuron_of_copy = chunk_neuron[chunk_of_r]  # (L, m′ of the shared part)
    rows = np.concatenate([chunk_neuron, neuron_of_copy.ravel()])
    cols = np.concatenate([chunk_centre, np.tile(leaf, L)])
    B = sp.coo_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, m)).tocsr()
    del rows, cols
    B.sum_duplicates()
    B.data[:] = 1.0
    rr = np.tile(reg_idx.astype(np.int32), L)
    w = 1.0 / (L * (2.0 - theta))  # a neuron holding both endpoints outputs 2 − θ
    R_rows, R_cols, R_vals = [rr], [neuron_of_copy.ravel()], [np.full(rr.size, w, np.float32)]
    del neuron_of_copy
    hidden_bias = None
    if hubs.size:
        gate = float(s + 2)  # S: with the hub off, even s active leaves in one cell stay below the bias
        bB, bR, bias_blk = _hub_block_weights(blocks, centre, leaf_all, np.flatnonzero(in_block), n_reg, gate,
                                              hub_offset, rng, tau, s)
        B = (B + sp.coo_matrix((bB[2], (bB[0], bB[1])), shape=(n, m)).tocsr()).tocsr()
        R_rows.append(bR[0])
        R_cols.append(bR[1])
        R_vals.append(bR[2])
        hidden_bias = np.concatenate([np.full(n_reg, theta, np.float32), bias_blk]).astype(np.float32)
    _int32(B)
    R = sp.coo_matrix((np.concatenate(R_vals), (np.concatenate(R_rows), np.concatenate(R_cols))),
                      shape=(mp, n)).tocsr()
    del R_rows, R_cols, R_vals
    R.sum_duplicates()
    _int32(R)

    # 5. codes
    E_in_T = _sparse_code(n, m, k_in, rng)
    E_out_T = _sparse_code(n, mp, k_out, rng)
    opts = dict(construction=construction, L=L, tau=tau, theta=theta, pi=pi, q_max=q_max, k_in=k_in, k_out=k_out,
                packing=packing, hub_degree=hub_degree, hub_threshold=hub_threshold, hub_cells=hub_cells,
                hub_offset=hub_offset)
    return PairwiseANDNetwork(m=m, n=n, s=s, pairs=pairs, E_in_T=E_in_T, B=B, R=R, E_out_T=E_out_T,
                              theta=theta, tau=tau, L=L, chunk_neuron=chunk_neuron, chunk_of=chunk_of,
                              centre=centre, options=opts, hidden_bias=hidden_bias, hubs=hubs.astype(np.int32),
                              n_blocks=n_blocks)


# --------------------------------------------------------------------------------------------------
# verifier
# --------------------------------------------------------------------------------------------------
@dataclass
class VerifyResult:
    """Outcome of :func:`count_wrong_bits` for a batch of inputs (arrays have one entry per input).

    wrong : wrong output bits (false positives + false negatives) over all m′ outputs
    false_pos, false_neg : the two parts of ``wrong``
    n_true : outputs that should be 1
    max_false : largest decoded value among outputs that should be 0
    min_true : smallest decoded value among outputs that should be 1 (+inf if none)
    """

    wrong: np.ndarray
    false_pos: np.ndarray
    false_neg: np.ndarray
    n_true: np.ndarray
    max_false: np.ndarray
    min_true: np.ndarray

    @property
    def total_wrong(self) -> int:
        return int(self.wrong.sum())


def count_wrong_bits(
    net: PairwiseANDNetwork,
    active,
    *,
    input_superposition: bool = True,
    output_superposition: bool = True,
    co_occurrence: bool = True,
) -> VerifyResult:
    """Count wrong output bits over **all** m′ outputs for every input of ``active`` (batch, s).

    Memory-bounded: inputs are processed in batches of ≤ 64 and outputs in blocks of 2¹⁷ rows,
    so no m′ × batch array is formed; the truth is a short list of output ids per input.

    The three switches turn one source of error off at a time (the network is unchanged otherwise):

    * ``input_superposition=False``: the hidden layer reads the clean features, pre = B f − θ
      (instead of B E_inᵀ E_in f − θ): no input cross-talk.
    * ``output_superposition=False``: output e is read as (R h)_e directly, without E_out
      compression and decoding: no output cross-talk.
    * ``co_occurrence=False``: every chunk gets its own ReLU, fed with its own features' signal
      plus the superposition noise of its neuron, and outputs average their own chunks:
      an active feature no longer switches on unrelated pairs packed in the same neuron.

    Examples
    --------
    Fifty inputs with one planted output pair each; at width 1536 every output bit is right, at
    width 256 some are not:

    >>> import numpy as np
    >>> pairs = uniform_pairs(200, 300, rng=np.random.default_rng(0))
    >>> active = planted_inputs(pairs, 200, 2, 50, rng=np.random.default_rng(1))
    >>> net = build_pairwise_and(pairs, 200, 1536, s=2, rng=np.random.default_rng(0))
    >>> int(count_wrong_bits(net, active).wrong.sum())
    0
    >>> net = build_pairwise_and(pairs, 200, 256, s=2, rng=np.random.default_rng(0))
    >>> int(count_wrong_bits(net, active).wrong.sum()) > 0
    True
    """
    active = validate_active(active, net.m)
    if not co_occurrence and net.n_blocks:
        raise ValueError("co_occurrence=False needs a network without hub blocks (build it with hub_degree=None)")
    keys, key_order = net._sorted_keys()
    res = {k: [] for k in ("wrong", "false_pos", "false_neg", "n_true", "max_false", "min_true")}
    if not co_occurrence:
        P, Rc = _chunk_matrices(net)
    for _, blk in _batches(active, net.m):
        b = blk.shape[0]
        t_rows, t_ids = true_outputs(keys, key_order, net.m, blk)
        F = sp.csc_matrix((np.ones(blk.size, np.float32), blk.ravel().astype(np.int32),
                           np.arange(0, blk.size + 1, blk.shape[1])), shape=(net.m, b))
        if input_superposition:
            z = net.E_in_T @ np.asarray((net.E_in_T.T @ F).toarray(), dtype=np.float32)
        else:
            z = F.toarray()
        if co_occurrence:
            h = net.B @ z
            h -= net.theta if net.hidden_bias is None else net.hidden_bias[:, None]
            np.maximum(h, 0.0, out=h)
            Rm = net.R
        else:
            noise = net.B @ (z - F.toarray())  # (n, b) superposition noise of each neuron
            h = np.asarray(P @ F.toarray()) + noise[net.chunk_neuron]
            h -= net.theta
            np.maximum(h, 0.0, out=h)
            Rm = Rc
        h = h.astype(np.float32, copy=False)
        if output_superposition:
            y = np.zeros((net.n, b), np.float32)
            for lo in range(0, net.m_prime, _ROW_CHUNK):
                hi = min(lo + _ROW_CHUNK, net.m_prime)
                y += net.E_out_T[lo:hi].T @ (Rm[lo:hi] @ h)
        pos = np.zeros(b, np.int64)
        mx = np.full(b, -np.inf)
        for lo in range(0, net.m_prime, _ROW_CHUNK):
            hi = min(lo + _ROW_CHUNK, net.m_prime)
            d = net.E_out_T[lo:hi] @ y if output_superposition else Rm[lo:hi] @ h
            d = np.asarray(d, dtype=np.float32)
            sel = (t_ids >= lo) & (t_ids < hi)
            d[t_ids[sel] - lo, t_rows[sel]] = -np.inf  # mask true outputs
            pos += np.count_nonzero(d > net.tau, axis=0)
            mx = np.maximum(mx, d.max(axis=0))
        # true outputs: value = <c_e, y> (or (R h)_e)
        if output_superposition:
            tv = np.asarray(net.E_out_T[t_ids].multiply(y[:, t_rows].T).sum(axis=1)).ravel()
        else:
            tv = np.asarray(Rm[t_ids].multiply(h[:, t_rows].T).sum(axis=1)).ravel()
        fn = np.bincount(t_rows, weights=(tv <= net.tau), minlength=b).astype(np.int64)
        nt = np.bincount(t_rows, minlength=b).astype(np.int64)
        mt = np.full(b, np.inf)
        np.minimum.at(mt, t_rows, tv)
        res["false_pos"].append(pos)
        res["false_neg"].append(fn)
        res["wrong"].append(pos + fn)
        res["n_true"].append(nt)
        res["max_false"].append(mx)
        res["min_true"].append(mt)
    return VerifyResult(**{k: np.concatenate(v) for k, v in res.items()})


def _chunk_matrices(net: PairwiseANDNetwork):
    """Chunk-level membership P (K × m, 0/1) and readout Rc (m′ × K, 1/L) for the co-occurrence switch."""
    K = net.chunk_neuron.size
    L, mp = net.chunk_of.shape
    chunk_centre = np.empty(K, np.int32)
    # centre of each chunk: from any edge in it
    chunk_centre[net.chunk_of.ravel()] = np.tile(net.centre, L)
    leaf = np.where(net.pairs[:, 0] == net.centre, net.pairs[:, 1], net.pairs[:, 0]).astype(np.int32)
    rows = np.concatenate([np.arange(K, dtype=np.int32), net.chunk_of.ravel()])
    cols = np.concatenate([chunk_centre, np.tile(leaf, L)])
    P = sp.coo_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(K, net.m)).tocsr()
    P.sum_duplicates()
    P.data[:] = 1.0
    rr = np.tile(np.arange(mp, dtype=np.int32), L)
    Rc = sp.coo_matrix((np.full(rr.size, 1.0 / (L * (2.0 - net.theta)), np.float32), (rr, net.chunk_of.ravel())), shape=(mp, K)).tocsr()
    return P, Rc


# --------------------------------------------------------------------------------------------------
# width search
# --------------------------------------------------------------------------------------------------
def width_grid(lo: int, hi: int, ratio: float = 2 ** 0.125) -> np.ndarray:
    """Geometric grid of integer widths from ``lo`` to ``hi`` with the given ratio."""
    k = int(np.ceil(np.log(hi / lo) / np.log(ratio)))
    return np.unique(np.round(lo * ratio ** np.arange(k + 1)).astype(np.int64))


def smallest_width(pairs, m: int, s: int, *, builds: int = 2, per_kind: int = 64, seed: int = 0,
                   n_lo: int = 64, n_hi: int | None = None, ratio: float = 2 ** 0.125,
                   kinds=("uniform", "planted", "hub"), **options) -> dict:
    """Smallest grid width n with zero wrong bits on ``builds`` independent builds × (len(kinds)·per_kind)
    inputs (:func:`mixed_inputs` of those ``kinds``).

    Bisection on a geometric grid (ratio 2^(1/8)); assumes success is monotone in n (it is only
    approximately so, which is why the result is a noisy statistic).  Returns a dict with
    ``n_min``, the ``tried`` widths and their wrong-bit totals.
    """
    pairs = validate_pairs(pairs, m)
    mp = pairs.shape[0]
    if n_hi is None:
        n_hi = max(4 * n_lo, 8 * mp)
    grid = width_grid(n_lo, n_hi, ratio)
    tried: dict[int, int] = {}

    def ok(i):
        n = int(grid[i])
        if n not in tried:
            total = 0
            for bld in range(builds):
                rng = np.random.default_rng([seed, bld, n])
                try:
                    net = build_pairwise_and(pairs, m, n, s, rng, **options)
                except WidthTooSmall:  # the hub blocks alone need more than n neurons: a failure at this n
                    total = -1
                    break
                act, _ = mixed_inputs(pairs, m, s, per_kind, rng, kinds=kinds)
                total += count_wrong_bits(net, act).total_wrong
                if total:
                    break
            tried[n] = total
        return tried[n] == 0  # −1 marks a width below the hub blocks' own size

    lo, hi = 0, len(grid) - 1
    if not ok(hi):
        return {"n_min": None, "tried": tried}
    # bisection between a failing (or untested) bottom and the passing top of the grid
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    if lo == 0 and ok(0):
        hi = 0
    return {"n_min": int(grid[hi]), "tried": {int(k): int(v) for k, v in tried.items()}}


def naive_and_neurons(m_prime: int) -> int:
    """Width of the naive network: one neuron ReLU(f_i + f_j − 1) per output pair, i.e. m′."""
    return as_int("m_prime", m_prime, min_value=1)


def plot_readout_margins(m: int = 3000, m_prime: int = 22206, n: int = 14613, s: int = 4, graph: str = "uniform",
                         seed: int = 0, ax=None, construction: str = "v2"):
    """Explorer figure: decoded values of true outputs and of the largest false output per input.

    Builds one network (graph "uniform" or "heavy-tailed"), runs 32 inputs of each kind and draws,
    per input kind, the smallest true readout and the largest false readout against τ.
    Returns the :class:`VerifyResult`.
    """
    import matplotlib.pyplot as plt

    if graph not in ("uniform", "heavy-tailed"):
        raise ValueError(f"graph must be 'uniform' or 'heavy-tailed', got {graph!r}")
    rng = np.random.default_rng(seed)
    pairs = uniform_pairs(m, m_prime, rng) if graph == "uniform" else chung_lu_pairs(m, m_prime, rng)
    net = build_pairwise_and(pairs, m, n, s, rng, construction=construction)
    act, kinds = mixed_inputs(pairs, m, s, 32, rng)
    r = count_wrong_bits(net, act)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    xs = np.arange(act.shape[0])
    ax.scatter(xs, r.max_false, s=10, label="largest false output", color="#D55E00")
    fin = np.isfinite(r.min_true)
    ax.scatter(xs[fin], r.min_true[fin], s=10, label="smallest true output", color="#0072B2")
    ax.axhline(net.tau, color="k", lw=1, ls="--", label=f"threshold τ = {net.tau:g}")
    for j, name in enumerate(("uniform", "planted", "hub")):
        ax.text(32 * j + 16, 1.55, name, ha="center", fontsize=9)
    ax.set_ylim(-0.1, 1.7)
    ax.set_xlabel("test input (32 uniform, 32 planted, 32 hub)")
    ax.set_ylabel("decoded value ⟨c_e, y⟩")
    ax.set_title(f"m={m}, m′={m_prime}, n={n}, s={s}, {graph}: {r.total_wrong} wrong bits")
    ax.legend(loc="lower right", fontsize=8)
    return r
