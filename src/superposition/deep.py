"""Deep computation in superposition: sparse boolean circuits layer after layer (Chapter 5).

This is the book's own construction.  Hänni, Mendel, Vaintrob & Chan (arXiv 2408.05451) claim that
deep networks of width ``d`` with "error correction" layers emulate sparse circuits of width
Õ(d^1.5) at polynomial depth; their construction is not reproduced here.  What follows is a small,
measurable construction built from the ideas of Chapters 2 and 4, and every property is measured.

The circuit family (:func:`random_sparse_circuit`)
--------------------------------------------------
Layer 0 holds ``m`` boolean features, of which at most ``s`` are on.  For each ℓ = 1 … depth the
``m`` features of layer ℓ−1 are split by a random perfect matching into ``m/2`` pairs ``(a, b)``;
each pair feeds exactly two gates of layer ℓ, placed at random positions, of one of three kinds:

* ``and-or``  : AND(a, b) and OR(a, b)      (on-count a + b, conserved),
* ``copy``    : COPY(a) and COPY(b)          (on-count a + b, conserved),
* ``and-not`` : a ∧ ¬b and b ∧ ¬a            (on-count a XOR b ≤ a + b).

So on **every** input the number of on features never grows with depth: ``|A_ℓ| ≤ |A_{ℓ−1}| ≤ s``.

The vote network (:func:`build_deep_network`, ``construction="vote"``, the default)
-----------------------------------------------------------------------------------
Width ``d`` everywhere, and ``m`` may exceed ``d``.  Layer 0 is given as ``x_0 = E_in f`` with ``E_in`` a
0/1 code: feature i has ``L`` copies, in ``L`` distinct neurons (copy c in stripe c of the neurons).
Layer ℓ ≥ 1 is held by the hidden neurons ``v_ℓ ∈ [0, 1]^d`` themselves: gate g has L copies in L
distinct neurons, each neuron hosting about L·m/d gate copies of one class (OR/COPY, AND, and-not).
Feature i of layer ℓ is read as ``ŷ_ℓ = R_ℓ v_ℓ`` (the mean of its copies) and decoded as on when
ŷ > τ = 1 − 1/(2L), i.e. when all its copies are on.  One block::

    u       = Z_ℓ ŷ_{ℓ−1} − offset     (d,)  sum of the reads of the inputs of the hosted gate copies
    v_ℓ     = step(u)                 (d,)

*With* error correction ``step(u) = min(ReLU(K(u − θ) + ½), 1)`` with θ = 1 − 1/(2L), K = 4L: exactly 0
unless the on input copies of the neuron add up to L (a full feature), exactly 1 if they do; the
minimum is a second hidden layer ``b = ReLU(1 − a)``, ``v = 1 − b``, so correction costs depth, not
width.  For monotone circuits (:data:`MONOTONE`) every copy of every on feature is then exactly 1 on
every input, so every wrong bit is a false one.  *Without* correction ``step(u) = ReLU(u)`` (Chapter 2's
gate neuron ``ReLU(z − t + 1)``), one hidden layer per circuit layer.

The unit network (``construction="unit"``, the first construction)
------------------------------------------------------------------
Layer ℓ of the circuit lives only in superposition, ``x_ℓ = E_ℓ f_ℓ ∈ ℝ^d``
with ``E_ℓ`` a random sparse code (unit columns, Chapter 1).  Every gate is a linear threshold
gate ``g = [w_a f_a + w_b f_b ≥ t]`` (AND: w = (1, 1), t = 2; OR and COPY: t = 1; a ∧ ¬b: w = (1, −1),
t = 1).  One block computes layer ℓ from layer ℓ−1::

    x̂   = E_{ℓ−1}ᵀ x_{ℓ−1}                    (m,)  noisy read of every feature (Chapter 1)
    h_ℓ = ReLU(P_ℓ x̂ − β_ℓ)                   (d,)  d neurons, each hosting gate copies (Chapter 4's chunks)
    ŷ   = R_ℓ h_ℓ                              (m,)  average of the L copies of each gate (Chapter 4's R)
    x_ℓ = E_ℓ ŷ                                (d,)  re-embed: the next block's input

*Without* error correction each gate copy is one neuron, ``ReLU(z − t + 1)`` with ``z = w·x̂``.
*With* error correction each gate copy is two neurons forming the clipped step
``ReLU(2u − ½) − ReLU(2u − 3/2)`` of ``u = z − t + 1``, flat (exactly 0 or 1) whenever the input
noise is below ¼.  It costs width: twice the neurons per gate copy.  Once units are shared (m > d/2
with one copy), a unit switched on by one gate writes a full 1 into every gate it hosts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._validate import as_float, as_index_array, as_int, as_rng, require_size

__all__ = [
    "GATES",
    "MONOTONE",
    "SparseCircuit",
    "random_sparse_circuit",
    "DeepNetwork",
    "VoteNetwork",
    "build_deep_network",
    "run_mlp",
    "count_wrong_bits",
    "first_wrong_layer",
    "readout_spread",
    "greedy_attack",
    "largest_width",
    "evaluate_layer",
    "clipped_step",
    "step_tolerance",
    "expected_collisions",
    "false_fire_probability",
    "plot_depth_profile",
]

#: The gate of each code, as (name, weights (w_a, w_b), threshold t).
GATES = {0: ("COPY", (1.0, 0.0), 1), 1: ("AND", (1.0, 1.0), 2), 2: ("OR", (1.0, 1.0), 1),
         3: ("ANDNOT", (1.0, -1.0), 1)}
_KINDS = ("and-or", "copy", "and-not")
#: What every ``rng`` argument accepts, a Generator or a seed for ``np.random.default_rng``.
RngLike = np.random.Generator | int | None
#: The pair-kind weights of the monotone family, and-or and copy pairs only (no and-not), so every gate is AND, OR
#: or COPY.
MONOTONE = (0.5, 0.5, 0.0)
_MEM_LIMIT = 2**29


# --------------------------------------------------------------------------------------------------
# the circuit
# --------------------------------------------------------------------------------------------------
@dataclass
class SparseCircuit:
    """A depth-``depth`` sparse boolean circuit of width ``m`` (see the module docstring).

    ``gate[ℓ−1]``, ``in_a[ℓ−1]``, ``in_b[ℓ−1]`` (int arrays of shape (m,)) describe layer ℓ: feature
    ``i`` of layer ℓ is gate ``GATES[gate[ℓ−1][i]]`` of features ``in_a``/``in_b`` of layer ℓ−1
    (``in_b = in_a`` for COPY, whose second weight is 0).  ``partner[ℓ−1]`` maps each feature of layer
    ℓ−1 to the feature it is matched with.
    """

    m: int
    depth: int
    s: int
    gate: list
    in_a: list
    in_b: list
    partner: list

    def random_inputs(self, batch: int, rng: RngLike) -> np.ndarray:
        """``batch`` uniform random s-subsets of the m layer-0 features, shape (batch, s), int64."""
        batch = as_int("batch", batch, min_value=1)
        rng = as_rng(rng)
        keys = rng.random((batch, self.m))
        return np.sort(np.argpartition(keys, self.s - 1, axis=1)[:, : self.s], axis=1).astype(np.int64)

    def switching_inputs(self, batch: int, rng: RngLike) -> np.ndarray:
        """Inputs that switch gates into their rare cases: ``s // 2`` matched pairs of layer 0 fully on
        (so AND fires, OR sees two on inputs, a ∧ ¬b is blocked), the rest uniform.  Shape (batch, s)."""
        batch = as_int("batch", batch, min_value=1)
        rng = as_rng(rng)
        out = self.random_inputs(batch, rng)
        k = self.s // 2
        if k:
            a = self.random_inputs(batch, rng)[:, :k]
            # a's entries distinct; their partners must avoid clashing with a
            b = self.partner[0][a]
            out[:, : 2 * k : 2] = a
            out[:, 1 : 2 * k : 2] = b
        srt = np.sort(out, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        # rows where a partner collided with another pick are redrawn as uniform inputs (rare)
        if dup.any():
            srt[dup] = self.random_inputs(int(dup.sum()), rng)
        return srt

    def _check_active(self, active) -> np.ndarray:
        arr = as_index_array("active", active, ndim=2, upper=self.m, upper_name="m", distinct_rows=True)
        if arr.shape[1] > self.s:
            raise ValueError(f"active must have at most s = {self.s} columns, got {arr.shape[1]}")
        return arr

    def _layer(self, layer: int) -> int:
        layer = as_int("layer", layer, min_value=-self.depth - 1, max_value=self.depth)
        return layer % (self.depth + 1)

    def evaluate_dense(self, active: ArrayLike) -> list[np.ndarray]:
        """Boolean states of every layer: a list of depth + 1 arrays of shape (batch, m), dtype bool."""
        arr = self._check_active(active)
        f = np.zeros((arr.shape[0], self.m), dtype=bool)
        np.put_along_axis(f, arr, True, axis=1)
        states = [f]
        for l in range(self.depth):
            f = evaluate_layer(f, self.gate[l], self.in_a[l], self.in_b[l])
            states.append(f)
        return states

    def evaluate(self, active: ArrayLike, layer: int = -1) -> list[np.ndarray]:
        """For each input (row of ``active``, shape (batch, ≤ s)), the sorted ids of the features on at
        ``layer`` (0 is the input, −1 the last layer)."""
        layer = self._layer(layer)
        f = self.evaluate_dense(active)[layer]
        return [np.flatnonzero(row) for row in f]


def random_sparse_circuit(m: int, depth: int, s: int, rng: RngLike, *,
                          kinds: tuple[float, float, float] = (0.5, 0.25, 0.25)) -> SparseCircuit:
    """Draw a random circuit of the family in the module docstring.

    Parameters
    ----------
    m : even int ≥ 2, features per layer.  depth : int ≥ 1.  s : int in [1, m], input sparsity.
    rng : Generator or seed.  kinds : probabilities of the pair kinds (and-or, copy, and-not).
    """
    m = as_int("m", m, min_value=2)
    if m % 2:
        raise ValueError(f"m must be even (features are matched in pairs), got {m}")
    depth = as_int("depth", depth, min_value=1)
    s = as_int("s", s, min_value=1, max_value=m)
    rng = as_rng(rng)
    p = np.asarray(kinds, dtype=float)
    if p.shape != (3,) or (p < 0).any() or not np.isfinite(p).all() or p.sum() <= 0:
        raise ValueError(f"kinds must be three non-negative weights (and-or, copy, and-not), got {kinds!r}")
    p = p / p.sum()
    gate, in_a, in_b, partner = [], [], [], []
    for _ in range(depth):
        perm = rng.permutation(m)
        u, v = perm[0::2], perm[1::2]
        part = np.empty(m, dtype=np.int64)
        part[u], part[v] = v, u
        kind = rng.choice(3, size=m // 2, p=p)
        # two outputs per pair: first (g1, a=u, b=v), second (g2, a=v, b=u) or (g2, u, v)
        g1 = np.choose(kind, [1, 0, 3])
        g2 = np.choose(kind, [2, 0, 3])
        a1, b1 = u, np.where(kind == 1, u, v)
        a2 = np.where(kind == 0, u, v)
        b2 = np.where(kind == 0, v, np.where(kind == 1, v, u))
        pos = rng.permutation(m)
        g, a, b = np.empty(m, np.int8), np.empty(m, np.int64), np.empty(m, np.int64)
        g[pos[0::2]], a[pos[0::2]], b[pos[0::2]] = g1, a1, b1
        g[pos[1::2]], a[pos[1::2]], b[pos[1::2]] = g2, a2, b2
        gate.append(g)
        in_a.append(a)
        in_b.append(b)
        partner.append(part)
    return SparseCircuit(m, depth, s, gate, in_a, in_b, partner)


def evaluate_layer(f: ArrayLike, gate: ArrayLike, in_a: ArrayLike, in_b: ArrayLike) -> np.ndarray:
    """One circuit layer: ``f`` boolean (batch, m) states of layer ℓ−1; ``gate``, ``in_a``, ``in_b`` int
    arrays (m,) (codes of :data:`GATES`).  Returns the boolean (batch, m) states of layer ℓ."""
    f = np.asarray(f, dtype=bool)
    a, b, g = f[:, in_a], f[:, in_b], np.asarray(gate)
    return np.where(g == 0, a, np.where(g == 1, a & b, np.where(g == 2, a | b, a & ~b)))


def clipped_step(u: ArrayLike, K: float = 4.0) -> np.ndarray:
    """The correction step of two ReLUs, ``ReLU(K(u − ½) + ½) − ReLU(K(u − ½) − ½)``, elementwise: 0 for
    u ≤ ½ − 1/(2K), 1 for u ≥ ½ + 1/(2K), linear (slope K) in between."""
    u = np.asarray(u, dtype=float)
    return np.maximum(K * (u - 0.5) + 0.5, 0.0) - np.maximum(K * (u - 0.5) - 0.5, 0.0)


def step_tolerance(K: ArrayLike) -> np.ndarray:
    """Largest noise ``|δ|`` with clipped_step(0 + δ) = 0 and clipped_step(1 + δ) = 1 exactly: ½ − 1/(2K)."""
    K = np.asarray(K, dtype=float)
    return 0.5 - 0.5 / K


def expected_collisions(m: ArrayLike, s: ArrayLike) -> np.ndarray:
    """Expected number of matched pairs with both inputs on, for a uniform random s-subset of m features
    and a uniform random perfect matching: C(s, 2) / (m − 1), elementwise."""
    m = np.asarray(m, dtype=float)
    s = np.asarray(s, dtype=float)
    return s * (s - 1) / 2 / (m - 1)


def false_fire_probability(m: ArrayLike, d: ArrayLike, s: ArrayLike, L: ArrayLike) -> np.ndarray:
    """Estimated probability that one neuron of the vote construction (with correction) fires although
    none of its gates is on, for a monotone circuit: the number of on input copies of the neuron is
    taken as Poisson with mean λ = (3/2)·(L·m/d)·L·(s·L/d) = 3·s·m·L³/(2·d²) (about L·m/d hosted gate
    copies with 3/2 inputs each, L copies per input, each on with probability s·L/d), and a false fire
    needs at least L of them: P(Poisson(λ) ≥ L).  Elementwise; L ≥ 1."""
    from scipy.stats import poisson

    m, d, s, L = (np.asarray(v, dtype=float) for v in (m, d, s, L))
    lam = 1.5 * s * m * L**3 / d**2
    return poisson.sf(L - 1, lam)


# --------------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------------
def _distinct_rows(n: int, size: int, L: int, rng) -> np.ndarray:
    """(n, L) independent uniform draws from [0, size), redrawn until the entries of each row are distinct."""
    rows = rng.integers(0, size, (n, L))
    for _ in range(1000):
        srt = np.sort(rows, axis=1)
        bad = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        if not bad.any():
            return rows
        rows[bad] = rng.integers(0, size, (int(bad.sum()), L))
    raise RuntimeError("could not draw distinct rows")  # pragma: no cover (needs L close to size)


def _sparse_code(d: int, m: int, k: int, rng) -> sp.csc_matrix:
    """d × m random code (Chapter 1): each column has k distinct random rows with entries ±1/√k, so
    columns are unit vectors and two columns overlap by O(1/√d).  CSC, float32."""
    k = min(k, d)
    rows = _distinct_rows(m, d, k, rng)
    vals = (rng.integers(0, 2, (m, k)) * 2 - 1).astype(np.float32) / np.float32(math.sqrt(k))
    mat = sp.csc_matrix((vals.ravel(), rows.ravel().astype(np.int32), np.arange(0, m * k + 1, k)), shape=(d, m))
    mat.sort_indices()
    return mat


def _assign(n_gates: int, L: int, lo: int, size: int, rng) -> np.ndarray:
    """(n_gates, L) unit ids in [lo, lo + size), spread evenly: copy c of the gate of random rank r goes
    to unit (r + c·n_gates) mod size.  Every unit hosts ⌊n·L/size⌋ or ⌈n·L/size⌉ gate copies, and no
    two gate copies share a unit when n·L ≤ size."""
    ranks = np.stack([rng.permutation(n_gates) for _ in range(L)], axis=1)
    return lo + (ranks + np.arange(L)[None, :] * n_gates) % size


@dataclass
class _Block:
    P: sp.csr_matrix  # d × m, gate-copy coefficients on the read of layer ℓ−1
    beta: np.ndarray  # (d,), float32 biases (subtracted)
    R: sp.csr_matrix  # m × d, copy averaging (± 1/L)


@dataclass
class DeepNetwork:
    """The network of :func:`build_deep_network`.

    ``E_in`` (d × m, L ones per column) embeds layer 0, read by ``R_0 = E_inᵀ / L``; ``blocks[ℓ−1]``
    computes the hidden layer h_ℓ ∈ ℝ^d holding circuit layer ℓ, read by ``blocks[ℓ−1].R``;
    ``tau`` is the readout threshold.
    """

    circuit: SparseCircuit
    d: int
    s: int
    L: int
    error_correction: bool
    E: list
    blocks: list
    tau: float = 0.5

    @property
    def depth(self) -> int:
        return self.circuit.depth

    @property
    def m(self) -> int:
        return self.circuit.m

    def _embed(self, active) -> np.ndarray:
        arr = self.circuit._check_active(active)
        if arr.shape[1] > self.s:
            raise ValueError(f"active must have at most s = {self.s} columns, got {arr.shape[1]}")
        f = np.zeros((arr.shape[0], self.m), dtype=np.float32)
        np.put_along_axis(f, arr, 1.0, axis=1)
        return np.asarray((self.E[0] @ f.T).T, dtype=np.float32)

    def reads(self, active: ArrayLike, upto: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(ℓ, x̂_ℓ)`` for ℓ = 0 … upto: the read ``E_ℓᵀ x_ℓ`` of every feature of layer ℓ,
        float32 (batch, m)."""
        upto = self.depth if upto is None else upto
        x = self._embed(active)
        for l in range(upto + 1):
            xhat = np.asarray((self.E[l].T @ x.T).T, dtype=np.float32)
            yield l, xhat
            if l == upto:
                return
            blk = self.blocks[l]
            h = np.maximum(np.asarray((blk.P @ xhat.T).T) - blk.beta, 0.0, dtype=np.float32)
            yhat = np.asarray((blk.R @ h.T).T, dtype=np.float32)
            x = np.asarray((self.E[l + 1] @ yhat.T).T, dtype=np.float32)

    def predict_dense(self, active: ArrayLike, layer: int = -1) -> np.ndarray:
        """Boolean (batch, m): feature e of ``layer`` decoded as on when its read x̂_ℓ[e] > τ."""
        layer = self.circuit._layer(layer)
        for _, xhat in self.reads(active, layer):  # noqa: B007 (the reads come layer by layer; keep the last)
            pass
        return xhat > self.tau

    def predict(self, active: ArrayLike, layer: int = -1) -> list[np.ndarray]:
        """For each input (row of ``active``, (batch, ≤ s)), the sorted ids of the features decoded as on
        at ``layer`` (format of :meth:`SparseCircuit.evaluate`)."""
        return [np.flatnonzero(r) for r in self.predict_dense(active, layer)]

    def parameter_counts(self) -> dict:
        """``neurons`` = depth·d hidden ReLUs; ``nonzero_weights`` = stored nonzeros of all factors
        (E_ℓ, P_ℓ, R_ℓ); ``dense_weights`` = entries of the (depth + 1) d × d matrices of the exported MLP
        if stored dense; ``gate_copies_per_neuron`` = the load each neuron carries."""
        nnz = sum(e.nnz for e in self.E) + sum(b.P.nnz + b.R.nnz for b in self.blocks)
        per = 2 if self.error_correction else 1
        return {
            "width": self.d,
            "hidden_layers": self.depth,
            "neurons": self.depth * self.d,
            "nonzero_weights": int(nnz),
            "dense_weights": int((self.depth + 1) * self.d * self.d),
            "copies_per_gate": self.L,
            "neurons_per_copy": per,
            "gate_copies_per_neuron": per * self.L * self.m / self.d,
        }

    def as_mlp(self, layer: int = -1) -> dict:
        """Export as one ReLU MLP (the shared Chapter 4/5 format), read out at circuit ``layer`` ≥ 1.

        ``x = E_in f``; ``h_1 = ReLU(W_1 x + b_1)``; ``h_j = ReLU(W_j h_{j−1} + b_j)`` for j = 2 … ℓ;
        ``y = W_{ℓ+1} h_ℓ + b_{ℓ+1}``; feature e on when ⟨E_out[:, e], y⟩ > τ.  The layers chain by
        folding each re-embedding x_{j−1} = E_{j−1} R_{j−1} h_{j−1} into the next block's read:
        ``W_1 = (P_1, E_0ᵀ)``, ``W_j = (P_j E_{j−1}ᵀ, E_{j−1} R_{j−1})`` (a pair (C, D) means C·D, both
        scipy.sparse d × d), ``b_j = −β_j``, ``W_{ℓ+1} = E_ℓ R_ℓ``, ``b_{ℓ+1} = 0``, ``E_in = E_0`` and
        ``E_out = E_ℓ``.  Every hidden layer has width d; the depth-ℓ circuit is one depth-ℓ MLP.
        """
        layer = self.circuit._layer(layer)
        if layer == 0:
            raise ValueError("layer must be >= 1 (layer 0 is the input x = E_in f itself)")
        weights, biases = [(self.blocks[0].P, self.E[0].T.tocsr())], [-self.blocks[0].beta]
        for j in range(1, layer):
            blk, prev = self.blocks[j], self.blocks[j - 1]
            weights.append(((blk.P @ self.E[j].T).tocsr(), (self.E[j] @ prev.R).tocsr()))
            biases.append(-blk.beta)
        weights.append((self.E[layer] @ self.blocks[layer - 1].R).tocsr())
        biases.append(np.zeros(self.d, dtype=np.float32))
        return {"E_in": self.E[0], "weights": weights, "biases": biases, "E_out": self.E[layer], "tau": self.tau}


def build_deep_network(circuit: SparseCircuit, d: int, s: int, rng: RngLike, error_correction: bool = True, *,
                       construction: str = "vote", copies: int | None = None, k: int = 32,
                       steepness: float = 4.0) -> DeepNetwork | VoteNetwork:
    """Build a width-``d`` network computing ``circuit`` layer by layer.

    Parameters
    ----------
    circuit : SparseCircuit.  d : int ≥ 8, the width of every layer.  s : int in [1, circuit.s], the
    sparsity the network is used at (checked against inputs).  rng : Generator or seed.
    error_correction : bool.  With ``construction="vote"``: every gate copy is a count threshold that
    fires only when all L copies of an input are on, saturated at 1 by a second hidden layer (True), or
    Chapter 2's one-ReLU gate ``ReLU(z − t + 1)`` (False).  With ``construction="unit"``: two-neuron
    clipped-step gates (True) or one-neuron ReLU gates (False).
    construction : ``"vote"`` (:class:`VoteNetwork`, default: every layer held by L copies per feature
    in the hidden neurons themselves) or ``"unit"`` (:class:`DeepNetwork`, every layer re-embedded by a
    random code; see the module docstring).
    copies : int in [1, d/8], copies L of every gate; default 5 for ``"vote"``, 1 for ``"unit"``.
    k : int in [1, d], nonzeros per column of every embedding E_ℓ (``"unit"`` only).
    steepness : float in [1, 64], slope K of the correction step of ``"unit"``; flat (exactly 0 or 1)
    when ``|u − ½| ≥ 1/(2K)``.
    """
    if not isinstance(circuit, SparseCircuit):
        raise TypeError(f"circuit must be a SparseCircuit from random_sparse_circuit, got {type(circuit).__name__}")
    d = as_int("d", d, min_value=8)
    s = as_int("s", s, min_value=1, max_value=circuit.s)
    rng = as_rng(rng)
    if not isinstance(error_correction, (bool, np.bool_)):
        raise TypeError(f"error_correction must be True or False, got {error_correction!r}")
    if construction not in ("vote", "unit"):
        raise ValueError(f"construction must be 'vote' or 'unit', got {construction!r}")
    if copies is None:
        copies = 5 if construction == "vote" else 1
    L = as_int("copies", copies, min_value=1, max_value=d // 8)
    m = circuit.m
    if construction == "vote":
        require_size("the network's sparse factors", circuit.depth * m * L * 4 * 12.0,
                     limit_bytes=_MEM_LIMIT, advice="use a smaller m, depth or copies")
        E_in = _copy_code(d, m, L, rng)
        blocks = [_vote_block(circuit, l, d, L, rng) for l in range(circuit.depth)]
        return VoteNetwork(circuit, d, s, L, bool(error_correction), E_in, blocks)
    k = as_int("k", k, min_value=1, max_value=d)
    K = as_float("steepness", steepness, min_value=1.0, max_value=64.0)
    per = 2 if error_correction else 1
    require_size("the network's sparse factors", circuit.depth * m * per * L * 3 * 12.0,
                 limit_bytes=_MEM_LIMIT, advice="use a smaller m, depth or copies")
    E = [_sparse_code(d, m, k, rng) for _ in range(circuit.depth + 1)]
    blocks = [_build_block(circuit, l, d, L, error_correction, K, rng) for l in range(circuit.depth)]
    return DeepNetwork(circuit, d, s, L, bool(error_correction), E, blocks)


# --------------------------------------------------------------------------------------------------
# the vote construction: L copies per feature, held by the hidden neurons themselves
# --------------------------------------------------------------------------------------------------
def _striped(n: int, L: int, lo: int, size: int, rng) -> np.ndarray:
    """(n, L) neuron ids in [lo, lo + size): copy c of every item goes to stripe c (the c-th of L equal
    slices of the range), at a balanced random position in it.  So the L copies of an item sit in L
    distinct neurons, and every neuron of a stripe holds ⌊n/w⌋ or ⌈n/w⌉ items, w = ⌊size/L⌋."""
    w = size // L
    out = np.empty((n, L), dtype=np.int64)
    for c in range(L):
        out[:, c] = lo + c * w + rng.permutation(n) % w
    return out


def _copy_code(d: int, m: int, L: int, rng) -> sp.csr_matrix:
    """d × m 0/1 copy code: column i has ones at the L neurons holding feature i (:func:`_striped`)."""
    cols = _striped(m, L, 0, d, rng)
    return sp.csr_matrix((np.ones(m * L, np.float32), (cols.ravel(), np.repeat(np.arange(m), L))), shape=(d, m))


@dataclass
class _VoteBlock:
    Z: sp.csr_matrix  # d × m, slot weights: neuron n sums w·ŷ over the inputs of the gate copies it hosts
    offset: np.ndarray  # (d,), t − 1 of the neuron's gates (AND neurons 1, the others 0)
    R: sp.csr_matrix  # m × d, the read of layer ℓ: 1/L on the L neurons holding each gate


def _vote_block(circuit: SparseCircuit, l: int, d: int, L: int, rng) -> _VoteBlock:
    """One block of the vote construction.  Neurons are split into three classes, OR/COPY (t = 1), AND
    (t = 2) and and-not (t = 1, weights +1/−1), in proportion to the input slots of their gates; within a
    class the L copies of every gate are striped over the neurons."""
    m = circuit.m
    g, a, b = circuit.gate[l], circuit.in_a[l], circuit.in_b[l]
    cls = np.where(g == 1, 1, np.where(g == 3, 2, 0))
    slots = np.bincount(cls, weights=np.where(g == 0, 1.0, 2.0), minlength=3)
    sizes = np.floor(d * slots / slots.sum()).astype(np.int64)
    sizes[np.argmax(slots)] += d - sizes.sum()
    los = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    unit = np.empty((m, L), dtype=np.int64)
    offset = np.zeros(d, np.float32)
    for c in range(3):
        sel = np.flatnonzero(cls == c)
        if sel.size:
            if sizes[c] < L:
                raise ValueError(f"d = {d} is too small for copies = {L}: a gate class gets fewer than L neurons")
            unit[sel] = _striped(sel.size, L, int(los[c]), int(sizes[c]), rng)
    offset[los[1]:los[1] + sizes[1]] = 1.0
    gi = np.repeat(np.arange(m), L)
    ur = unit.ravel()
    wb = np.where(g == 0, 0.0, np.where(g == 3, -1.0, 1.0)).astype(np.float32)[gi]
    rows, cols = np.concatenate([ur, ur]), np.concatenate([a[gi], b[gi]])
    vals = np.concatenate([np.ones(gi.size, np.float32), wb])
    keep = vals != 0
    Z = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(d, m), dtype=np.float32)
    Z.sum_duplicates()
    R = sp.csr_matrix((np.full(gi.size, 1.0 / L, np.float32), (gi, ur)), shape=(m, d), dtype=np.float32)
    return _VoteBlock(Z, offset, R)


@dataclass
class VoteNetwork:
    """The vote construction of :func:`build_deep_network` (``construction="vote"``).

    Layer 0 is given as ``x_0 = E_in f`` with ``E_in`` a 0/1 copy code (L ones per column); layer ℓ ≥ 1
    is held by the hidden neurons ``v_ℓ ∈ ℝ^d`` themselves.  Feature i of layer ℓ is read as
    ``ŷ_ℓ = R_ℓ v_ℓ`` (the mean of its L copies; ``R_0 = E_inᵀ/L``) and decoded as on when ŷ > τ with
    τ = 1 − 1/(2L), that is when all L copies are on.  Block ℓ: ``u = Z_ℓ ŷ_{ℓ−1} − offset``;
    with correction ``v_ℓ = min(ReLU(K(u − θ) + ½), 1)`` (θ = 1 − 1/(2L), K = 4L: exactly 0 unless at
    least L of the neuron's input copies are on, exactly 1 if they are), computed by two hidden layers
    of width d (``a = ReLU(K(u − θ) + ½)``, ``b = ReLU(1 − a)``, ``v = 1 − b``); without correction
    ``v_ℓ = ReLU(u)``, one hidden layer.
    """

    circuit: SparseCircuit
    d: int
    s: int
    L: int
    error_correction: bool
    E_in: sp.csr_matrix
    blocks: list

    @property
    def depth(self) -> int:
        return self.circuit.depth

    @property
    def m(self) -> int:
        return self.circuit.m

    @property
    def tau(self) -> float:
        return 1.0 - 0.5 / self.L

    @property
    def theta(self) -> float:
        return 1.0 - 0.5 / self.L

    @property
    def steepness(self) -> float:
        return 4.0 * self.L

    def _R(self, layer: int) -> sp.csr_matrix:
        if layer == 0:
            return (self.E_in.T / self.L).tocsr().astype(np.float32)
        return self.blocks[layer - 1].R

    def _embed(self, active) -> np.ndarray:
        arr = self.circuit._check_active(active)
        if arr.shape[1] > self.s:
            raise ValueError(f"active must have at most s = {self.s} columns, got {arr.shape[1]}")
        f = np.zeros((arr.shape[0], self.m), dtype=np.float32)
        np.put_along_axis(f, arr, 1.0, axis=1)
        return np.asarray((self.E_in @ f.T).T, dtype=np.float32)

    def _gate(self, u: np.ndarray) -> np.ndarray:
        if self.error_correction:
            a = np.maximum(self.steepness * (u - self.theta) + 0.5, 0.0)
            return (1.0 - np.maximum(1.0 - a, 0.0)).astype(np.float32)
        return np.maximum(u, 0.0).astype(np.float32)

    def reads(self, active: ArrayLike, upto: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(ℓ, ŷ_ℓ)`` for ℓ = 0 … upto: the read ``R_ℓ v_ℓ`` of every feature of layer ℓ,
        float32 (batch, m)."""
        upto = self.depth if upto is None else upto
        v = self._embed(active)
        R = self._R(0)
        for l in range(upto + 1):
            yhat = np.asarray((R @ v.T).T, dtype=np.float32)
            yield l, yhat
            if l == upto:
                return
            blk = self.blocks[l]
            v = self._gate(np.asarray((blk.Z @ yhat.T).T) - blk.offset)
            R = blk.R

    def predict_dense(self, active: ArrayLike, layer: int = -1) -> np.ndarray:
        """Boolean (batch, m): feature e of ``layer`` decoded as on when its read ŷ_ℓ[e] > τ."""
        layer = self.circuit._layer(layer)
        for _, yhat in self.reads(active, layer):  # noqa: B007 (the reads come layer by layer; keep the last)
            pass
        return yhat > self.tau

    def predict(self, active: ArrayLike, layer: int = -1) -> list[np.ndarray]:
        """For each input (row of ``active``, (batch, ≤ s)), the sorted ids of the features decoded as on
        at ``layer`` (format of :meth:`SparseCircuit.evaluate`)."""
        return [np.flatnonzero(r) for r in self.predict_dense(active, layer)]

    def parameter_counts(self) -> dict:
        """``hidden_layers`` = 2·depth with correction, depth without; ``neurons`` = hidden_layers·d;
        ``nonzero_weights`` = stored nonzeros of the factors (E_in, Z_ℓ, R_ℓ); ``dense_weights`` = entries
        of the exported MLP's d × d matrices if stored dense; ``gate_copies_per_neuron`` = L·m/d."""
        nnz = self.E_in.nnz + sum(b.Z.nnz + b.R.nnz for b in self.blocks)
        hidden = (2 if self.error_correction else 1) * self.depth
        return {
            "width": self.d,
            "hidden_layers": hidden,
            "neurons": hidden * self.d,
            "nonzero_weights": int(nnz),
            "dense_weights": int((hidden + 1) * self.d * self.d),
            "copies_per_gate": self.L,
            "gate_copies_per_neuron": self.L * self.m / self.d,
        }

    def as_mlp(self, layer: int = -1) -> dict:
        """Export as one ReLU MLP (the shared Chapter 4/5 format), read out at circuit ``layer`` ≥ 1.

        ``x = E_in f``; hidden layers ``h_j = ReLU(W_j h_{j−1} + b_j)``; ``y = W_last h + b_last``;
        feature e on when ⟨E_out[:, e], y⟩ > τ, with ``E_out = R_ℓᵀ``.  A pair (C, D) means C·D (both
        scipy.sparse).  With correction each circuit layer is two hidden layers of width d:
        ``a_j = ReLU(K Z_j ŷ + K(−offset − θ) + ½)`` and ``b_j = ReLU(1 − a_j)``, where the read
        ``ŷ = R_{j−1}(1 − b_{j−1})`` is folded into the weights (C, D) = (K Z_j, −R_{j−1}) and the bias
        ``K Z_j R_{j−1} 1``; the last layer is ``y = 1 − b_ℓ``.  Without correction
        ``h_j = ReLU(Z_j R_{j−1} h_{j−1} − offset)`` and ``y = h_ℓ``.  Every hidden layer has width d.
        """
        layer = self.circuit._layer(layer)
        if layer == 0:
            raise ValueError("layer must be >= 1 (layer 0 is the input x = E_in f itself)")
        d, K, th = self.d, self.steepness, self.theta
        eye = sp.identity(d, dtype=np.float32, format="csr")
        ones = np.ones(d, np.float32)
        weights, biases = [], []
        for j in range(layer):
            blk, R = self.blocks[j], self._R(j)
            if not self.error_correction:
                weights.append((blk.Z, R))
                biases.append(-blk.offset)
                continue
            if j == 0:
                weights.append(((K * blk.Z).tocsr(), R))
                bias = np.zeros(d, np.float32)
            else:
                weights.append(((K * blk.Z).tocsr(), (-R).tocsr()))
                bias = np.asarray(K * (blk.Z @ (R @ ones)), np.float32)
            biases.append(bias + K * (-blk.offset - th) + 0.5)
            weights.append(-eye)
            biases.append(ones.copy())
        if self.error_correction:
            weights.append(-eye)
            biases.append(ones.copy())
        else:
            weights.append(eye)
            biases.append(np.zeros(d, np.float32))
        return {"E_in": self.E_in, "weights": weights, "biases": biases,
                "E_out": self.blocks[layer - 1].R.T.tocsr(), "tau": self.tau}


def _build_block(circuit, l, d, L, ec, K, rng) -> _Block:
    """One block: gate copies placed in *units* (one neuron without correction; a lo/hi pair of neurons
    hosting the same gate copies with correction), units grouped by the gate threshold t."""
    m = circuit.m
    g, a, b = circuit.gate[l], circuit.in_a[l], circuit.in_b[l]
    wb = np.where(g == 0, 0.0, np.where(g == 3, -1.0, 1.0)).astype(np.float32)
    t = np.where(g == 1, 2, 1)
    per = 2 if ec else 1
    U = d // per  # units
    # units split between the two thresholds in proportion to their gates
    n2 = int(np.count_nonzero(t == 2))
    U2 = min(max(int(round(U * n2 / m)), L if n2 else 0), U - L)
    sizes = {1: U - U2, 2: U2}
    unit = np.empty((m, L), dtype=np.int64)
    lo = {1: 0, 2: U - U2}
    for tv in (1, 2):
        sel = np.flatnonzero(t == tv)
        if sel.size:
            unit[sel] = _assign(sel.size, L, lo[tv], sizes[tv], rng)
    unit_t = np.where(np.arange(U) >= U - U2, 2.0, 1.0)
    gi = np.repeat(np.arange(m), L)
    ur = unit.ravel()
    if ec:
        slope = K
        beta = np.concatenate([K * (unit_t - 0.5) - 0.5, K * (unit_t - 0.5) + 0.5])
        neurons, signs = [ur, ur + U], [1.0, -1.0]
    else:
        slope = 1.0
        beta = unit_t - 1.0
        neurons, signs = [ur], [1.0]
    rows, cols, vals, rr, rc, rv = [], [], [], [], [], []
    for nr, sg in zip(neurons, signs):
        rows += [nr, nr]
        cols += [a[gi], b[gi]]
        vals += [np.full(gi.size, slope, np.float32), slope * wb[gi]]
        rr.append(gi)
        rc.append(nr)
        rv.append(np.full(gi.size, sg / L, np.float32))
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = vals != 0
    P = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(d, m), dtype=np.float32)
    P.sum_duplicates()
    R = sp.csr_matrix((np.concatenate(rv), (np.concatenate(rr), np.concatenate(rc))), shape=(m, d), dtype=np.float32)
    R.sum_duplicates()
    beta_full = np.full(d, 1.0, np.float32)  # neurons beyond per·U (d odd) are unused: bias 1, no inputs
    beta_full[: beta.size] = beta
    return _Block(P, beta_full, R)


# --------------------------------------------------------------------------------------------------
# verification and attacks
# --------------------------------------------------------------------------------------------------
def run_mlp(mlp: dict, active: np.ndarray, m_in: int | None = None) -> list[np.ndarray]:
    """Evaluate an exported MLP dict (format of :meth:`DeepNetwork.as_mlp`) on active sets (batch, s):
    for each input the sorted ids of the output features decoded as on.  Uses only the dict."""
    E_in = mlp["E_in"]
    arr = as_index_array("active", active, ndim=2, upper=E_in.shape[1], upper_name="m", distinct_rows=True)
    f = np.zeros((arr.shape[0], E_in.shape[1]), dtype=np.float64)
    np.put_along_axis(f, arr, 1.0, axis=1)
    h = (E_in @ f.T)
    W, B = mlp["weights"], mlp["biases"]
    for j, (w, bias) in enumerate(zip(W, B)):
        z = (w[0] @ (w[1] @ h)) if isinstance(w, tuple) else (w @ h)
        z = np.asarray(z) + np.asarray(bias, dtype=np.float64)[:, None]
        h = np.maximum(z, 0.0) if j < len(W) - 1 else z
    score = np.asarray(mlp["E_out"].T @ h).T
    return [np.flatnonzero(r) for r in score > mlp["tau"]]


def count_wrong_bits(net: DeepNetwork | VoteNetwork, active: ArrayLike) -> np.ndarray:
    """Wrong bits at every layer: int array (depth + 1,), entry ℓ = Σ over inputs and features of
    [decoded ≠ true] at layer ℓ."""
    truth = net.circuit.evaluate_dense(active)
    return np.array([int(((xhat > net.tau) != truth[l]).sum()) for l, xhat in net.reads(active)])


def first_wrong_layer(net: DeepNetwork | VoteNetwork, active: ArrayLike) -> int | None:
    """The first layer with a wrong bit on any input, or ``None`` if every layer is right."""
    bad = np.flatnonzero(count_wrong_bits(net, active))
    return int(bad[0]) if bad.size else None


def readout_spread(net: DeepNetwork | VoteNetwork, active: ArrayLike) -> dict:
    """Per layer: the largest deviation of a read from its boolean value, separately for off and on
    features (``off_max`` = max x̂ over off features, ``on_min`` = min x̂ over on features), and the RMS
    deviation ``rms`` over all features.  Arrays of shape (depth + 1,)."""
    truth = net.circuit.evaluate_dense(active)
    off_max, on_min, rms = [], [], []
    for l, xhat in net.reads(active):
        t = truth[l]
        off_max.append(float(xhat[~t].max()))
        on_min.append(float(xhat[t].min()) if t.any() else float("nan"))
        rms.append(float(np.sqrt(np.mean((xhat - t) ** 2))))
    return {"off_max": np.array(off_max), "on_min": np.array(on_min), "rms": np.array(rms)}


def _margins(net: DeepNetwork | VoteNetwork, active) -> np.ndarray:
    """Per input, the smallest signed readout margin over all features and layers (negative = wrong)."""
    truth = net.circuit.evaluate_dense(active)
    worst = np.full(len(active), np.inf)
    for l, xhat in net.reads(active):
        sgn = np.where(truth[l], 1.0, -1.0)
        worst = np.minimum(worst, ((xhat - net.tau) * sgn).min(axis=1))
    return worst


def greedy_attack(net: DeepNetwork | VoteNetwork, rng: RngLike, *, pool: int = 64,
                  restarts: int = 4) -> tuple[np.ndarray, float]:
    """White-box greedy search for a bad input.  Builds ``restarts`` active sets one feature at a time:
    at each step ``pool`` candidates are drawn (half of them partners of features already chosen, which
    switch gates into their two-on cases) and the one giving the smallest margin over all features and
    layers is kept.  Returns (the worst set found, shape (s,), its margin; negative = a wrong bit)."""
    rng = as_rng(rng)
    pool = as_int("pool", pool, min_value=1)
    restarts = as_int("restarts", restarts, min_value=1)
    c, m, s = net.circuit, net.m, net.s
    best, best_margin = None, np.inf
    for _ in range(restarts):
        chosen = np.empty(0, np.int64)
        for _step in range(s):
            cand = rng.integers(0, m, pool)
            if chosen.size:
                cand[: pool // 2] = c.partner[0][rng.choice(chosen, pool // 2)]
            cand = np.unique(cand[~np.isin(cand, chosen)])
            if cand.size == 0:
                cand = np.setdiff1d(np.arange(m), chosen)[:1]
            sets = np.concatenate([np.broadcast_to(chosen, (cand.size, chosen.size)), cand[:, None]], axis=1)
            marg = _margins(net, sets)
            j = int(np.argmin(marg))
            chosen = sets[j]
        if marg[j] < best_margin:
            best, best_margin = np.sort(chosen), float(marg[j])
    return best, best_margin


def largest_width(d: int, depth: int, s: int, *, m_grid: ArrayLike, error_correction: bool = True,
                  batch: int = 128, seed: int = 0, kinds: tuple[float, float, float] = (0.5, 0.25, 0.25),
                  **options) -> int:
    """Largest m on the increasing grid ``m_grid`` such that a random circuit of that width and ``depth``
    (pair kinds ``kinds``) runs with zero wrong bits at every layer on ``batch`` random inputs and
    ``batch`` switching inputs (one circuit and network per m, seeded by ``seed``; ``options`` go to
    :func:`build_deep_network`); scans upward and stops at the first failure.  Returns 0 if the first
    grid point fails."""
    ok = 0
    for m in m_grid:
        rng = np.random.default_rng([seed, int(m), int(d)])
        circ = random_sparse_circuit(int(m), depth, s, rng, kinds=kinds)
        net = build_deep_network(circ, d, s, rng, error_correction=error_correction, **options)
        inputs = np.concatenate([circ.random_inputs(batch, rng), circ.switching_inputs(batch, rng)])
        if count_wrong_bits(net, inputs).sum():
            break
        ok = int(m)
    return ok


def plot_depth_profile(d: int = 1024, m: int = 2048, depth: int = 32, s: int = 4, error_correction: bool = True,
                       seed: int = 0, batch: int = 64, ax=None, kinds: tuple[float, float, float] = MONOTONE,
                       construction: str = "vote") -> dict:
    """Explorer figure: per layer, the largest read of an off feature and the smallest read of an on feature
    on ``batch`` random inputs (and the threshold τ), for one seeded circuit (pair kinds ``kinds``) and
    network (``construction``).  Returns the ``readout_spread`` dict."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng([seed, d, m])
    circ = random_sparse_circuit(m, depth, s, rng, kinds=kinds)
    net = build_deep_network(circ, d, s, np.random.default_rng([seed, d, m, 1]), error_correction=error_correction,
                             construction=construction)
    act = circ.random_inputs(batch, rng)
    spread = readout_spread(net, act)
    wrong = count_wrong_bits(net, act)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    layers = np.arange(depth + 1)
    ax.plot(layers, np.clip(spread["off_max"], -1, 3), "o-", ms=3, label="largest read of an off feature")
    ax.plot(layers, np.clip(spread["on_min"], -1, 3), "s-", ms=3, label="smallest read of an on feature")
    ax.axhline(net.tau, color="k", ls="--", lw=1, label=f"threshold τ = {net.tau:.2f}")
    bad = np.flatnonzero(wrong)
    if bad.size:
        ax.axvline(bad[0], color="C3", lw=1, label=f"first wrong bit (layer {bad[0]})")
    ax.set_ylim(-1.05, 3.05)
    ax.set_xlabel("circuit layer ℓ")
    ax.set_ylabel("read x̂ (feature units, clipped to [−1, 3])")
    ax.set_title(f"d = {d}, m = {m}, s = {s}, correction {'on' if error_correction else 'off'}: "
                 f"{int(wrong.sum())} wrong bits")
    ax.legend(fontsize=8, loc="upper right")
    return spread
