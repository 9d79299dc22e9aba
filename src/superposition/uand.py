"""The universal AND (U-AND): all pairwise ANDs of sparse features with few neurons.

Kernels behind Chapter 2, following the construction of Hänni, Mendel, Vaintrob
and Chan, *Mathematical Models of Computation in Superposition* (arXiv
2408.05451) and its precursor post by Vaintrob, Mendel and Hänni (2024).

The network
-----------
There are ``m`` boolean features, and an input has exactly ``s`` of them active
(given in code by its *active set*: a row of a ``(batch, s)`` integer array).
One hidden layer has ``n`` ReLU neurons.  Neuron ``k`` is wired to each feature
independently with probability ``p``; the wiring is the boolean ``n × m``
matrix ``B`` (``net.wiring``).  With *clean* inputs (one input coordinate per
feature) neuron ``k`` computes

    h_k = ReLU(#{active features wired to k} − 1),

so it fires only when at least two of its features are on.  With inputs *in
superposition* the network sees ``x = E f = Σ_{i active} e_i`` in ``d0``
dimensions (``E`` is the ``d0 × m`` embedding with unit-norm columns), its first
layer is ``W = B Eᵀ`` and ``h = ReLU(W x − 1)``.  The linear readout of pair
``(i, j)`` averages the neurons wired to both::

    out_ij = (1 / |N_ij|) Σ_{k ∈ N_ij} h_k,    N_ij = {k : B[k, i] = B[k, j] = 1}.

(``out_ij = 0`` when ``N_ij`` is empty, an uncovered pair.)

Errors and norms
----------------
The target of pair ``(i, j)`` is ``f_i f_j``; its error is ``|out_ij − f_i f_j|``.
A network is *ε-accurate* on a set of inputs when every error, over every one of
the ``C(m, 2)`` pairs and every input, is at most ``ε``: the **max (L∞) norm**.
:func:`uand_error` reports that max exactly, and separately the **mean absolute
error over the pairs that touch an active feature** (both on, or exactly one
on), which is what the readout of a *typical* relevant pair looks like.

Cost
----
Exact max over all pairs never forms a ``batch × C(m, 2)`` array.  Pairs that
touch an active feature (``s·(m−1)`` per input) are computed row by row from the
sparse wiring.  For the other pairs only *fired* neurons (``h_k > 0``) contribute
to the numerator, so the evaluator streams over blocks of pairs: it forms the
coverage block ``Bᵀ_I B_J`` once per block and, for each input, the
fired-neuron product ``Bᵀ_{F,I} diag(h_F) B_{F,J}`` (inner dimension ``|F|``, about
``C(s,2)·n·p²`` neurons for clean inputs), keeping only running maxima, sums and
counts.  Memory is bounded by the block size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ._validate import as_float, as_index_array, as_int, as_rng, require_size

__all__ = [
    "UAndNetwork",
    "UAndErrorReport",
    "TouchingReadouts",
    "TargetedAndNetwork",
    "build_uand",
    "centred_offset",
    "clean_max_error",
    "tolerated_noise_std",
    "build_targeted_and",
    "coverage_for_p",
    "p_for_coverage",
    "sample_active",
    "sparse_code_embedding",
    "uand_preactivation",
    "uand_hidden",
    "uand_readout",
    "uand_touching_readouts",
    "uand_error",
    "uand_sampled_neither",
    "predicted_mean_errors",
    "predicted_noise_std",
    "predicted_superposed_mean_errors",
    "rectified_bias",
    "best_linear_and",
    "targeted_readout",
    "targeted_error",
    "plant_gates",
    "smallest_working_width",
    "evaluate_width",
    "width_grid",
    "plot_error_histograms",
]

#: Bytes a kernel may allocate for one array before it refuses and says how to chunk.
MAX_ARRAY_BYTES = 512 * 2**20


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


def p_for_coverage(n, coverage) -> float:
    """Wiring probability ``p = sqrt(L / n)`` that gives mean pair coverage ``E|N_ij| = n p² = L``.

    Parameters
    ----------
    n : int
        Number of neurons, ``n >= 1``.
    coverage : float
        Target mean number ``L`` of neurons wired to both features of a pair, ``0 < L <= n``.
    """
    n = as_int("n", n, min_value=1)
    coverage = as_float("coverage", coverage, min_value=0.0, min_inclusive=False, max_value=float(n))
    return math.sqrt(coverage / n)


def coverage_for_p(n, p) -> float:
    """Mean pair coverage ``E|N_ij| = n p²`` of a U-AND layer with ``n`` neurons and wiring probability ``p``."""
    n = as_int("n", n, min_value=1)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    return n * p * p


def predicted_mean_errors(s, p) -> dict[str, float]:
    """Expected readout error of each pair case with clean inputs (exact, not the small-p approximation).

    Given that neuron ``k`` is wired to ``i`` and ``j``, each of the other active
    features is wired to it independently with probability ``p``; let ``X`` count them.

    * both ``i, j`` active: ``h_k = 1 + X``, ``X ~ Bin(s−2, p)``, error ``E[X] = (s−2) p``;
    * only ``i`` active: ``h_k = X``, ``X ~ Bin(s−1, p)``, error ``(s−1) p``;
    * neither active: ``h_k = (X − 1)⁺``, ``X ~ Bin(s, p)``, error ``s p − 1 + (1−p)^s ≈ C(s,2) p²``.

    The errors are signed (the readout overshoots); each is the mean over the
    covered pairs of that case, averaged over random wirings.

    Returns
    -------
    dict
        ``{"both": ..., "one": ..., "neither": ...}``.
    """
    s = as_int("s", s, min_value=2)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    return {"both": (s - 2) * p, "one": (s - 1) * p, "neither": s * p - 1.0 + (1.0 - p) ** s}


def predicted_noise_std(p, m, s, d0) -> float:
    """Standard deviation ``sqrt(p·m·s/d0)`` of the extra pre-activation of a neuron with superposed inputs.

    Neuron ``k`` adds ``⟨e_i, e_a⟩`` for each of its about ``p·m`` wired features ``i``
    and each of the ``s`` active features ``a ≠ i``; for random unit vectors each term
    has variance ``1/d0``, and the terms are uncorrelated.
    """
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    m = as_int("m", m, min_value=2)
    s = as_int("s", s, min_value=1, max_value=m)
    d0 = as_int("d0", d0, min_value=1)
    return math.sqrt(p * m * s / d0)


def _relu_gauss_mean(c, sigma):
    """``E[ReLU(c + Z)]`` for ``Z ~ N(0, sigma²)`` (``c`` array-like)."""
    from scipy.stats import norm

    c = np.asarray(c, dtype=float)
    if sigma == 0:
        return np.maximum(c, 0.0)
    z = c / sigma
    return c * norm.cdf(z) + sigma * norm.pdf(z)


def predicted_superposed_mean_errors(s, p, sigma) -> dict[str, float]:
    """Expected readout error of each pair case when every neuron's pre-activation carries noise ``N(0, sigma²)``.

    With ``X`` the number of other active features wired to a neuron (as in :func:`predicted_mean_errors`)
    and ``Z`` the superposition noise, the neurons read by each case output

    * both active: ``ReLU(1 + X + Z)``, ``X ~ Bin(s−2, p)``: almost never rectified, so the noise
      averages out and the error stays ``(s−2) p``;
    * one active: ``ReLU(X + Z)``, ``X ~ Bin(s−1, p)``: when ``X = 0`` the neuron outputs ``ReLU(Z)``,
      whose mean ``sigma/sqrt(2π)`` is a *bias*;
    * neither: ``ReLU(X − 1 + Z)``, ``X ~ Bin(s, p)``.

    ``sigma = 0`` gives back :func:`predicted_mean_errors`.
    """
    from scipy.stats import binom

    s = as_int("s", s, min_value=2)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    sigma = as_float("sigma", sigma, min_value=0.0)

    def expect(k, shift):
        x = np.arange(k + 1)
        return float(np.sum(binom.pmf(x, k, p) * _relu_gauss_mean(x + shift, sigma)))

    return {"both": expect(s - 2, 1.0) - 1.0, "one": expect(s - 1, 0.0), "neither": expect(s, -1.0)}


def rectified_bias(sigma) -> float:
    """Mean of ``ReLU(Z)`` for ``Z ~ N(0, sigma²)``: ``sigma/sqrt(2π) ≈ 0.40 sigma``.

    A neuron holding exactly one active feature sits at pre-activation ``1 + Z``,
    so after the bias ``−1`` it outputs ``ReLU(Z)``; averaging many such neurons
    converges to this bias, not to zero.
    """
    sigma = as_float("sigma", sigma, min_value=0.0)
    return sigma / math.sqrt(2.0 * math.pi)


def best_linear_and() -> dict[str, float]:
    """The affine readout ``a(x1 + x2) + c`` that best approximates ``x1 AND x2`` in the max norm.

    On the four inputs the errors are ``c``, ``a + c`` (twice) and ``1 − 2a − c``;
    the max is minimised at ``a = 1/2``, ``c = −1/4`` with error ``1/4`` on every
    input.  (By symmetry the best affine map of ``(x1, x2)`` may use one weight
    for both inputs.)  Verified here by a grid search.
    """
    grid = np.linspace(-1.0, 1.0, 801)
    a, c = np.meshgrid(grid, grid, indexing="ij")
    err = np.maximum.reduce([np.abs(c), np.abs(a + c), np.abs(2 * a + c - 1.0)])
    k = np.unravel_index(np.argmin(err), err.shape)
    return {"weight": float(a[k]), "offset": float(c[k]), "max_error": float(err[k])}


# ---------------------------------------------------------------------------------------------
# Inputs and embeddings
# ---------------------------------------------------------------------------------------------


def sample_active(m, s, batch, rng) -> np.ndarray:
    """Draw ``batch`` inputs with exactly ``s`` distinct active features out of ``m`` (sorted rows).

    Returns a ``(batch, s)`` int64 array; each row is a uniformly random ``s``-subset.
    """
    m = as_int("m", m, min_value=2)
    s = as_int("s", s, min_value=1)
    if s > m:
        raise ValueError(f"s must be at most m = {m} (an input cannot have more active features than exist), got {s}")
    batch = as_int("batch", batch, min_value=1)
    rng = as_rng(rng)
    if s * 8 <= m:
        # Rejection of rows with a repeat: cheap when s << m.
        out = rng.integers(0, m, size=(batch, s))
        while True:
            srt = np.sort(out, axis=1)
            bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1)) if s > 1 else np.empty(0, int)
            if bad.size == 0:
                return srt.astype(np.int64)
            out[bad] = rng.integers(0, m, size=(bad.size, s))
    keys = rng.random((batch, m))
    return np.sort(np.argpartition(keys, s - 1, axis=1)[:, :s], axis=1).astype(np.int64)


def sparse_code_embedding(m, d0, k, rng) -> sp.csc_matrix:
    """A ``d0 × m`` sparse embedding: each column has ``k`` entries ``±1/sqrt(k)`` at random rows.

    Columns have unit norm and two columns have ``⟨e_i, e_j⟩`` with mean 0 and
    variance ``1/d0`` (the same as dense random unit vectors), so the interference
    of superposed inputs has the same size; it is stored with ``k·m`` nonzeros,
    which lets the chapter use ``m = d0 = 3·10⁴`` without a 3.6 GB dense matrix.
    """
    m = as_int("m", m, min_value=1)
    d0 = as_int("d0", d0, min_value=1)
    k = as_int("k", k, min_value=1, max_value=d0)
    rng = as_rng(rng)
    rows = np.empty((m, k), dtype=np.int32)
    if k * 4 <= d0:
        rows[:] = rng.integers(0, d0, size=(m, k))
        while True:
            srt = np.sort(rows, axis=1)
            bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1)) if k > 1 else np.empty(0, int)
            if bad.size == 0:
                rows = srt
                break
            rows[bad] = rng.integers(0, d0, size=(bad.size, k))
    else:
        rows[:] = np.sort(np.argsort(rng.random((m, d0)), axis=1)[:, :k], axis=1)
    signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(m, k)) / np.float32(math.sqrt(k))
    indptr = np.arange(0, m * k + 1, k, dtype=np.int64)
    return sp.csc_matrix((signs.ravel(), rows.ravel(), indptr), shape=(d0, m))


def _validate_embedding(embedding, m):
    if embedding is None:
        return None
    if sp.issparse(embedding):
        emb = sp.csc_matrix(embedding, dtype=np.float32)
    else:
        emb = np.asarray(embedding)
        if emb.dtype.kind not in "fiu":
            raise TypeError(f"embedding must be a real array, got dtype {emb.dtype}")
        emb = emb.astype(np.float32, copy=False)
    if emb.ndim != 2 or emb.shape[1] != m:
        raise ValueError(f"embedding must have shape (d0, m) = (d0, {m}), one unit-norm column per feature; "
                         f"got shape {emb.shape}")
    norms = np.sqrt(np.asarray(emb.multiply(emb).sum(axis=0)).ravel()) if sp.issparse(emb) else np.sqrt(np.einsum("ij,ij->j", emb, emb, dtype=np.float64))
    if not np.allclose(norms, 1.0, atol=1e-3):
        worst = int(np.argmax(np.abs(norms - 1.0)))
        raise ValueError(f"embedding columns must have unit norm; column {worst} has norm {norms[worst]:.4f}")
    return emb


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class UAndNetwork:
    """A U-AND layer: ``n`` ReLU neurons with bias ``−1``, random 0/1 wiring, pair readouts by averaging.

    Attributes
    ----------
    m, n : int
        Number of features and of neurons.
    p : float
        Wiring probability.
    embedding : ndarray, sparse matrix or None
        The ``d0 × m`` input embedding ``E`` for inputs in superposition, or ``None`` for clean inputs.
    wiring_sparse : scipy.sparse.csr_matrix
        The wiring ``B`` as a float32 0/1 CSR matrix, ``n × m`` (what the kernels use).
    offset : float
        The constant ``c`` every readout subtracts, ``out_ij = mean_{k ∈ N_ij} h_k − c`` (the weight
        ``−c`` on one always-on neuron); ``0`` for the plain readout.
    readout : {"centred", "plain"}
        Which readout :func:`build_uand` chose.

    The dense boolean wiring is :attr:`wiring`; the first-layer weights are :meth:`first_layer`.
    """

    m: int
    n: int
    p: float
    wiring_sparse: sp.csr_matrix = field(repr=False)
    embedding: object = field(default=None, repr=False)
    bias: float = 1.0
    offset: float = 0.0
    readout: str = "plain"

    @property
    def superposed(self) -> bool:
        """True when the inputs arrive in superposition through ``embedding``."""
        return self.embedding is not None

    @property
    def d0(self) -> int:
        """The input dimension, ``m`` for clean inputs and the embedding's ``d0`` otherwise."""
        return self.m if self.embedding is None else int(self.embedding.shape[0])

    @cached_property
    def wiring(self) -> np.ndarray:
        """The ``n × m`` boolean wiring matrix (``wiring[k, i]``: neuron ``k`` reads feature ``i``)."""
        require_size("the dense wiring matrix", self.n * self.m, limit_bytes=MAX_ARRAY_BYTES,
                     advice="use net.wiring_sparse (CSR) for networks this large")
        return self.wiring_sparse.toarray().astype(bool)

    @cached_property
    def _csc(self) -> sp.csc_matrix:
        return self.wiring_sparse.tocsc()

    @cached_property
    def _emb_csc(self):
        return self.embedding.tocsc() if sp.issparse(self.embedding) else self.embedding

    def first_layer(self) -> np.ndarray:
        """Dense first-layer weights: ``B`` (``n × m``) for clean inputs, ``W = B Eᵀ`` (``n × d0``) in superposition."""
        require_size("the dense first-layer weights", 4 * self.n * self.d0, limit_bytes=MAX_ARRAY_BYTES,
                     advice="compute pre-activations with uand_preactivation, which never forms W")
        if self.embedding is None:
            return self.wiring_sparse.toarray()
        E = self.embedding
        W = self.wiring_sparse @ E.T
        return np.asarray(W.toarray() if sp.issparse(W) else W, dtype=np.float32)

    def coverage(self, pairs) -> np.ndarray:
        """``|N_ij|`` (number of neurons wired to both) for each row ``(i, j)`` of a ``(k, 2)`` pair array."""
        pairs = _validate_pairs(pairs, self.m)
        return _pair_products(self, pairs)[0]


def _bernoulli_positions(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions in ``[0, total)`` kept independently with probability ``p`` (geometric skipping)."""
    if p >= 1.0:
        return np.arange(total, dtype=np.int64)
    chunks = []
    last = -1
    while True:
        remaining = total - 1 - last
        if remaining <= 0:
            break
        size = int(remaining * p + 6.0 * math.sqrt(remaining * p) + 64)
        gaps = rng.geometric(p, size=size)
        pos = last + np.cumsum(gaps)
        if pos[-1] >= total:
            chunks.append(pos[pos < total])
            break
        chunks.append(pos)
        last = int(pos[-1])
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)


def _one_active_quantile(n: int, p: float, s: int, level: float) -> float:
    """Smallest ``r`` with ``P(R > r) <= level`` for the clean one-active readout ``R = Y / K``.

    ``K = |N_ij| ~ Bin(n, p²)`` given ``K >= 1``, and ``Y ~ Bin(K (s−1), p)``; by bisection (60 halvings).
    ``None`` when no coverage ``K >= 1`` has positive probability in floating point.
    """
    from scipy.stats import binom

    lam = n * p * p
    sd = math.sqrt(max(lam * (1.0 - p * p), 1e-12))
    k = np.arange(max(1, int(lam - 12 * sd)), min(n, int(lam + 12 * sd) + 2) + 1)
    wk = binom.pmf(k, n, p * p)
    if wk.sum() <= 0:
        return None
    wk = wk / wk.sum()

    def tail(r):  # P(R > r)
        return float(np.sum(wk * binom.sf(np.floor(r * k + 1e-9), k * (s - 1), p)))

    lo, hi = 0.0, float(s - 1)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if tail(mid) > level:
            lo = mid
        else:
            hi = mid
    return hi


def clean_max_error(m, n, p, s, n_inputs=1) -> float:
    """Predicted worst one-active error of the plain readout with clean inputs, from ``(m, n, p, s)`` alone.

    A one-active pair's readout is ``R = Y / K`` with ``K = |N_ij| ~ Bin(n, p²)`` (``K >= 1``) and
    ``Y ~ Bin(K (s−1), p)``.  ``T = n_inputs`` inputs have ``N = T s (m−s)`` one-active pairs; the
    prediction is the ``1 − 1/N`` quantile of ``R``, the largest of ``N`` such readouts (treated as
    independent).  ``2 · centred_offset(m, n, p, s)`` is this quantile for one input.

    Parameters
    ----------
    m, n : int
        Features (``m >= 3``) and neurons.
    p : float
        Wiring probability in ``(0, 1]``.
    s : int
        Active features per input, ``2 <= s < m``.
    n_inputs : int
        Number ``T >= 1`` of test inputs the maximum is taken over.

    Returns
    -------
    float
        The predicted max error, in readout units.
    """
    m = as_int("m", m, min_value=3)
    n = as_int("n", n, min_value=1)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    s = as_int("s", s, min_value=2, max_value=m - 1)
    n_inputs = as_int("n_inputs", n_inputs, min_value=1)
    q = _one_active_quantile(n, p, s, 1.0 / (n_inputs * s * (m - s)))
    return 0.0 if q is None else q


def tolerated_noise_std(m, n, p, s, eps, n_inputs=1):
    """Largest noise std ``σ₀`` at which the predicted worst one-active error stays within ``eps``.

    The prediction adds the *mean* shift that superposition noise causes to the clean worst case:

        e(σ) = clean_max_error(m, n, p, s, n_inputs) + b(σ),
        b(σ) = E[ReLU(X + Z)] − (s−1) p,   X ~ Bin(s−1, p),  Z ~ N(0, σ²),

    the rectified bias of :func:`predicted_superposed_mean_errors` (``b(σ) ≈ (1−p)^{s−1} σ/√(2π)``,
    and ``b`` increases with ``σ``).  ``σ₀`` solves ``e(σ₀) = eps`` (bisection, vectorized over
    ``eps``); it is ``0`` where the clean worst case alone exceeds ``eps``.  The extra *spread* the
    noise gives the readouts is not included, so ``σ₀`` is an optimistic (upper) estimate.

    Parameters
    ----------
    m, n, p, s, n_inputs
        As in :func:`clean_max_error`.
    eps : float or array_like
        Accuracy ``ε > 0`` (readout units).

    Returns
    -------
    float or ndarray
        ``σ₀`` (pre-activation units), shaped like ``eps``.
    """
    from scipy.stats import binom, norm

    e_clean = clean_max_error(m, n, p, s, n_inputs)
    p, s = float(p), int(s)
    eps_arr = np.asarray(eps, dtype=float)
    if not np.all(np.isfinite(eps_arr)) or np.any(eps_arr <= 0):
        raise ValueError(f"eps must be positive and finite, got {eps!r}")
    target = np.maximum(eps_arr - e_clean, 0.0).ravel()
    x = np.arange(s)  # X ~ Bin(s − 1, p)
    w = binom.pmf(x, s - 1, p)

    def bias(sig):  # b(σ) for a vector of σ > 0: sum_x P(X = x) E[ReLU(x + Z)] − (s−1) p
        z = x[None, :] / sig[:, None]
        relu_mean = x[None, :] * norm.cdf(z) + sig[:, None] * norm.pdf(z)
        return (w * relu_mean).sum(axis=1) - (s - 1) * p

    lo = np.zeros_like(target)
    hi = math.sqrt(2.0 * math.pi) * target / (1.0 - p) ** (s - 1) + 1e-12 if p < 1 else target + 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        big = bias(mid) > target
        hi = np.where(big, mid, hi)
        lo = np.where(big, lo, mid)
    out = np.where(target > 0, 0.5 * (lo + hi), 0.0).reshape(eps_arr.shape)
    return float(out) if out.ndim == 0 else out


def centred_offset(m, n, p, s, d0=None) -> float:
    """Offset ``c`` of the centred readout, computed from the construction ``(m, n, p, s, d0)`` alone.

    Every error of the plain readout is one-sided (readouts overshoot), so they lie in
    ``[0, e_max]``; subtracting ``c = e_max / 2`` from every readout moves them to
    ``[−e_max/2, e_max/2]`` and halves the max norm.  The largest overshoot is a pair with one
    active feature: given its coverage ``K = |N_ij| ~ Bin(n, p²)`` (``K ≥ 1``), its readout is
    ``R = Y / K`` with ``Y ~ Bin(K (s−1), p)`` (clean inputs).  ``e_max`` is taken as the
    ``1 − 1/(s (m−s))`` quantile of ``R``, the largest of the ``s (m−s)`` one-active readouts one
    input expects; it is computed exactly from the two binomials.  With inputs in superposition
    (``d0`` given) the one-active mean also carries the rectified bias of
    :func:`predicted_superposed_mean_errors` at ``sigma = predicted_noise_std(p, m, s, d0)``,
    which is added to ``e_max``.  No test input is used.

    Returns
    -------
    float
        ``c >= 0``.
    """
    m = as_int("m", m, min_value=3)
    n = as_int("n", n, min_value=1)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    s = as_int("s", s, min_value=2, max_value=m - 1)
    e_max = _one_active_quantile(n, p, s, 1.0 / (s * (m - s)))
    if e_max is None:
        return 0.0
    if d0 is not None:
        sigma = predicted_noise_std(p, m, s, as_int("d0", d0, min_value=1))
        e_max += predicted_superposed_mean_errors(s, p, sigma)["one"] - (s - 1) * p
    return 0.5 * e_max


def build_uand(m, n, p, rng, embedding=None, *, readout="centred", s=None) -> UAndNetwork:
    """Build a random U-AND layer (Hänni et al.'s construction), with a centred or plain readout.

    Each of the ``n`` neurons is wired to each of the ``m`` features independently
    with probability ``p`` (weight 1), and has bias ``−1``.  The readout of pair ``(i, j)``
    averages the neurons wired to both; the *centred* readout (default) also subtracts the
    constant :func:`centred_offset` ``c`` (one always-on neuron with readout weight ``−c``), which
    centres the one-sided errors.  ``readout="plain"`` is the original construction (``c = 0``).

    Parameters
    ----------
    m : int
        Number of boolean input features, ``m >= 2``.
    n : int
        Number of neurons, ``n >= 1`` (the always-on neuron of the centred readout is not counted).
    p : float
        Wiring probability in ``(0, 1]``.  ``p = sqrt(L/n)`` gives mean pair coverage ``L``
        (see :func:`p_for_coverage`).
    rng : numpy.random.Generator or int
        Source of randomness (seeded).
    embedding : array (d0, m), sparse matrix, or None
        Unit-norm feature directions for inputs in superposition; ``None`` for clean (one-hot) inputs.
    readout : {"centred", "plain"}
        Centred (offset derived from ``m, n, p, s`` and ``d0``) or plain averaging readout.
    s : int
        Number of active features per input the offset is computed for; required for
        ``readout="centred"``, ignored for ``"plain"``.

    Returns
    -------
    UAndNetwork
        With ``net.wiring`` (``n × m`` bool), ``net.embedding`` and ``net.offset``.

    References
    ----------
    - K. Hänni, J. Mendel, D. Vaintrob and L. Chan, "Mathematical Models of Computation in
      Superposition", arXiv:2408.05451, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> net = build_uand(64, 400, 0.2, rng=np.random.default_rng(0), s=2)
    >>> net.wiring.shape, net.wiring.dtype
    ((400, 64), dtype('bool'))
    """
    m = as_int("m", m, min_value=2)
    n = as_int("n", n, min_value=1)
    p = as_float("p", p, min_value=0.0, max_value=1.0, min_inclusive=False)
    if readout not in ("centred", "plain"):
        raise ValueError(f"readout must be 'centred' or 'plain', got {readout!r}")
    if readout == "centred":
        if s is None:
            raise ValueError("s (active features per input) is required for readout='centred': its offset "
                             "depends on s; pass s=..., or readout='plain'")
        s = as_int("s", s, min_value=2, max_value=m - 1)
    rng = as_rng(rng)
    emb = _validate_embedding(embedding, m)
    require_size("the wiring (expected nonzeros × 8 bytes)", 8.0 * p * n * m, limit_bytes=4 * MAX_ARRAY_BYTES,
                 advice="lower n or p")
    pos = _bernoulli_positions(n * m, p, rng)
    rows = pos // m
    cols = (pos - rows * m).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    B = sp.csr_matrix((np.ones(pos.size, dtype=np.float32), cols, indptr), shape=(n, m))
    offset = 0.0
    if readout == "centred":
        offset = centred_offset(m, n, p, s, None if emb is None else int(emb.shape[0]))
    return UAndNetwork(m=m, n=n, p=p, wiring_sparse=B, embedding=emb, offset=offset, readout=readout)


# ---------------------------------------------------------------------------------------------
# Forward pass
# ---------------------------------------------------------------------------------------------


def _validate_active(net_m: int, active) -> np.ndarray:
    arr = np.asarray(active)
    if arr.ndim == 1:
        raise ValueError(f"active must be a 2-d (batch, s) integer array of active feature indices, got shape {arr.shape}"
                         "; wrap a single input as active[None, :]")
    arr = as_index_array("active", arr, ndim=2, upper=net_m, upper_name="m", distinct_rows=True)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"active must hold at least one input with at least one active feature, got shape {arr.shape}")
    return arr


def _validate_pairs(pairs, m: int) -> np.ndarray:
    arr = as_index_array("pairs", pairs, ndim=2, upper=m, upper_name="m")
    if arr.shape[1] != 2:
        raise ValueError(f"pairs must have shape (k, 2), got {arr.shape}")
    if np.any(arr[:, 0] == arr[:, 1]):
        bad = int(np.flatnonzero(arr[:, 0] == arr[:, 1])[0])
        raise ValueError(f"pairs row {bad} pairs a feature with itself: {arr[bad].tolist()}")
    return arr


def _active_columns(net: UAndNetwork, active: np.ndarray) -> sp.csc_matrix:
    """``B[:, a]`` for every active feature of every input, as an ``n × (batch·s)`` CSC matrix."""
    return net._csc[:, active.ravel()]


def uand_preactivation(net: UAndNetwork, active) -> np.ndarray:
    """Pre-activations ``W x`` (before the bias) for each input, shape ``(batch, n)``, float32.

    Clean inputs: the number of active features wired to each neuron.  Inputs in
    superposition: ``B Eᵀ x`` with ``x = Σ_{a active} e_a``, computed as ``B (Eᵀ x)``
    without forming ``W``.
    """
    active = _validate_active(net.m, active)
    batch, s = active.shape
    group = sp.csr_matrix((np.ones(batch * s, dtype=np.float32), np.repeat(np.arange(batch), s),
                           np.arange(batch * s + 1)), shape=(batch * s, batch))
    if net.embedding is None:
        return np.asarray((_active_columns(net, active) @ group).toarray().T, dtype=np.float32)
    E = net._emb_csc
    if sp.issparse(E):
        X = E[:, active.ravel()] @ group  # d0 × batch, sparse
        Z = (E.T @ X).toarray()  # m × batch
    else:
        X = E[:, active.ravel()].reshape(E.shape[0], batch, s).sum(axis=2)
        Z = E.T @ X
    return np.asarray((net.wiring_sparse @ np.asarray(Z, dtype=np.float32)).T, dtype=np.float32, order="C")


def uand_hidden(net: UAndNetwork, active) -> np.ndarray:
    """Hidden activations ``h = ReLU(W x − 1)``, shape ``(batch, n)``, float32."""
    pre = uand_preactivation(net, active)
    pre -= np.float32(net.bias)
    np.maximum(pre, 0.0, out=pre)
    return pre


def _pair_products(net: UAndNetwork, pairs: np.ndarray, H: np.ndarray | None = None):
    """Coverage ``|N_ij|`` and, if ``H`` is given, ``Σ_{k∈N_ij} h_k`` for each pair (chunked)."""
    k = pairs.shape[0]
    den = np.empty(k, dtype=np.float64)
    num = None if H is None else np.empty((H.shape[0], k), dtype=np.float64)
    # Each pair selects two wiring columns of about n·p nonzeros: keep a chunk's selection near 2^23 entries.
    chunk = int(min(1 << 16, max(256, 2**22 / (net.n * net.p + 1.0))))
    csc = net._csc
    for c0 in range(0, k, chunk):
        sl = slice(c0, min(k, c0 + chunk))
        both = csc[:, pairs[sl, 0]].multiply(csc[:, pairs[sl, 1]]).tocsc()
        den[sl] = np.asarray(both.sum(axis=0)).ravel()
        if H is not None:
            num[:, sl] = np.asarray(both.T @ H.T.astype(np.float64)).T if H.shape[0] else 0.0
    return den, num


def uand_readout(net: UAndNetwork, active, pairs=None) -> np.ndarray:
    """Readouts ``out_ij = mean of h over the neurons wired to both i and j``.

    Parameters
    ----------
    net : UAndNetwork
    active : (batch, s) int array
        Active feature indices of each input (distinct within a row).
    pairs : (k, 2) int array, optional
        The pairs to read.  ``None`` reads all ``C(m, 2)`` pairs in the order of
        ``np.triu_indices(m, 1)`` (refused if ``batch × C(m,2)`` is too large: pass pairs,
        or use :func:`uand_error` for the worst case).

    Returns
    -------
    ndarray, shape (batch, k) or (batch, C(m, 2)), float64
        ``mean_{k ∈ N_ij} h_k − net.offset``; uncovered pairs (no neuron wired to both) read
        ``−net.offset`` (0 for the plain readout).
    """
    active = _validate_active(net.m, active)
    H = uand_hidden(net, active)
    if pairs is None:
        n_pairs = net.m * (net.m - 1) // 2
        require_size("all-pairs readouts (batch × C(m,2) float64)", 8.0 * active.shape[0] * n_pairs,
                     limit_bytes=MAX_ARRAY_BYTES, advice="pass pairs=..., or use uand_error for the worst case")
        require_size("the dense wiring (float32)", 4.0 * net.n * net.m, limit_bytes=MAX_ARRAY_BYTES,
                     advice="pass pairs=...")
        Bd = net.wiring_sparse.toarray()
        iu = np.triu_indices(net.m, 1)
        den = (Bd.T @ Bd)[iu].astype(np.float64)
        out = np.empty((active.shape[0], n_pairs))
        safe = np.where(den > 0, den, 1.0)
        for b in range(active.shape[0]):
            fired = np.flatnonzero(H[b] > 0)
            Bf = Bd[fired]
            num = ((Bf * H[b, fired, None]).T.astype(np.float64) @ Bf)[iu]
            out[b] = np.where(den > 0, num / safe, 0.0) - net.offset
        return out
    pairs = _validate_pairs(pairs, net.m)
    den, num = _pair_products(net, pairs, H)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) - net.offset


@dataclass
class TouchingReadouts:
    """Readouts of every pair that touches an active feature, for a batch of inputs.

    ``both``: ``(batch, C(s,2))`` readouts of pairs with both features active (target 1).
    ``one``: ``(batch, s, m)`` readouts of pairs ``(a, j)`` with ``a`` the row's active feature and
    ``j`` inactive (target 0); entries at active ``j`` are NaN.
    ``coverage_both``, ``coverage_one``: the matching ``|N_ij|``.
    """

    both: np.ndarray
    one: np.ndarray
    coverage_both: np.ndarray
    coverage_one: np.ndarray


def _touching(net: UAndNetwork, active: np.ndarray, H: np.ndarray) -> TouchingReadouts:
    batch, s = active.shape
    m = net.m
    require_size("touching-pair readouts (batch × s × m float64, twice)", 16.0 * batch * s * m,
                 limit_bytes=MAX_ARRAY_BYTES, advice="evaluate fewer inputs at a time")
    cols = _active_columns(net, active)  # n × (batch·s)
    rows = cols.T.tocsr()  # (batch·s) × n, row r = neurons of feature active.ravel()[r]
    den = (rows @ net.wiring_sparse).toarray().astype(np.float64)  # (batch·s) × m
    rid = np.repeat(np.arange(batch * s), np.diff(rows.indptr))
    w = H[rid // s, rows.indices]
    keep = w > 0
    weighted = sp.csr_matrix((w[keep], rows.indices[keep], np.concatenate([[0], np.cumsum(
        np.bincount(rid[keep], minlength=batch * s))])), shape=rows.shape)
    num = (weighted @ net.wiring_sparse).toarray().astype(np.float64)
    out = (np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) - net.offset).reshape(batch, s, m)
    den = den.reshape(batch, s, m)
    iu = np.triu_indices(s, 1)
    bi = np.arange(batch)[:, None]
    both = out[bi, iu[0][None, :], active[:, iu[1]]]
    cov_both = den[bi, iu[0][None, :], active[:, iu[1]]]
    one = out
    one[bi[:, :, None], np.arange(s)[None, :, None], active[:, None, :]] = np.nan
    return TouchingReadouts(both=both, one=one, coverage_both=cov_both, coverage_one=den)


def uand_touching_readouts(net: UAndNetwork, active) -> TouchingReadouts:
    """Exact readouts of every pair touching an active feature (``C(s,2) + s(m−s)`` per input).

    Computed row by row from the sparse wiring: ``Bᵀ(B[:, a] ⊙ h)`` over ``Bᵀ B[:, a]`` for each
    active ``a``; cost about ``batch · s · L · m`` with ``L = n p²``.
    """
    active = _validate_active(net.m, active)
    return _touching(net, active, uand_hidden(net, active))


def uand_sampled_neither(net: UAndNetwork, active, n_pairs, rng) -> np.ndarray:
    """Readouts of ``n_pairs`` uniformly random pairs per input with *neither* feature active.

    Each pair is two distinct features drawn uniformly from the ``m − s`` inactive ones of its
    input.  Returns a ``(batch, n_pairs)`` array (the target of all of them is 0, so it is also the
    signed error; the readouts include the network's offset).
    """
    active = _validate_active(net.m, active)
    n_pairs = as_int("n_pairs", n_pairs, min_value=1)
    rng = as_rng(rng)
    batch, s = active.shape
    if net.m - s < 2:
        raise ValueError(f"every pair touches an active feature when m − s < 2 (m = {net.m}, s = {s})")
    H = uand_hidden(net, active)
    # Two distinct ranks among the m − s inactive features, mapped to feature indices: with the
    # sorted active set a_0 < … < a_{s−1}, the inactive feature of rank r is r + #{t : a_t − t <= r}.
    free = net.m - s
    u = rng.integers(0, free, size=(batch, n_pairs))
    v = rng.integers(0, free - 1, size=(batch, n_pairs))
    v += v >= u
    shifted = np.sort(active, axis=1) - np.arange(s)[None, :]
    i = np.stack([r + (shifted[:, None, :] <= r[..., None]).sum(-1) for r in (u, v)], axis=-1)
    pairs = np.sort(i.reshape(-1, 2), axis=1)
    den, _ = _pair_products(net, pairs)
    num = np.empty(pairs.shape[0])
    # As in _pair_products: a chunk selects about 2·chunk·n·p wiring entries; keep that near 2^23.
    chunk = int(min(1 << 15, max(256, 2**22 / (net.n * net.p + 1.0))))
    csc = net._csc
    owner = np.repeat(np.arange(batch), n_pairs)
    for c0 in range(0, pairs.shape[0], chunk):
        sl = slice(c0, min(pairs.shape[0], c0 + chunk))
        both = csc[:, pairs[sl, 0]].multiply(csc[:, pairs[sl, 1]]).tocsc()
        colid = np.repeat(np.arange(both.shape[1]), np.diff(both.indptr))
        vals = H[owner[sl][colid], both.indices].astype(np.float64)
        num[sl] = np.bincount(colid, weights=vals, minlength=both.shape[1])
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0).reshape(batch, n_pairs) - net.offset


# ---------------------------------------------------------------------------------------------
# Error evaluation
# ---------------------------------------------------------------------------------------------


@dataclass
class UAndErrorReport:
    """Errors of a U-AND network on a batch of inputs, with the norm of each number spelled out.

    Attributes
    ----------
    max_error : float
        **Max norm**: ``max |out_ij − f_i f_j|`` over the evaluated pairs and all inputs.  With
        ``method == "exact"`` that is every one of the ``C(m, 2)`` pairs, so the network is
        ε-accurate on these inputs iff ``max_error <= ε``.
    max_by_case : dict
        The same max restricted to pairs with both / one / neither feature active.
    max_per_input : ndarray (batch,)
        The max over the evaluated pairs of each input.
    mean_touching : float
        **Mean absolute error over the pairs touching an active feature** (both or one active),
        averaged over all such pairs of all inputs.
    mean_by_case : dict
        Mean signed error (``out − target``) per case; ``"neither"`` is over all inactive pairs
        (exact) or over the sample.
    n_wrong : int
        Pairs decoded wrongly by threshold decoding ``out > threshold`` (over the evaluated pairs).
    n_pairs : int
        Number of (input, pair) combinations evaluated.
    method : str
        ``"exact"`` (all pairs) or ``"touching+sample"`` (pairs touching an active feature exactly,
        ``n_sample`` random inactive pairs per input).
    """

    max_error: float
    max_by_case: dict
    max_per_input: np.ndarray
    mean_touching: float
    mean_by_case: dict
    n_wrong: int
    n_pairs: int
    threshold: float
    method: str
    norm: str = ("max_error: L-infinity norm over all evaluated pairs and inputs; "
                 "mean_touching: mean |error| over pairs touching an active feature")

    @property
    def wrong_rate(self) -> float:
        """Fraction of evaluated (input, pair) combinations decoded wrongly at ``threshold``."""
        return self.n_wrong / self.n_pairs

    @property
    def inputs_all_correct(self) -> int:
        """Number of inputs whose every evaluated pair is decoded correctly (max error below the margin)."""
        return int(np.sum(self.max_per_input < min(self.threshold, 1.0 - self.threshold)))

    def accurate(self, eps) -> bool:
        """True when every evaluated error is at most ``eps`` (ε-accuracy in the max norm)."""
        return bool(self.max_error <= eps)


def _dense_bool_T(net: UAndNetwork, limit: float) -> np.ndarray:
    require_size("the dense transposed wiring (m × n bool)", net.m * net.n, limit_bytes=limit,
                 advice="use method='sample' for networks this large")
    csr = net.wiring_sparse
    BT = np.zeros((net.m, net.n), dtype=bool)
    BT[csr.indices, np.repeat(np.arange(net.n), np.diff(csr.indptr))] = True
    return BT


def _exact_neither(net, active, H, threshold, block, memory_bytes):
    """Per-input max and min, sum and wrong count of the readouts of all pairs with neither feature active.

    The max, min and sum are of the *raw* averages ``mean_{k ∈ N_ij} h_k`` (uncovered pairs 0);
    threshold decoding compares the offset readout ``raw − net.offset`` with ``threshold``.
    """
    batch, s = active.shape
    m = net.m
    BT = _dense_bool_T(net, memory_bytes / 2)
    csr = net.wiring_sparse
    fired = [np.flatnonzero(H[b] > 0) for b in range(batch)]
    max_in = np.zeros(batch)
    # Raw readouts are >= 0; the min is 0 as soon as one neither pair reads 0, which a block shows when
    # it holds fewer positive readouts than neither pairs.  Otherwise track the smallest positive one.
    min_in = np.full(batch, np.inf)
    total = 0.0
    wrong = 0
    # Group inputs so that their fired-neuron rows (|F_b| × m bool) fit in the remaining budget.
    budget = max(memory_bytes / 4, 8 * m)
    groups, cur, used = [], [], 0
    for b in range(batch):
        need = fired[b].size * m
        if cur and used + need > budget:
            groups.append(cur)
            cur, used = [], 0
        cur.append(b)
        used += need
    if cur:
        groups.append(cur)
    thr = np.float32(threshold + net.offset)
    buf = np.empty((block, block), dtype=np.float32)
    ratio = np.empty((block, block), dtype=np.float32)
    for grp in groups:
        rows = {b: csr[fired[b]].toarray().astype(bool) for b in grp if fired[b].size}
        hs = {b: H[b, fired[b]].astype(np.float32)[:, None] for b in grp}
        for i0 in range(0, m, block):
            i1 = min(m, i0 + block)
            A = BT[i0:i1].astype(np.float32)
            U = {b: rows[b][:, i0:i1] * hs[b] for b in rows}  # h-weighted fired rows, this row block
            for j0 in range(i0, m, block):
                j1 = min(m, j0 + block)
                den = A @ BT[j0:j1].astype(np.float32).T
                inv = np.zeros_like(den)
                np.divide(1.0, den, out=inv, where=den > 0)
                if i0 == j0:
                    inv[np.tril_indices(i1 - i0, 0, j1 - j0)] = 0.0
                # Threshold decoding reads 1 iff num > thr·den; +inf marks pairs outside the block's triangle
                # and uncovered pairs (readout 0), so one comparison decides every pair exactly.
                tden = np.where(inv > 0, thr * den, np.float32(np.inf))
                for b in U:
                    num = buf[: i1 - i0, : j1 - j0]
                    r = ratio[: i1 - i0, : j1 - j0]
                    np.matmul(U[b].T, rows[b][:, j0:j1].astype(np.float32), out=num)
                    act = active[b]
                    ai = act[(act >= i0) & (act < i1)] - i0
                    aj = act[(act >= j0) & (act < j1)] - j0
                    if ai.size:
                        num[ai, :] = 0.0
                    if aj.size:
                        num[:, aj] = 0.0
                    np.multiply(num, inv, out=r)  # the readouts of this block
                    total += float(r.sum(dtype=np.float64))
                    mx = float(r.max())
                    if mx > max_in[b]:
                        max_in[b] = mx
                    if min_in[b] > 0:
                        ki, kj = (i1 - i0) - ai.size, (j1 - j0) - aj.size
                        n_valid = ki * (ki - 1) // 2 if i0 == j0 else ki * kj
                        if np.count_nonzero(r) < n_valid:
                            min_in[b] = 0.0
                        elif n_valid:
                            min_in[b] = min(min_in[b], float(np.min(r, where=r > 0, initial=np.inf)))
                    if mx > threshold + net.offset - 1e-5:
                        wrong += int(np.count_nonzero(num > tden))
    min_in[~np.isfinite(min_in)] = 0.0
    return max_in, min_in, total, wrong


def uand_error(net: UAndNetwork, active, *, method="exact", threshold=0.5, n_sample=2000, rng=None,
               block=512, memory_bytes=256 * 2**20) -> UAndErrorReport:
    """Errors of the U-AND readouts on a batch of inputs: max norm over all pairs, and means.

    Parameters
    ----------
    net : UAndNetwork
    active : (batch, s) int array
        Active features of each input.
    method : {"exact", "sample"}
        ``"exact"``: every one of the ``C(m, 2)`` pairs of every input, without ever forming a
        ``batch × C(m,2)`` array (pairs touching an active feature row by row; the others by
        streaming blocks of pairs through the fired-neuron products, see the module docstring).
        ``"sample"``: pairs touching an active feature exactly, plus ``n_sample`` uniformly random
        pairs with neither feature active per input.  Use it when ``m`` is too large for exact
        evaluation; the inactive pairs carry much smaller errors (their neurons rarely hold an
        active feature), which the chapter checks at every ``m`` where both methods run.
    threshold : float
        Threshold of threshold decoding (``out > threshold`` reads as 1).
    n_sample : int
        Inactive pairs sampled per input when ``method="sample"``.
    rng : Generator or int
        Needed for ``method="sample"``.
    block : int
        Features per block of the exact evaluator (512 keeps a block of readouts in a core's cache).
    memory_bytes : float
        Memory the exact evaluator may use for its dense blocks and fired-neuron rows.

    Returns
    -------
    UAndErrorReport

    References
    ----------
    - K. Hänni, J. Mendel, D. Vaintrob and L. Chan, "Mathematical Models of Computation in
      Superposition", arXiv:2408.05451, 2024.

    Examples
    --------
    Every pair of 64 features, for 100 random inputs with two active features each:

    >>> import numpy as np
    >>> net = build_uand(64, 400, 0.2, rng=np.random.default_rng(0), s=2)
    >>> active = sample_active(64, 2, 100, rng=np.random.default_rng(1))
    >>> report = uand_error(net, active)
    >>> report.n_pairs == 100 * (64 * 63 // 2)
    True
    >>> round(report.max_error, 3)
    0.464
    """
    active = _validate_active(net.m, active)
    if method not in ("exact", "sample"):
        raise ValueError(f"method must be 'exact' or 'sample', got {method!r}")
    threshold = as_float("threshold", threshold, min_value=0.0, max_value=1.0, min_inclusive=False,
                         max_inclusive=False)
    block = as_int("block", block, min_value=16)
    batch, s = active.shape
    m = net.m
    H = uand_hidden(net, active)
    t = _touching(net, active, H)
    err_both = np.abs(t.both - 1.0)
    one = t.one  # NaN at active columns
    err_one = np.where(np.isnan(one), 0.0, np.abs(one))
    max_both = float(err_both.max()) if err_both.size else 0.0
    max_one = float(err_one.max())
    per_input = np.maximum(err_both.max(axis=1) if err_both.size else 0.0, err_one.reshape(batch, -1).max(axis=1))
    n_one = batch * s * (m - s)
    n_both = batch * (s * (s - 1) // 2)
    # A pair (a, j) with both ends active appears twice in `one` as NaN; one-active pairs appear once each.
    wrong = int(np.count_nonzero(t.both <= threshold)) + int(np.count_nonzero(np.nan_to_num(one, nan=0.0) > threshold))
    sum_abs_touch = float(err_both.sum() + err_one.sum())
    mean_both = float((t.both - 1.0).mean()) if n_both else float("nan")
    mean_one = float(np.nansum(one) / n_one) if n_one else float("nan")
    n_neither_per = (m - s) * (m - s - 1) // 2
    if method == "exact":
        raw_max, raw_min, total_nei, wrong_nei = _exact_neither(net, active, H, threshold, block, memory_bytes)
        max_nei_in = np.maximum(raw_max - net.offset, net.offset - raw_min)
        mean_nei = total_nei / (batch * n_neither_per) - net.offset if n_neither_per else float("nan")
        n_eval = batch * m * (m - 1) // 2
        method_name = "exact"
    else:
        if rng is None:
            raise ValueError("rng is required for method='sample' (it draws the inactive pairs)")
        n_sample = as_int("n_sample", n_sample, min_value=1)
        vals = uand_sampled_neither(net, active, n_sample, rng) if n_neither_per else np.zeros((batch, 0))
        max_nei_in = np.abs(vals).max(axis=1) if vals.size else np.zeros(batch)
        mean_nei = float(vals.mean()) if vals.size else float("nan")
        wrong_nei = int(np.count_nonzero(vals > threshold))
        n_eval = n_one + n_both + vals.size
        method_name = f"touching+sample({n_sample}/input)"
    per_input = np.maximum(per_input, max_nei_in)
    return UAndErrorReport(
        max_error=float(per_input.max()),
        max_by_case={"both": max_both, "one": max_one, "neither": float(np.max(max_nei_in))},
        max_per_input=per_input,
        mean_touching=sum_abs_touch / (n_one + n_both),
        mean_by_case={"both": mean_both, "one": mean_one, "neither": mean_nei},
        n_wrong=wrong + wrong_nei,
        n_pairs=n_eval,
        threshold=threshold,
        method=method_name,
    )


# ---------------------------------------------------------------------------------------------
# Smallest working width
# ---------------------------------------------------------------------------------------------


def width_grid(k, steps_per_octave=4) -> int:
    """The ``k``-th width of the geometric grid ``round(2^(k / steps_per_octave))``."""
    return int(round(2.0 ** (as_int("k", k, min_value=0) / as_int("steps_per_octave", steps_per_octave,
                                                                       min_value=1))))


def evaluate_width(m, s, n, *, coverage=48.0, superposed=False, code_nnz=32, n_inputs=40, exact_max_m=1000,
                   n_sample=1000, seed=0, threshold=0.5, readout="centred") -> dict:
    """Build one U-AND network of width ``n`` (seeded by ``(seed, m, s, n)``) and measure its errors.

    The wiring probability is ``p = sqrt(coverage / n)``; with ``superposed=True`` the inputs arrive
    through a sparse random code (:func:`sparse_code_embedding`) in ``d0 = n`` dimensions.  The
    errors are exact over all pairs when ``m <= exact_max_m``, otherwise exact on the pairs touching
    an active feature and sampled (``n_sample`` per input) on the others.  ``readout`` is passed to
    :func:`build_uand` (centred by default).  Returns a flat dict.
    """
    m = as_int("m", m, min_value=3)
    s = as_int("s", s, min_value=2, max_value=m - 2)
    n = as_int("n", n, min_value=1)
    coverage = min(float(coverage), float(n))
    rng = np.random.default_rng([int(seed), m, s, n, int(bool(superposed))])
    emb = sparse_code_embedding(m, n, min(code_nnz, n), rng) if superposed else None
    net = build_uand(m, n, p_for_coverage(n, coverage), rng, embedding=emb, readout=readout, s=s)
    active = sample_active(m, s, n_inputs, rng)
    exact = m <= exact_max_m
    rep = uand_error(net, active, method="exact" if exact else "sample", rng=rng, n_sample=n_sample,
                     threshold=threshold)
    return {
        "m": m, "s": s, "n": n, "p": net.p, "coverage": coverage, "superposed": bool(superposed),
        "readout": net.readout, "offset": net.offset,
        "method": rep.method, "n_inputs": int(n_inputs),
        "max_error": rep.max_error, "max_both": rep.max_by_case["both"], "max_one": rep.max_by_case["one"],
        "max_neither": rep.max_by_case["neither"], "mean_touching": rep.mean_touching,
        "mean_both": rep.mean_by_case["both"], "mean_one": rep.mean_by_case["one"],
        "mean_neither": rep.mean_by_case["neither"], "wrong_rate": rep.wrong_rate, "n_wrong": rep.n_wrong,
        "n_pairs": rep.n_pairs, "inputs_all_correct": rep.inputs_all_correct,
    }


def smallest_working_width(m, s, eps, *, k_start=None, k_max=72, steps_per_octave=4, ties="fail", confirm=2,
                           **kwargs) -> dict:
    """Width ``n`` on the grid ``2^(k/steps_per_octave)`` found by doubling and bisection to be ε-accurate.

    "ε-accurate" means ``max_error <= eps`` in the max norm over all pairs and the ``n_inputs`` random
    test inputs (see :func:`evaluate_width`, which receives ``kwargs``).  The search doubles ``n``
    until a network passes, then bisects between the last failure and the first success.  That
    assumes success is monotone in ``n``, which it is not exactly: each width is a different random
    network.  So the ``confirm`` grid widths above the result are evaluated too, and every evaluated
    width above ``n_min`` that fails is reported in ``non_monotone``.

    With clean inputs every readout is a rational ``k/|N_ij|`` (minus the offset), and thresholds
    such as ``1/2`` and ``1/3`` lie on that lattice, so a max error can equal ``eps`` exactly.
    ``ties`` decides such a width: ``"fail"`` (strict ``< eps``, the default) or ``"pass"`` (the
    closed definition ``<= eps``); either way every evaluation records ``tie``
    (``|max_error − eps| <= 1e-9``).  Ties fail by default because with an affine readout the
    constant ``1/2`` is exactly ``1/2``-accurate for every boolean target: under the closed
    definition a centred network that computes nothing would pass at ``eps = 1/2``.

    Returns
    -------
    dict
        ``n_min`` (``None`` if even ``2^(k_max/steps)`` fails), ``tie`` (whether ``n_min`` passed on a
        tie), ``non_monotone`` (failing evaluated widths above ``n_min``), ``n_ties`` (evaluations on a
        tie) and ``evaluated``, the list of every evaluation (dicts from :func:`evaluate_width` plus
        ``ok`` and ``tie``), in increasing ``n``.
    """
    eps = as_float("eps", eps, min_value=0.0, min_inclusive=False)
    steps_per_octave = as_int("steps_per_octave", steps_per_octave, min_value=1)
    confirm = as_int("confirm", confirm, min_value=0)
    if ties not in ("pass", "fail"):
        raise ValueError(f"ties must be 'pass' (max_error <= eps) or 'fail' (max_error < eps), got {ties!r}")
    cache: dict[int, dict] = {}

    def ok(k):
        if k not in cache:
            res = evaluate_width(m, s, width_grid(k, steps_per_octave), **kwargs)
            res["tie"] = bool(abs(res["max_error"] - eps) <= 1e-9)
            res["ok"] = bool(res["max_error"] < eps or (res["tie"] and ties == "pass"))
            cache[k] = res
        return cache[k]["ok"]

    def result(hi):
        evaluated = [cache[j] for j in sorted(cache)]
        n_min = None if hi is None else width_grid(hi, steps_per_octave)
        return {"n_min": n_min, "tie": bool(hi is not None and cache[hi]["tie"]),
                "non_monotone": [] if hi is None else [e["n"] for j, e in sorted(cache.items())
                                                       if j > hi and not e["ok"]],
                "n_ties": sum(e["tie"] for e in evaluated), "evaluated": evaluated}

    k = 8 * steps_per_octave // 1 if k_start is None else int(k_start)
    lo = None  # largest failing k
    hi = None  # smallest passing k
    while k <= k_max:
        if ok(k):
            hi = k
            break
        lo = k
        k += steps_per_octave
    if hi is None:
        return result(None)
    if lo is None:  # passed at the first try: walk down until a failure
        lo = hi - steps_per_octave
        while lo >= 0 and ok(lo):
            hi, lo = lo, lo - steps_per_octave
        lo = max(lo, -1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    for j in range(hi + 1, min(k_max, hi + confirm) + 1):
        ok(j)
    return result(hi)


# ---------------------------------------------------------------------------------------------
# Targeted ANDs: only chosen pairs, each gate with its own neurons
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TargetedAndNetwork:
    """ANDs of chosen pairs only: gate ``g`` owns ``q`` random neurons wired to both its features.

    Attributes
    ----------
    m, n : int
        Features and neurons.
    gates : (m', 2) int array
        The chosen pairs.
    gate_neurons : (m', q) int array
        The neurons owned by each gate (distinct within a row; different gates may share neurons).
    wiring_sparse : csr_matrix
        ``n × m`` 0/1 wiring: column ``i`` is the union of the neuron sets of ``i``'s gates.
    embedding : array, sparse matrix or None
        As for :class:`UAndNetwork`.
    """

    m: int
    n: int
    gates: np.ndarray
    gate_neurons: np.ndarray
    wiring_sparse: sp.csr_matrix = field(repr=False)
    embedding: object = field(default=None, repr=False)
    bias: float = 1.0

    @property
    def wiring(self) -> np.ndarray:
        """The ``n × m`` boolean wiring."""
        require_size("the dense wiring matrix", self.n * self.m, limit_bytes=MAX_ARRAY_BYTES,
                     advice="use wiring_sparse")
        return self.wiring_sparse.toarray().astype(bool)

    @cached_property
    def readout_matrix(self) -> sp.csr_matrix:
        """The ``m' × n`` linear readout: row ``g`` holds ``1/q`` on the gate's own neurons."""
        g, q = self.gate_neurons.shape
        return sp.csr_matrix((np.full(g * q, 1.0 / q, dtype=np.float32), self.gate_neurons.ravel(),
                              np.arange(0, g * q + 1, q)), shape=(g, self.n))

    @property
    def features_per_neuron(self) -> float:
        """Mean number of features wired to a neuron."""
        return self.wiring_sparse.nnz / self.n


def _distinct_rows(rows: int, k: int, upper: int, rng: np.random.Generator) -> np.ndarray:
    """A ``(rows, k)`` array whose rows are uniformly random sorted ``k``-subsets of ``range(upper)``."""
    if k * 4 > upper:
        return np.sort(np.argsort(rng.random((rows, upper)), axis=1)[:, :k], axis=1)
    out = np.sort(rng.integers(0, upper, size=(rows, k)), axis=1)
    bad = np.flatnonzero((out[:, 1:] == out[:, :-1]).any(axis=1)) if k > 1 else np.empty(0, int)
    while bad.size:  # redraw only the rows with a repeat
        redo = np.sort(rng.integers(0, upper, size=(bad.size, k)), axis=1)
        out[bad] = redo
        still = (redo[:, 1:] == redo[:, :-1]).any(axis=1) if k > 1 else np.zeros(bad.size, bool)
        bad = bad[still]
    return out


def build_targeted_and(m, gates, n, q, rng, embedding=None) -> TargetedAndNetwork:
    """ANDs of the chosen ``gates`` only (the targeted construction of Vaintrob, Mendel and Hänni).

    Each gate ``{i, j}`` gets its own ``q`` neurons drawn uniformly without replacement from the
    ``n``; a neuron is wired to feature ``i`` when it belongs to a gate containing ``i``.  The
    readout of a gate averages its own ``q`` neurons.  Bias ``−1`` as in U-AND.
    """
    m = as_int("m", m, min_value=2)
    n = as_int("n", n, min_value=1)
    q = as_int("q", q, min_value=1, max_value=n)
    rng = as_rng(rng)
    gates = _validate_pairs(gates, m)
    gates = np.sort(gates, axis=1)
    gkeys = np.sort(gates[:, 0] * m + gates[:, 1])
    if np.any(gkeys[1:] == gkeys[:-1]):
        raise ValueError("gates must not repeat a pair")
    emb = _validate_embedding(embedding, m)
    g = gates.shape[0]
    own = _distinct_rows(g, q, n, rng)
    # Wiring entries (neuron, feature) for both ends of every gate; duplicates (a neuron shared by two gates
    # of the same feature) collapse.  One sort of the linear keys gives the CSR structure directly.
    keys = np.concatenate([own.ravel() * m + np.repeat(gates[:, 0], q), own.ravel() * m + np.repeat(gates[:, 1], q)])
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]  # (sort + diff: faster than np.unique here)
    rows = keys // m
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    B = sp.csr_matrix((np.ones(keys.size, dtype=np.float32), (keys - rows * m).astype(np.int32), indptr),
                      shape=(n, m))
    return TargetedAndNetwork(m=m, n=n, gates=gates, gate_neurons=own.astype(np.int64), wiring_sparse=B,
                              embedding=emb)


def targeted_readout(net: TargetedAndNetwork, active) -> np.ndarray:
    """Readout of every gate for each input: the mean of ``h`` over the gate's own neurons, ``(batch, m')``."""
    active = _validate_active(net.m, active)
    shim = UAndNetwork(m=net.m, n=net.n, p=1.0, wiring_sparse=net.wiring_sparse, embedding=net.embedding)
    H = uand_hidden(shim, active)
    return np.asarray((net.readout_matrix @ H.T).T)


def targeted_error(net: TargetedAndNetwork, active, threshold=0.5) -> dict:
    """Errors of the targeted network over all its gates and the given inputs.

    Returns ``max_error`` (max norm over gates and inputs), ``mean_true``/``mean_false`` (mean signed
    error on gates that are on / off), ``n_true`` (number of (input, gate) combinations that are on),
    ``n_wrong`` (threshold-decoding mistakes) and ``n`` (combinations).
    """
    active = _validate_active(net.m, active)
    out = targeted_readout(net, active)
    f = np.zeros((active.shape[0], net.m), dtype=bool)
    f[np.arange(active.shape[0])[:, None], active] = True
    truth = f[:, net.gates[:, 0]] & f[:, net.gates[:, 1]]
    err = out - truth
    return {
        "max_error": float(np.abs(err).max()),
        "mean_true": float(err[truth].mean()) if truth.any() else float("nan"),
        "mean_false": float(err[~truth].mean()),
        "n_true": int(truth.sum()),
        "n_wrong": int(np.count_nonzero((out > threshold) != truth)),
        "n": int(truth.size),
    }


def plant_gates(gates, m, s, batch, rng, n_planted=1) -> np.ndarray:
    """Inputs that switch on ``n_planted`` random chosen gates each, padded with random features to ``s``.

    Uniform random inputs almost never switch on a chosen pair when the gates are sparse, so a
    network that outputs all zeros would pass a test on them; planted inputs test the true gates.
    """
    gates = _validate_pairs(gates, as_int("m", m, min_value=2))
    s = as_int("s", s, min_value=2, max_value=m)
    batch = as_int("batch", batch, min_value=1)
    n_planted = as_int("n_planted", n_planted, min_value=1)
    rng = as_rng(rng)
    out = np.empty((batch, s), dtype=np.int64)
    for b in range(batch):
        chosen = gates[rng.choice(gates.shape[0], size=min(n_planted, gates.shape[0]), replace=False)].ravel()
        feats = list(dict.fromkeys(chosen.tolist()))[:s]
        while len(feats) < s:
            c = int(rng.integers(0, m))
            if c not in feats:
                feats.append(c)
        out[b] = np.sort(feats)
    return out


# ---------------------------------------------------------------------------------------------
# Plotting (the chapter's explorer)
# ---------------------------------------------------------------------------------------------


def plot_error_histograms(m=2000, n=4096, p=None, s=3, superposed=False, d0=None, seed=0, batch=20, ax=None,
                          readout="plain"):
    """Histograms of readout errors per case (both / one / neither active) for one random network.

    ``p`` defaults to ``sqrt(48/n)`` (mean pair coverage 48); with ``superposed=True`` the inputs
    arrive through a random sparse code in ``d0`` dimensions (default ``d0 = n``).  Dashed lines
    mark the clean-input predictions ``(s−2)p``, ``(s−1)p`` and ``s p − 1 + (1−p)^s``, shifted by
    the offset of the readout (``readout`` as in :func:`build_uand`; plain by default).
    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    m = as_int("m", m, min_value=3)
    n = as_int("n", n, min_value=1)
    s = as_int("s", s, min_value=2, max_value=m - 2)
    p = p_for_coverage(n, min(48.0, n)) if p is None else as_float("p", p, min_value=0.0, max_value=1.0,
                                                                    min_inclusive=False)
    rng = np.random.default_rng(seed)
    emb = None
    if superposed:
        d0 = n if d0 is None else as_int("d0", d0, min_value=1)
        emb = sparse_code_embedding(m, d0, min(32, d0), rng)
    net = build_uand(m, n, p, rng, embedding=emb, readout=readout, s=s)
    active = sample_active(m, s, batch, rng)
    t = uand_touching_readouts(net, active)
    neither = uand_sampled_neither(net, active, 500, rng)
    both_err = (t.both - 1.0).ravel()
    one_err = t.one[~np.isnan(t.one)]
    pred = predicted_mean_errors(s, p)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.0))
    else:
        fig = ax.figure
    lo = min(both_err.min(), -0.05)
    hi = max(one_err.max(), neither.max(), both_err.max(), 0.6)
    bins = np.linspace(lo, hi, 60)
    for vals, name, colour, key in ((both_err, "both active (target 1)", "C0", "both"),
                                    (one_err, "one active (target 0)", "C1", "one"),
                                    (neither.ravel(), "neither active (target 0)", "C2", "neither")):
        ax.hist(vals, bins=bins, density=True, alpha=0.5, color=colour, label=f"{name}: mean {vals.mean():+.3f}")
        ax.axvline(pred[key] - net.offset, color=colour, ls="--", lw=1.2)
    ax.axvline(0.5, color="k", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("readout error out − target (readout units)")
    ax.set_ylabel("density (log scale)")
    kind = f"superposed, d0 = {net.d0}" if superposed else "clean inputs"
    ax.set_title(f"U-AND errors: m = {m}, n = {n}, p = {p:.3f}, s = {s} ({kind})")
    ax.legend(fontsize=8, loc="upper right")
    return fig
