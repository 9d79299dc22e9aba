"""One large pairwise-AND verification spread over the workers of a Dask cluster.

:func:`superposition.pairwise_and.count_wrong_bits` checks every one of the m′ outputs for every input in one
process.  :func:`verify_distributed` computes the same counts with two levels of blocking, so that no worker holds
the whole network:

* the network is cut into **blocks of output rows** ``[lo, hi)``: block j is the pair of row blocks
  ``(R[lo:hi], E_out_T[lo:hi])``, scattered once to one worker (round robin);
* the hidden-layer factors ``(E_in_T, B)`` are scattered once to one worker;
* the inputs are cut into **batches**; for each batch b the hidden activity ``h_b = ReLU(B E_inᵀ E_in f − θ)`` is
  one task, each block adds its share ``y_{j,b} = E_out_jᵀ (R_j h_b)`` of the output vector, the shares are summed
  (``y_b = Σ_j y_{j,b}``) and each block decodes its own rows ``⟨c_e, y_b⟩`` against the threshold τ and the truth.

The network is **built once** (by the caller: the construction is global — every chunk of every copy is packed
into the n neurons together — so a block of rows cannot be rebuilt from the seed without building all of it) and
then **scattered once**; only ``h_b`` (n × batch) and ``y_b`` (n × batch) travel per batch.

The wrong-bit counts equal those of ``count_wrong_bits``; the decoded extremes (``max_false``, ``min_true``) agree
to float32 rounding, since the shares of y are summed in another order.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._validate import as_int
from .pairwise_and import PairwiseANDNetwork, VerifyResult, true_outputs, validate_active

__all__ = ["split_network", "verify_distributed"]


def split_network(net: PairwiseANDNetwork, n_blocks: int) -> tuple[dict, list[dict]]:
    """Cut ``net`` into its hidden-layer factors and ``n_blocks`` blocks of output rows.

    Returns ``(hidden, blocks)``: ``hidden = {"E_in_T", "B", "bias", "m"}`` (``bias`` the (n,) per-neuron
    bias b) and, for each block, ``{"lo", "hi", "R", "E_out_T", "tau"}`` with ``R = net.R[lo:hi]`` and
    ``E_out_T = net.E_out_T[lo:hi]`` (CSR copies, (hi − lo) × n).
    """
    n_blocks = as_int("n_blocks", n_blocks, min_value=1, max_value=max(1, net.m_prime))
    cuts = np.linspace(0, net.m_prime, n_blocks + 1).astype(np.int64)
    hidden = {"E_in_T": net.E_in_T, "B": net.B, "bias": np.asarray(net.bias, np.float32), "m": int(net.m)}
    blocks = [{"lo": int(lo), "hi": int(hi), "R": net.R[lo:hi].tocsr(), "E_out_T": net.E_out_T[lo:hi].tocsr(),
               "tau": float(net.tau)} for lo, hi in zip(cuts[:-1], cuts[1:])]
    return hidden, blocks


def _hidden(hidden: dict, blk: np.ndarray) -> np.ndarray:
    """h = ReLU(B · E_inᵀ · E_in f − b) for a batch (b, s) of active sets: (n, b) float32."""
    b, s = blk.shape
    F = sp.csc_matrix((np.ones(b * s, np.float32), blk.ravel().astype(np.int32), np.arange(0, b * s + 1, s)),
                      shape=(hidden["m"], b))
    E = hidden["E_in_T"]
    z = E @ np.asarray((E.T @ F).toarray(), dtype=np.float32)
    h = hidden["B"] @ z
    h -= hidden["bias"][:, None]
    np.maximum(h, 0.0, out=h)
    return h.astype(np.float32, copy=False)


def _share(block: dict, h: np.ndarray) -> np.ndarray:
    """This block's share of the output vector, E_out_jᵀ (R_j h): (n, b) float32."""
    return np.asarray(block["E_out_T"].T @ (block["R"] @ h), dtype=np.float32)


def _sum(*ys: np.ndarray) -> np.ndarray:
    y = ys[0].copy()
    for part in ys[1:]:
        y += part
    return y


def _decode(block: dict, y: np.ndarray, t_rows: np.ndarray, t_ids: np.ndarray) -> dict:
    """Decode the block's rows for a batch: false positives and max false value per input, the true values."""
    lo, hi, b = block["lo"], block["hi"], y.shape[1]
    d = np.asarray(block["E_out_T"] @ y, dtype=np.float32)
    sel = (t_ids >= lo) & (t_ids < hi)
    tr, ti = t_rows[sel], t_ids[sel] - lo
    tv = d[ti, tr].astype(np.float64)
    d[ti, tr] = -np.inf  # mask the true outputs
    return {"pos": np.count_nonzero(d > block["tau"], axis=0).astype(np.int64),
            "max": d.max(axis=0).astype(np.float64) if d.shape[0] else np.full(b, -np.inf),
            "rows": tr, "tv": tv}


def verify_distributed(net: PairwiseANDNetwork, active, client, *, n_blocks: int | None = None,
                       batch: int = 64, ahead: int = 2) -> VerifyResult:
    """Count wrong output bits over all m′ outputs for every input of ``active`` (batch, s) on a Dask cluster.

    Parameters
    ----------
    net : the built network (see :func:`superposition.pairwise_and.build_pairwise_and`).
    active : (B, s) int array of active features per input.
    client : a ``distributed.Client``.
    n_blocks : blocks of output rows (default: 2 per worker).
    batch : inputs per batch (h and y are n × batch float32 arrays).
    ahead : batches in flight at a time.

    Returns
    -------
    The same :class:`~superposition.pairwise_and.VerifyResult` as ``count_wrong_bits(net, active)`` (all three
    sources of error on).
    """
    active = validate_active(active, net.m)
    batch = as_int("batch", batch, min_value=1)
    workers = sorted(client.scheduler_info()["workers"])
    if n_blocks is None:
        n_blocks = 2 * max(1, len(workers))
    hidden, blocks = split_network(net, n_blocks)
    # scatter([x]) keeps each dict whole (scatter(dict) would scatter its values under the dict's keys)
    [hid_f] = client.scatter([hidden], workers=[workers[0]], hash=False)
    blk_f = [client.scatter([blk], workers=[workers[j % len(workers)]], hash=False)[0] for j, blk in enumerate(blocks)]
    home = [workers[j % len(workers)] for j in range(len(blocks))]
    del blocks
    keys = net.pairs[:, 0].astype(np.int64) * net.m + net.pairs[:, 1]
    key_order = np.argsort(keys)
    keys = keys[key_order]
    res = {k: [] for k in ("wrong", "false_pos", "false_neg", "n_true", "max_false", "min_true")}

    def collect(b, t_rows, dec):
        parts = client.gather(dec)
        pos = np.sum([p["pos"] for p in parts], axis=0)
        mx = np.max([p["max"] for p in parts], axis=0)
        rows = np.concatenate([p["rows"] for p in parts])
        tv = np.concatenate([p["tv"] for p in parts])
        fn = np.bincount(rows, weights=(tv <= net.tau), minlength=b).astype(np.int64)
        mt = np.full(b, np.inf)
        np.minimum.at(mt, rows, tv)
        res["false_pos"].append(pos)
        res["false_neg"].append(fn)
        res["wrong"].append(pos + fn)
        res["n_true"].append(np.bincount(t_rows, minlength=b).astype(np.int64))
        res["max_false"].append(mx)
        res["min_true"].append(mt)

    pending = []  # at most `ahead` batches in flight, so only a few h_b and y_b exist at a time
    for b0 in range(0, active.shape[0], batch):
        blk = active[b0:b0 + batch]
        t_rows, t_ids = true_outputs(keys, key_order, net.m, blk)
        h = client.submit(_hidden, hid_f, blk, workers=[workers[0]], pure=False)
        shares = [client.submit(_share, bf, h, workers=[w], pure=False) for bf, w in zip(blk_f, home)]
        y = client.submit(_sum, *shares, pure=False)
        dec = [client.submit(_decode, bf, y, t_rows, t_ids, workers=[w], pure=False) for bf, w in zip(blk_f, home)]
        pending.append((blk.shape[0], t_rows, dec))
        del h, shares, y
        if len(pending) > ahead:
            collect(*pending.pop(0))
    for p in pending:
        collect(*p)
    return VerifyResult(**{k: np.concatenate(v) for k, v in res.items()})
