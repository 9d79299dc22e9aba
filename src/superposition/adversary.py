"""Attacking and certifying a pairwise-AND network through its plain-matrix export (Chapter 4).

Everything here reads only the export of :meth:`superposition.pairwise_and.PairwiseANDNetwork.as_mlp`
(or any dict of the same format, see :func:`superposition.pairwise_and.predict_mlp`) and the list of output pairs, so
it applies to any network that computes pairwise ANDs, not only to the book's construction.

* :func:`attack_outputs` — a white-box adversary.  For a target output e = {a, c} it searches an
  s-sparse input that keeps e false (never both a and c) yet decodes e as on.  It starts from a
  greedy cover (one endpoint a as *anchor*, then the s − 1 features that appear in the most of e's
  own neurons, i.e. the neurons its readout weights most) and improves it by coordinate search on
  the exact decoded value, with restarts.  It reports the fraction of targets it switches on.
* :func:`certify_small_inputs` — an exhaustive check of every input with at most ``s_max`` active
  features (``s_max = 2``: every single feature and every pair; vectorised, chunked), reporting the
  wrong bits and the margins to τ.
* :func:`guarantee_label` — the guarantee a width earns: *certified*, *certified for ≤ 2-sparse
  inputs*, *no attack found* (with the budget) or *random inputs only*.

Soundness: the certificate is an exhaustive evaluation in float32; it reports the smallest margin
between a decoded value and τ, so a reader can see that rounding (≈ 1e-6) could not change a bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.sparse as sp

from ._validate import as_index_array, as_int, as_rng
from .pairwise_and import _apply, _apply_T, mlp_forward, true_outputs, validate_mlp, validate_pairs

__all__ = [
    "AttackResult",
    "attack_outputs",
    "mlp_wrong_bits",
    "certify_small_inputs",
    "CertifyResult",
    "guarantee_label",
    "GUARANTEES",
    "greedy_cover",
]

#: The guarantee labels, strongest first (see :func:`guarantee_label`).
GUARANTEES = (
    "certified",
    "certified for ≤ 2-sparse inputs",
    "no attack found",
    "random inputs only",
)

_EVAL_BATCH = 512  # inputs per forward pass in the attack and the certifier


def _as_mlp(net_or_mlp) -> dict:
    if isinstance(net_or_mlp, dict):
        return validate_mlp(net_or_mlp)
    if hasattr(net_or_mlp, "as_mlp"):
        return validate_mlp(net_or_mlp.as_mlp())
    raise TypeError(f"net must be a network with .as_mlp() or its export dict, got {type(net_or_mlp).__name__}")


def _dense(a) -> np.ndarray:
    return np.asarray(a.toarray() if sp.issparse(a) else a, dtype=np.float32)


def _values_one_output_each(mlp, active: np.ndarray, outs: np.ndarray) -> np.ndarray:
    """Decoded value of output outs[i] on input active[i], for every i: (batch,) float32, chunked."""
    res = np.empty(active.shape[0], np.float32)
    E_out = mlp["E_out"]
    for lo in range(0, active.shape[0], _EVAL_BATCH):
        hi = min(lo + _EVAL_BATCH, active.shape[0])
        y = mlp_forward(mlp, active[lo:hi])
        C = E_out[:, outs[lo:hi]]
        if sp.issparse(C):
            res[lo:hi] = np.asarray(C.multiply(y).sum(axis=0)).ravel()
        else:
            res[lo:hi] = (np.asarray(C) * y).sum(axis=0)
    return res


# --------------------------------------------------------------------------------------------------
# the adversary
# --------------------------------------------------------------------------------------------------
@dataclass
class AttackResult:
    """Outcome of :func:`attack_outputs` (arrays have one entry per target).

    targets : (T,) output ids attacked
    switched_on : (T,) bool, the adversary found an input that keeps e false and decodes it as on
    best_value : (T,) float32, the largest decoded value of e it reached
    best_input : (T, s) int64, the input reaching it (never containing both endpoints of e)
    budget : dict — restarts, sweeps, candidates per position, forward evaluations used
    tau : the decoding threshold
    """

    targets: np.ndarray
    switched_on: np.ndarray
    best_value: np.ndarray
    best_input: np.ndarray
    budget: dict
    tau: float

    @property
    def fraction(self) -> float:
        """Fraction of the targets switched on."""
        return float(self.switched_on.mean()) if self.switched_on.size else 0.0


def _own_neurons(g: np.ndarray, rel: float = 0.5) -> np.ndarray:
    """Neurons whose readout weight for the target is at least ``rel`` times the largest one."""
    top = g.max()
    if top <= 0:
        return np.empty(0, np.int64)
    return np.flatnonzero(g >= rel * top)


def attack_outputs(net, pairs, targets, s: int | None, rng, *, restarts: int = 4, sweeps: int = 2,
                   candidates: int = 48) -> AttackResult:
    """Search, for every target output e = {a, c}, an s-sparse input that keeps e false but decodes it on.

    White-box, through the export (one hidden layer's structure is used to propose candidates; the
    search itself evaluates exact decoded values, so it applies to any depth):

    1. g_e = W_Lᵀ c_e (the readout of e pulled back to the last hidden layer); e's *own neurons*
       K_e are those with g_e ≥ ½·max g_e.  Feature i *sits in* neuron k when (W₁ E_in)[k, i] > ½.
    2. Restart r takes anchor a (r even) or c (r odd) and greedily adds the s − 1 features (never
       the other endpoint) that sit in the largest g-weight of still-uncovered own neurons; restarts
       r ≥ 2 start from a random one of the top ``candidates`` features instead of the best.
    3. Coordinate search: ``sweeps`` passes over the s − 1 non-anchor positions, each trying the
       top ``candidates`` features by cover score and keeping the one with the largest exact
       decoded value of e; a target stops as soon as its value exceeds τ.

    Parameters
    ----------
    net : a network with ``as_mlp()`` or its export dict.
    pairs : (m′, 2) output pairs (output e is pairs[e]).
    targets : 1-d output ids to attack (the function attacks each; pick a random sample).
    s : active features per input (≥ 2); ``None`` takes ``net.s``, the sparsity the network was built for.
    rng : numpy Generator or int seed.
    restarts, sweeps, candidates : the budget (recorded in the result).

    Returns
    -------
    AttackResult
    """
    mlp = _as_mlp(net)
    m = mlp["E_in"].shape[1]
    pairs = validate_pairs(pairs, m)
    if s is None:
        if not hasattr(net, "s"):
            raise ValueError("s must be given when net is an export dict (it has no design sparsity)")
        s = net.s
    s = as_int("s", s, min_value=2, max_value=m)
    rng = as_rng(rng)
    restarts = as_int("restarts", restarts, min_value=1)
    sweeps = as_int("sweeps", sweeps, min_value=0)
    candidates = as_int("candidates", candidates, min_value=1)
    targets = as_index_array("targets", np.atleast_1d(np.asarray(targets)), ndim=1, upper=pairs.shape[0],
                             upper_name="m'").astype(np.int64)
    tau = float(mlp["tau"])
    W1, WL = mlp["weights"][0], mlp["weights"][-1]
    T = targets.size
    best_val = np.full(T, -np.inf, np.float32)
    best_in = np.zeros((T, s), np.int64)
    evals = 0
    E_in = mlp["E_in"]
    for lo in range(0, T, 64):
        tg = targets[lo:lo + 64]
        C = _dense(mlp["E_out"][:, tg])
        G = _apply_T(WL, C) if len(mlp["weights"]) == 2 else None  # (n_hidden, t)
        if G is None:  # deeper network: propose candidates from the first layer's readout-free cover
            G = np.ones((_apply(W1, np.zeros((E_in.shape[0], 1), np.float32)).shape[0], tg.size), np.float32)
        starts, cand_lists = [], []
        for j, e in enumerate(tg):
            a, c = int(pairs[e, 0]), int(pairs[e, 1])
            K = _own_neurons(G[:, j])
            if K.size == 0:
                K = np.arange(G.shape[0])
            # feature membership of the own neurons: rows K of W1 · E_in
            if isinstance(W1, tuple):
                rowsK = W1[0][K] @ W1[1] if sp.issparse(W1[0]) else np.asarray(W1[0])[K] @ W1[1]
            else:
                rowsK = W1[K]
            AK = rowsK @ E_in
            M = sp.csr_matrix(_dense(AK) > 0.5) if not sp.issparse(AK) else (AK > 0.5).astype(np.float32).tocsr()
            M = sp.csr_matrix(M, dtype=np.float32)
            wK = np.maximum(G[K, j], 0.0)
            score = np.asarray(M.T @ wK).ravel()
            score[[a, c]] = -np.inf
            order = np.argsort(-score, kind="stable")
            top = order[: min(candidates, m - 2)]
            cand_lists.append(top)
            for r in range(restarts):
                anchor, other = (a, c) if r % 2 == 0 else (c, a)
                chosen = [anchor]
                unc = wK.copy()
                for step in range(s - 1):
                    gain = np.asarray(M.T @ unc).ravel()
                    gain[chosen + [other]] = -np.inf
                    if r >= 2 and step == 0:
                        pool = [int(i) for i in top if i not in chosen and i != other]
                        pick = int(pool[int(rng.integers(0, len(pool)))]) if pool else int(np.argmax(gain))
                    else:
                        pick = int(np.argmax(gain))
                    if not np.isfinite(gain[pick]):
                        free = np.setdiff1d(np.arange(m), chosen + [other])
                        pick = int(free[int(rng.integers(0, free.size))])
                    chosen.append(pick)
                    unc = unc * (1.0 - M[:, pick].toarray().ravel())
                starts.append((j, chosen, other))
        # evaluate the greedy starts
        act = np.array([c for _, c, _ in starts], np.int64)
        outs = np.array([tg[j] for j, _, _ in starts], np.int64)
        vals = _values_one_output_each(mlp, act, outs)
        evals += act.shape[0]
        # coordinate search, all (target, restart) states at once
        live = vals <= tau
        for _ in range(sweeps):
            for p in range(1, s):
                idx = np.flatnonzero(live)
                if idx.size == 0:
                    break
                trial_rows, trial_outs, owner = [], [], []
                for i in idx:
                    j, _, other = starts[i]
                    cur = act[i]
                    for f in cand_lists[j]:
                        if f == other or f in cur:
                            continue
                        row = cur.copy()
                        row[p] = f
                        trial_rows.append(row)
                        trial_outs.append(tg[j])
                        owner.append(i)
                if not trial_rows:
                    continue
                tr = np.array(trial_rows, np.int64)
                tv = _values_one_output_each(mlp, tr, np.array(trial_outs, np.int64))
                evals += tr.shape[0]
                owner = np.array(owner)
                # best trial per state
                order = np.lexsort((-tv, owner))
                first = order[np.concatenate([[True], owner[order][1:] != owner[order][:-1]])]
                better = tv[first] > vals[owner[first]]
                upd = owner[first][better]
                act[upd] = tr[first[better]]
                vals[upd] = tv[first[better]]
                live = vals <= tau
        # best state per target
        for i, (j, _, _) in enumerate(starts):
            k = lo + j
            if vals[i] > best_val[k]:
                best_val[k] = vals[i]
                best_in[k] = act[i]
    budget = {"restarts": restarts, "sweeps": sweeps, "candidates": candidates, "forward_evaluations": int(evals)}
    return AttackResult(targets=targets, switched_on=best_val > tau, best_value=best_val, best_input=best_in,
                        budget=budget, tau=tau)


# --------------------------------------------------------------------------------------------------
# exhaustive verification
# --------------------------------------------------------------------------------------------------
def mlp_wrong_bits(net, pairs, active) -> dict:
    """Wrong output bits of an exported network on each input, over all m′ outputs.

    Returns a dict of (batch,) arrays: ``wrong``, ``max_false`` (largest decoded value of a false
    output, −inf if none), ``min_true`` (smallest decoded value of a true output, +inf if none).
    Inputs may have any number of active features (the empty input is a (batch, 0) array).
    """
    mlp = _as_mlp(net)
    m = mlp["E_in"].shape[1]
    pairs = validate_pairs(pairs, m)
    active = np.asarray(active, dtype=np.int64)
    if active.ndim != 2:
        raise ValueError(f"active must be a (batch, s) integer array, got shape {active.shape}")
    tau = float(mlp["tau"])
    keys = pairs[:, 0].astype(np.int64) * m + pairs[:, 1]
    order = np.argsort(keys)
    skeys, korder = keys[order], order.astype(np.int64)
    E_out_T = mlp["E_out"].T.tocsr() if sp.issparse(mlp["E_out"]) else np.asarray(mlp["E_out"]).T
    mp = pairs.shape[0]
    b = active.shape[0]
    wrong = np.zeros(b, np.int64)
    mx = np.full(b, -np.inf)
    mn = np.full(b, np.inf)
    step = max(1, min(_EVAL_BATCH, (1 << 24) // max(mp, 1)))
    for lo in range(0, b, step):
        hi = min(lo + step, b)
        blk = active[lo:hi]
        if blk.shape[1] == 0:
            n_in = mlp["E_in"].shape[0]
            h = np.zeros((n_in, hi - lo), np.float32)
            for W, bias in zip(mlp["weights"][:-1], mlp["biases"][:-1]):
                h = np.maximum(_apply(W, h) + np.asarray(bias, np.float32)[:, None], 0.0)
            y = _apply(mlp["weights"][-1], h) + np.asarray(mlp["biases"][-1], np.float32)[:, None]
            t_rows = t_ids = np.empty(0, np.int64)
        else:
            y = mlp_forward(mlp, blk)
            t_rows, t_ids = true_outputs(skeys, korder, m, blk) if blk.shape[1] >= 2 else (np.empty(0, np.int64),) * 2
        d = np.asarray(E_out_T @ y, dtype=np.float32)  # (m′, batch): bounded by step·m′ ≤ 16 M entries
        tv = d[t_ids, t_rows].copy()
        d[t_ids, t_rows] = -np.inf
        wrong[lo:hi] = np.count_nonzero(d > tau, axis=0)
        mx[lo:hi] = d.max(axis=0) if mp else -np.inf
        np.add.at(wrong, lo + t_rows, tv <= tau)
        mn_blk = np.full(hi - lo, np.inf)
        np.minimum.at(mn_blk, t_rows, tv)
        mn[lo:hi] = mn_blk
    return {"wrong": wrong, "max_false": mx, "min_true": mn}


@dataclass
class CertifyResult:
    """Outcome of :func:`certify_small_inputs`.

    s_max : largest number of active features checked; inputs : how many inputs were checked
    (all inputs with 0, 1, …, s_max active features); wrong_inputs : inputs with ≥ 1 wrong bit;
    wrong_bits : total; max_false, min_true : extreme decoded values over all of them;
    worst_input : an input with the most wrong bits (or None); tau : the threshold.
    """

    s_max: int
    inputs: int
    wrong_inputs: int
    wrong_bits: int
    max_false: float
    min_true: float
    worst_input: np.ndarray | None
    tau: float

    @property
    def certified(self) -> bool:
        return self.wrong_bits == 0

    @property
    def margin(self) -> float:
        """Smallest distance between a decoded value and τ (positive when certified)."""
        return float(min(self.tau - self.max_false, self.min_true - self.tau))


def _combination_chunks(m: int, k: int, chunk: int):
    """All k-subsets of range(m) in lexicographic order, as (≤ chunk, k) int64 arrays."""
    if k == 0:
        yield np.zeros((1, 0), np.int64)
        return
    if k == 2:
        iu, ju = np.triu_indices(m, 1)
        for lo in range(0, iu.size, chunk):
            yield np.stack([iu[lo:lo + chunk], ju[lo:lo + chunk]], axis=1).astype(np.int64)
        return
    it = combinations(range(m), k)
    while True:
        flat = np.fromiter((x for c in _take(it, chunk) for x in c), dtype=np.int64)
        if flat.size == 0:
            return
        yield flat.reshape(-1, k)


def _take(it, k):
    for _, x in zip(range(k), it):
        yield x


def certify_small_inputs(net, pairs, s_max: int = 2, *, max_inputs: int = 5_000_000) -> CertifyResult:
    """Evaluate **every** input with at most ``s_max`` active features and count its wrong bits.

    ``s_max = 2`` checks the empty input, every single feature and every pair (1 + m + C(m, 2)
    inputs) — what Chapter 3's counting bound needs.  ``s_max = s`` on a small instance checks every
    s-sparse input (and every sparser one), which is the *certified* guarantee.  Chunked: at most
    512 inputs and 16 M decoded values in memory at once.  Refuses more than ``max_inputs`` inputs.

    Examples
    --------
    Every one of the 1 + 20 + 190 inputs with at most two of 20 features active, at two widths:

    >>> import numpy as np
    >>> from superposition.pairwise_and import build_pairwise_and, uniform_pairs
    >>> pairs = uniform_pairs(20, 40, rng=np.random.default_rng(0))
    >>> wide = build_pairwise_and(pairs, 20, 512, s=2, rng=np.random.default_rng(0))
    >>> c = certify_small_inputs(wide, pairs, 2)
    >>> c.inputs, c.wrong_bits
    (211, 0)
    >>> narrow = build_pairwise_and(pairs, 20, 256, s=2, rng=np.random.default_rng(0))
    >>> certify_small_inputs(narrow, pairs, 2).wrong_bits > 0
    True
    """
    mlp = _as_mlp(net)
    m = mlp["E_in"].shape[1]
    pairs = validate_pairs(pairs, m)
    s_max = as_int("s_max", s_max, min_value=0, max_value=m)
    total = sum(math.comb(m, k) for k in range(s_max + 1))
    if total > max_inputs:
        raise ValueError(f"s_max = {s_max} on m = {m} features means {total:,} inputs (max_inputs = {max_inputs:,}); "
                         "lower s_max or m, or raise max_inputs")
    wrong_inputs = wrong_bits = 0
    mx, mn = -np.inf, np.inf
    worst, worst_w = None, 0
    for k in range(s_max + 1):
        for act in _combination_chunks(m, k, 4096):
            r = mlp_wrong_bits(mlp, pairs, act)
            w = r["wrong"]
            wrong_inputs += int(np.count_nonzero(w))
            wrong_bits += int(w.sum())
            mx = max(mx, float(r["max_false"].max()))
            mn = min(mn, float(r["min_true"].min()))
            if w.size and w.max() > worst_w:
                worst_w = int(w.max())
                worst = act[int(np.argmax(w))].copy()
    return CertifyResult(s_max=s_max, inputs=total, wrong_inputs=wrong_inputs, wrong_bits=wrong_bits,
                         max_false=mx, min_true=mn, worst_input=worst, tau=float(mlp["tau"]))


def guarantee_label(*, s: int, certified_s: int | None = None, attack: AttackResult | None = None,
                    random_ok: bool = True) -> str:
    """The strongest guarantee the evidence supports, one of :data:`GUARANTEES` (or "fails on random inputs").

    certified_s : largest s_max for which :func:`certify_small_inputs` found no wrong bit (or None);
    attack : an :class:`AttackResult` at sparsity s; random_ok : zero wrong bits on random test inputs.
    """
    s = as_int("s", s, min_value=1)
    if certified_s is not None and certified_s >= s:
        return GUARANTEES[0]
    parts = []
    if certified_s is not None and certified_s >= 2:
        parts.append(GUARANTEES[1])
    if attack is not None and not attack.switched_on.any():
        b = attack.budget
        parts.append(f"{GUARANTEES[2]} at s = {s} ({attack.targets.size} targets, {b['restarts']} restarts × "
                     f"{b['sweeps']} sweeps × {b['candidates']} candidates)")
    if parts:
        return "; ".join(parts)
    return GUARANTEES[3] if random_ok else "fails on random inputs"


def greedy_cover(B, neurons, a: int, c: int, s: int) -> np.ndarray:
    """The greedy cover step of the attack, on the wiring itself (Exercise 4.5).

    ``B`` : (n, m) 0/1 membership (dense or sparse; B[k, i] = 1 when feature i is in neuron k);
    ``neurons`` : the neurons of the target output e = {a, c}.  Returns s distinct features: the anchor
    ``a`` first, then s − 1 features (never a or c), each the one that lies in the most still-uncovered
    neurons of e (ties: the smallest index).  A covered neuron holds a and a chosen feature, so it fires.
    """
    Bk = B[np.asarray(neurons)]
    Bk = np.asarray(Bk.toarray() if sp.issparse(Bk) else Bk, dtype=np.int64)
    uncovered = np.ones(Bk.shape[0], dtype=np.int64)
    chosen = [int(a)]
    for _ in range(s - 1):
        gain = uncovered @ Bk
        gain[chosen + [int(c)]] = -1
        pick = int(np.argmax(gain))
        chosen.append(pick)
        uncovered = uncovered * (1 - Bk[:, pick])
    return np.array(chosen, dtype=np.int64)
