"""Exercise checks for Chapter 4, backed by :mod:`superposition.pairwise_and`.

Each check runs the student's function and the book's kernel on the same small,
fixed cases.  On a mismatch it tries the likely mistakes listed here (each a
deliberately wrong variant) and names the one that reproduces the student's answer.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from .. import pairwise_and as pa
from ._core import CheckPassed, Mistake, check_against_reference

__all__ = ["check_output_ids", "check_orient_pairs", "check_expected_true_outputs", "check_co_occurrence_tail",
           "check_greedy_cover", "check_hidden_by_hand", "check_co_occurrence_width"]


# ---------------------------------------------------------------------------------------------
# Exercise 4.1: which outputs should be on
# ---------------------------------------------------------------------------------------------
def _pairs_case(seed, m, mp, s):
    def case():
        rng = np.random.default_rng(seed)
        pairs = pa.uniform_pairs(m, mp, rng)
        flip = rng.random(mp) < 0.5  # pairs in both orientations, as a user may pass them
        pairs[flip] = pairs[flip, ::-1]
        active = pa.planted_inputs(pairs, m, s, 1, rng)[0]
        return {"pairs": pairs, "active": active}

    return case


_IDS_CASES = [_pairs_case(0, 12, 30, 4), _pairs_case(1, 40, 200, 6), _pairs_case(2, 8, 20, 3)]

_IDS_MISTAKES = [
    Mistake("an output is on when BOTH endpoints are active (AND), not when either one is (OR)",
            lambda pairs, active: np.flatnonzero(np.isin(pairs[:, 0], active) | np.isin(pairs[:, 1], active))),
    Mistake("return the output ids (np.flatnonzero of the mask), not the boolean mask itself",
            lambda pairs, active: np.isin(pairs[:, 0], active) & np.isin(pairs[:, 1], active)),
    Mistake("pairs are unordered: check both endpoints whatever their order, not only pairs with u < v",
            lambda pairs, active: np.flatnonzero(np.isin(pairs[:, 0], active) & np.isin(pairs[:, 1], active)
                                                 & (pairs[:, 0] < pairs[:, 1]))),
    Mistake("return the ids of the outputs (row numbers of pairs), not the active features themselves",
            lambda pairs, active: np.unique(pairs[np.isin(pairs[:, 0], active) & np.isin(pairs[:, 1], active)])),
]


def check_output_ids(candidate) -> CheckPassed:
    """Check ``candidate(pairs, active)`` against :func:`superposition.pairwise_and.output_ids`."""
    return check_against_reference("Exercise 4.1", candidate, pa.output_ids, _IDS_CASES, mistakes=_IDS_MISTAKES,
                                   success="This is the truth the verifier compares every decoded bit with.")


# ---------------------------------------------------------------------------------------------
# Exercise 4.2: routing by influence
# ---------------------------------------------------------------------------------------------
def _orient_case(seed, m, mp, heavy):
    def case():
        rng = np.random.default_rng(seed)
        pairs = pa.chung_lu_pairs(m, mp, rng) if heavy else pa.uniform_pairs(m, mp, rng)
        flip = rng.random(mp) < 0.5
        pairs[flip] = pairs[flip, ::-1]
        return {"pairs": pairs, "m": m}

    return case


_ORIENT_CASES = [
    {"pairs": np.array([[0, 1], [0, 2], [0, 3], [3, 4], [5, 6]]), "m": 7},
    _orient_case(0, 30, 60, True),
    _orient_case(1, 50, 80, False),
]


def _deg(pairs, m):
    return np.bincount(np.asarray(pairs).ravel(), minlength=m)


def _orient_with(pairs, m, deg, larger_index_wins=False, lower=False):
    u, v = pairs[:, 0], pairs[:, 1]
    du, dv = deg[u], deg[v]
    if lower:
        du, dv = -du, -dv
    tie_u = (u > v) if larger_index_wins else (u < v)
    return np.where((du > dv) | ((du == dv) & tie_u), u, v)


_ORIENT_MISTAKES = [
    Mistake("the centre is the endpoint of HIGHER degree (influence), not the lower one",
            lambda pairs, m: _orient_with(pairs, m, _deg(pairs, m), lower=True)),
    Mistake("count a feature's degree over both columns of pairs (np.bincount(pairs.ravel())), not one column",
            lambda pairs, m: _orient_with(pairs, m, np.bincount(np.asarray(pairs)[:, 0], minlength=m))),
    Mistake("on a tie in degree the SMALLER feature index is the centre",
            lambda pairs, m: _orient_with(pairs, m, _deg(pairs, m), larger_index_wins=True)),
    Mistake("return the centre of each pair (the higher-degree endpoint), not the leaf",
            lambda pairs, m: pairs[:, 0] + pairs[:, 1] - pa.orient_pairs(pairs, m)),
]


def check_orient_pairs(candidate) -> CheckPassed:
    """Check ``candidate(pairs, m)`` against :func:`superposition.pairwise_and.orient_pairs` (default ties)."""
    return check_against_reference("Exercise 4.2", candidate, lambda pairs, m: pa.orient_pairs(pairs, m),
                                   _ORIENT_CASES, mistakes=_ORIENT_MISTAKES,
                                   success="Every pair now travels in the channel of its more influential endpoint.")


# ---------------------------------------------------------------------------------------------
# Exercise 4.3: why uniform test inputs are not enough
# ---------------------------------------------------------------------------------------------
_EXP_CASES = [
    {"m": 10_000, "m_prime": 100_000, "s": 4},
    {"m": np.array([1000, 3000, 10_000]), "m_prime": np.array([1000, 22_206, 100_000]), "s": 4},
    {"m": 300, "m_prime": 5000, "s": np.array([2, 3, 8])},
]


def _pairs_of(k):
    k = np.asarray(k, dtype=np.float64)
    return k * (k - 1) / 2


_EXP_MISTAKES = [
    Mistake("an input with s active features has C(s,2) = s(s−1)/2 active pairs, not s²",
            lambda m, m_prime, s: np.asarray(s, float) ** 2 * m_prime / _pairs_of(m)),
    Mistake("there are C(m,2) = m(m−1)/2 pairs of features, not m²",
            lambda m, m_prime, s: _pairs_of(s) * m_prime / np.asarray(m, float) ** 2),
    Mistake("count unordered pairs on both sides: s(s−1)/2 over m(m−1)/2 (you halved only one of them)",
            lambda m, m_prime, s: np.asarray(s, float) * (np.asarray(s, float) - 1) * m_prime / _pairs_of(m)),
    Mistake("count unordered pairs on both sides: s(s−1)/2 over m(m−1)/2 (you halved only one of them)",
            lambda m, m_prime, s: _pairs_of(s) * m_prime / (np.asarray(m, float) * (np.asarray(m, float) - 1))),
    Mistake("the chance that a given active pair is an output is m′/C(m,2); multiply it by the C(s,2) active pairs",
            lambda m, m_prime, s: np.asarray(m_prime, float) / _pairs_of(m)),
]


def check_expected_true_outputs(candidate) -> CheckPassed:
    """Check ``candidate(m, m_prime, s)`` against :func:`superposition.pairwise_and.expected_true_outputs`."""
    return check_against_reference("Exercise 4.3", candidate, pa.expected_true_outputs, _EXP_CASES,
                                   mistakes=_EXP_MISTAKES, rtol=1e-9,
                                   success="So a test on uniform inputs alone barely ever sees an output switch on.")


# ---------------------------------------------------------------------------------------------
# Exercise 4.4: the co-occurrence tail
# ---------------------------------------------------------------------------------------------
_TAIL_CASES = [
    {"L": 12, "tau": 0.6, "r": 150.0, "m": 10_000, "s": 4},
    {"L": 12, "tau": 0.5, "r": np.array([50.0, 400.0, 1500.0]), "m": 3000, "s": 4},
    {"L": 8, "tau": 0.6, "r": 300.0, "m": 1000, "s": np.array([2, 4, 8])},
]


def _p(r, m, s):
    return 1.0 - (1.0 - np.asarray(r, float) / m) ** (np.asarray(s) - 1)


_TAIL_MISTAKES = [
    Mistake("'reads at least τ' means at least k = ⌈τL⌉ firing neurons: P[Bin ≥ k] = binom.sf(k − 1, L, p), "
            "not binom.sf(k, L, p) (that is P[Bin > k])",
            lambda L, tau, r, m, s: binom.sf(np.ceil(tau * L - 1e-12), L, _p(r, m, s))),
    Mistake("only the OTHER s − 1 active features can co-occur with the active endpoint (exponent s − 1, not s)",
            lambda L, tau, r, m, s: binom.sf(np.ceil(tau * L - 1e-12) - 1, L,
                                             1.0 - (1.0 - np.asarray(r, float) / m) ** np.asarray(s))),
    Mistake("you used the linear approximation p ≈ (s − 1) r / m; use p = 1 − (1 − r/m)^(s−1)",
            lambda L, tau, r, m, s: binom.sf(np.ceil(tau * L - 1e-12) - 1, L,
                                             (np.asarray(s) - 1) * np.asarray(r, float) / m)),
    Mistake("you computed the lower tail P[Bin < k] (binom.cdf); the false positive is the upper tail P[Bin ≥ k]",
            lambda L, tau, r, m, s: binom.cdf(np.ceil(tau * L - 1e-12) - 1, L, _p(r, m, s))),
]


def check_co_occurrence_tail(candidate) -> CheckPassed:
    """Check ``candidate(L, tau, r, m, s)`` against :func:`superposition.pairwise_and.co_occurrence_tail`."""
    return check_against_reference("Exercise 4.4", candidate, pa.co_occurrence_tail, _TAIL_CASES,
                                   mistakes=_TAIL_MISTAKES, rtol=1e-9, atol=1e-15,
                                   success="Redundancy L turns a per-neuron chance p into a tail that falls like p^(τL).")


# ---------------------------------------------------------------------------------------------
# Exercise 4.5: a greedy adversary
# ---------------------------------------------------------------------------------------------
def _cover_case(seed, m, mp, n, s, e):
    def case():
        from ..pairwise_and import build_pairwise_and

        rng = np.random.default_rng(seed)
        pairs = pa.uniform_pairs(m, mp, rng)
        net = build_pairwise_and(pairs, m, n, s, rng, construction="v1")
        a, c = (int(v) for v in pairs[e])
        return {"B": net.B.toarray().astype(np.int64), "neurons": net.R[e].indices.copy(), "a": a, "c": c, "s": s}

    return case


_COVER_CASES = [_cover_case(0, 300, 900, 400, 4, 3), _cover_case(1, 200, 600, 300, 3, 7),
                _cover_case(2, 400, 1500, 500, 5, 11)]


def _cover_variant(B, neurons, a, c, s, *, exclude_c=True, update=True, anchor=True):
    Bk = np.asarray(B)[np.asarray(neurons)].astype(np.int64)
    unc = np.ones(Bk.shape[0], dtype=np.int64)
    chosen = [int(a)] if anchor else []
    banned = [int(a), int(c)] if exclude_c else [int(a)]
    while len(chosen) < s:
        gain = (unc if update else np.ones_like(unc)) @ Bk
        gain[list(set(chosen + banned))] = -1
        pick = int(np.argmax(gain))
        chosen.append(pick)
        unc = unc * (1 - Bk[:, pick])
    return np.array(chosen, dtype=np.int64)


_COVER_MISTAKES = [
    Mistake("never add the other endpoint c: with both endpoints on, e is true and the input is no attack",
            lambda B, neurons, a, c, s: _cover_variant(B, neurons, a, c, s, exclude_c=False)),
    Mistake("after each pick, count only the neurons not yet covered (a covered neuron already fires)",
            lambda B, neurons, a, c, s: _cover_variant(B, neurons, a, c, s, update=False)),
    Mistake("start from the anchor a: every neuron of e holds a, so each then needs only one more active feature",
            lambda B, neurons, a, c, s: _cover_variant(B, neurons, a, c, s, anchor=False)),
]


def check_greedy_cover(candidate) -> CheckPassed:
    """Check ``candidate(B, neurons, a, c, s)`` against :func:`superposition.adversary.greedy_cover`."""
    from ..adversary import greedy_cover

    return check_against_reference("Exercise 4.5", candidate, greedy_cover, _COVER_CASES, mistakes=_COVER_MISTAKES,
                                   success="Three well-chosen features cover far more of an output's neurons than "
                                           "three random ones.")


# ---------------------------------------------------------------------------------------------
# Exercise 4.6: the hidden layer by hand
# ---------------------------------------------------------------------------------------------
def _hidden_ref(B, E_in_T, x, theta):
    W1 = np.asarray(B, dtype=np.float64) @ np.asarray(E_in_T, dtype=np.float64)
    return np.maximum(W1 @ np.asarray(x, dtype=np.float64) - theta, 0.0)


def _hidden_case(seed, m, mp, n, active):
    def case():
        from ..pairwise_and import build_pairwise_and, chung_lu_pairs

        rng = np.random.default_rng(seed)
        pairs = chung_lu_pairs(m, mp, rng, exponent=0.6)
        net = build_pairwise_and(pairs, m, n, 3, rng, L=3, construction="v1")
        return {"B": net.B.toarray(), "E_in_T": net.E_in_T.toarray(), "x": net.embed(np.array([active])),
                "theta": net.theta}

    return case


_HIDDEN_CASES = [_hidden_case(4, 12, 16, 32, [0, 5]), _hidden_case(1, 20, 40, 48, [2, 3, 9])]
_HIDDEN_MISTAKES = [
    Mistake("subtract the bias θ before the ReLU: h = ReLU(W1 x − θ)",
            lambda B, E_in_T, x, theta: np.maximum(np.asarray(B, float) @ np.asarray(E_in_T, float) @ x, 0.0)),
    Mistake("apply the ReLU: negative pre-activations become 0",
            lambda B, E_in_T, x, theta: np.asarray(B, float) @ np.asarray(E_in_T, float) @ x - theta),
]


def check_hidden_by_hand(candidate) -> CheckPassed:
    """Check ``candidate(B, E_in_T, x, theta)`` = ReLU(B·E_inᵀ·x − θ)."""
    return check_against_reference("Exercise 4.6", candidate, _hidden_ref, _HIDDEN_CASES, mistakes=_HIDDEN_MISTAKES,
                                   rtol=1e-5, atol=1e-6,
                                   success="A neuron holding both active features reads about 2 − θ.")


# ---------------------------------------------------------------------------------------------
# Exercise 4.7: the co-occurrence term
# ---------------------------------------------------------------------------------------------
_WIDTH_CASES = [dict(L=12, tau=0.6, m=3000, m_prime=22206, s=4, eps=1e-6),
                dict(L=8, tau=0.7, m=1000, m_prime=31623, s=3, eps=1e-4),
                dict(L=5, tau=0.5, m=500, m_prime=800, s=6, eps=1e-3)]


def _width_variant(L, tau, m, m_prime, s, eps, *, k_round=np.ceil, s_factor=lambda s: s - 1, per_m=True):
    from scipy.special import comb

    k = k_round(tau * L - 1e-12) if k_round is np.ceil else k_round(tau * L)
    return 2.0 * s_factor(s) * L * m_prime / (m if per_m else 1) * (comb(L, k) / eps) ** (1.0 / k)


_WIDTH_MISTAKES = [
    Mistake("k = ⌈τL⌉ (round the vote up): a fraction τ of L copies needs at least ⌈τL⌉ of them",
            lambda **kw: _width_variant(**kw, k_round=np.floor)),
    Mistake("only the s − 1 other active features can co-occur with the active endpoint, not all s",
            lambda **kw: _width_variant(**kw, s_factor=lambda s: s)),
    Mistake("p = (s − 1) r/m: divide by the number of features m",
            lambda **kw: _width_variant(**kw, per_m=False)),
]


def check_co_occurrence_width(candidate) -> CheckPassed:
    """Check ``candidate(L, tau, m, m_prime, s, eps)`` against :func:`superposition.pairwise_and.co_occurrence_width`."""
    return check_against_reference("Exercise 4.7", candidate, pa.co_occurrence_width, _WIDTH_CASES,
                                   mistakes=_WIDTH_MISTAKES, rtol=1e-9, atol=0.0,
                                   success="The co-occurrence width is linear in m′/m: the b·m′/m term of the fit.")
