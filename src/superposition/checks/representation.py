"""Exercise checks for Chapter 1, backed by :mod:`superposition.representation`.

Each check runs the student's function and the book's kernel on the same small,
fixed cases.  On a mismatch it tries the likely mistakes listed here (each a
deliberately wrong variant) and names the one that reproduces the student's answer.
"""

from __future__ import annotations

import numpy as np

from .. import representation as rep
from ._core import CheckFailed, CheckPassed, Mistake, check_against_reference

__all__ = ["check_jl_min_dim", "check_welch_bound", "check_max_coherence", "check_interference",
           "check_predicted_coherence", "check_worst_interference"]


# ---------------------------------------------------------------------------------------------
# Exercise 1.1: the Dasgupta–Gupta dimension
# ---------------------------------------------------------------------------------------------

_JL_CASES = [
    {"n_points": 1000, "eps": 0.4},
    {"n_points": np.array([100, 10_000, 10**6]), "eps": 0.1},
    {"n_points": 50, "eps": np.array([0.05, 0.3, 0.9])},
]


def _dg_denominator(eps):
    eps = np.asarray(eps, dtype=np.float64)
    return eps**2 / 2 - eps**3 / 3


_JL_MISTAKES = [
    Mistake(
        "you used log2 (or log10) where the bound has the natural logarithm ln N (np.log)",
        lambda n_points, eps: np.ceil(4 * np.log2(n_points) / _dg_denominator(eps)),
    ),
    Mistake(
        "you used log10 where the bound has the natural logarithm ln N (np.log)",
        lambda n_points, eps: np.ceil(4 * np.log10(n_points) / _dg_denominator(eps)),
    ),
    Mistake(
        "the denominator is ε²/2 − ε³/3 (squared and cubed), not ε/2 − ε²/3",
        lambda n_points, eps: np.ceil(4 * np.log(n_points) / (np.asarray(eps) / 2 - np.asarray(eps) ** 2 / 3)),
    ),
    Mistake(
        "you dropped the cubic term: the denominator is ε²/2 − ε³/3, not ε²/2",
        lambda n_points, eps: np.ceil(4 * np.log(n_points) / (np.asarray(eps) ** 2 / 2)),
    ),
    Mistake(
        "the denominator has ε³/3 subtracted, not added",
        lambda n_points, eps: np.ceil(4 * np.log(n_points) / (np.asarray(eps) ** 2 / 2 + np.asarray(eps) ** 3 / 3)),
    ),
    Mistake(
        "you rounded down (int() or np.floor); a dimension that must be at least the bound is rounded up (np.ceil)",
        lambda n_points, eps: np.floor(4 * np.log(n_points) / _dg_denominator(eps)),
    ),
    Mistake(
        "you returned the bound without rounding it; a dimension is an integer, rounded up with np.ceil",
        lambda n_points, eps: 4 * np.log(n_points) / _dg_denominator(eps),
    ),
    Mistake(
        "you left out the factor 4 in 4 ln N",
        lambda n_points, eps: np.ceil(np.log(n_points) / _dg_denominator(eps)),
    ),
    Mistake(
        "the bound has ln N for N points, not the log of the number of pairs N(N−1)/2",
        lambda n_points, eps: np.ceil(
            4 * np.log(np.asarray(n_points, dtype=np.float64) * (np.asarray(n_points) - 1) / 2) / _dg_denominator(eps)
        ),
    ),
]


def check_jl_min_dim(candidate) -> CheckPassed:
    """Check ``candidate(n_points, eps)`` against :func:`superposition.representation.jl_min_dim`."""
    try:
        return check_against_reference(
            "Exercise 1.1",
            candidate,
            rep.jl_min_dim,
            _JL_CASES,
            mistakes=_JL_MISTAKES,
            success="Your function gives the Dasgupta–Gupta dimension, arrays included.",
        )
    except CheckFailed as exc:
        if "raised TypeError" in str(exc) and "array" in str(exc):
            raise CheckFailed(
                "Exercise 1.1: your function must accept numpy arrays for n_points and eps (it raised TypeError "
                "on an array case). math.log and math.ceil take only scalars; use np.log and np.ceil. "
                f"(Original message: {exc})"
            ) from None
        raise


# ---------------------------------------------------------------------------------------------
# Exercise 1.2: the Welch bound
# ---------------------------------------------------------------------------------------------

_WELCH_CASES = [
    {"m": 3, "d": 2},
    {"m": np.array([10, 100, 10_000]), "d": np.array([5, 10, 1000])},
    {"m": np.array([4, 50, 50]), "d": np.array([8, 50, 49])},
]


def _quiet(fn):
    def wrapped(**kwargs):
        with np.errstate(invalid="ignore", divide="ignore"):
            return fn(**kwargs)

    return wrapped


_WELCH_MISTAKES = [
    Mistake(
        "your function returns 0 even where m > d, where the floor is positive: check the condition, and divide "
        "floats (an integer division // rounds the ratio down to 0)",
        lambda m, d: np.zeros(np.broadcast(m, d).shape) + 0.0,
    ),
    Mistake(
        "you swapped m and d: the bound is √((m − d) / (d (m − 1)))",
        _quiet(lambda m, d: np.sqrt(np.maximum(np.asarray(d) - m, 0) / (np.asarray(m) * (np.asarray(d) - 1.0)))),
    ),
    Mistake(
        "for m ≤ d the floor is 0 (m orthonormal vectors fit); clip m − d at 0 before the square root",
        _quiet(lambda m, d: np.sqrt((np.asarray(m) - d) / (np.asarray(d) * (np.asarray(m) - 1.0)))),
    ),
    Mistake(
        "you forgot the square root: the bound is on the coherence μ, not on μ²",
        _quiet(lambda m, d: np.maximum(np.asarray(m) - d, 0) / (np.asarray(d) * (np.asarray(m) - 1.0))),
    ),
    Mistake(
        "the denominator is d (m − 1), not d m",
        _quiet(lambda m, d: np.sqrt(np.maximum(np.asarray(m) - d, 0) / (np.asarray(d) * np.asarray(m, dtype=float)))),
    ),
    Mistake(
        "1/√d is only the large-m limit; the exact bound is √((m − d) / (d (m − 1)))",
        _quiet(lambda m, d: np.broadcast_to(1 / np.sqrt(np.asarray(d, dtype=float)), np.broadcast(m, d).shape) + 0),
    ),
]


def check_welch_bound(candidate) -> CheckPassed:
    """Check ``candidate(m, d)`` against :func:`superposition.representation.welch_bound`."""
    return check_against_reference(
        "Exercise 1.2",
        candidate,
        rep.welch_bound,
        _WELCH_CASES,
        mistakes=_WELCH_MISTAKES,
        success="Your function gives Welch's floor, including 0 when m ≤ d.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1.3: coherence by brute force
# ---------------------------------------------------------------------------------------------


def _triangle_case():
    # Three directions in the plane at 120° (every cosine is −1/2), with lengths 1, 2, 3.
    angles = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    return {"E": np.stack([np.cos(angles), np.sin(angles)]) * np.array([1.0, 2.0, 3.0])}


def _random_case():
    rng = np.random.default_rng(11)
    E = rng.standard_normal((4, 9)) * rng.uniform(0.3, 3.0, size=9)
    return {"E": E}


def _skewed_case():
    # Wide, unnormalised, with the most-aligned pair anti-parallel-ish.
    rng = np.random.default_rng(5)
    E = rng.standard_normal((3, 6))
    E[:, 4] = -0.9 * E[:, 1] + 0.1 * rng.standard_normal(3)
    return {"E": E * np.arange(1, 7)}


_COH_CASES = [_triangle_case, _random_case, _skewed_case]


def _gram_cos(E):
    E = np.asarray(E, dtype=np.float64)
    U = E / np.linalg.norm(E, axis=0)
    return U.T @ U


def _off_diag(G):
    return G[~np.eye(G.shape[0], dtype=bool)]


_COH_MISTAKES = [
    Mistake(
        "you counted i = j: a feature's cosine with itself is 1; take the maximum over distinct pairs i ≠ j only",
        lambda E: float(np.abs(_gram_cos(E)).max()),
    ),
    Mistake(
        "you forgot the absolute value: a cosine of −0.9 is as much interference as +0.9, so take max |cos|",
        lambda E: float(_off_diag(_gram_cos(E)).max()),
    ),
    Mistake(
        "you forgot to normalise the columns: divide each column e_i by its norm before taking inner products",
        lambda E: float(np.abs(_off_diag(np.asarray(E, float).T @ np.asarray(E, float))).max()),
    ),
    Mistake(
        "you normalised the rows; the feature directions are the columns of E (d × m)",
        lambda E: float(
            np.abs(_off_diag((lambda U: U.T @ U)(np.asarray(E, float) / np.linalg.norm(E, axis=1, keepdims=True)))).max()
        ),
    ),
    Mistake(
        "you compared rows (E Eᵀ, d × d) instead of columns (Eᵀ E, m × m): features are the columns of E",
        lambda E: float(np.abs(_off_diag(_gram_cos(np.asarray(E, float).T))).max()),
    ),
]


def _reference_coherence(E):
    return rep.max_coherence(E)


def check_max_coherence(candidate) -> CheckPassed:
    """Check ``candidate(E)`` against :func:`superposition.representation.max_coherence`."""
    return check_against_reference(
        "Exercise 1.3",
        candidate,
        _reference_coherence,
        _COH_CASES,
        mistakes=_COH_MISTAKES,
        rtol=1e-6,
        atol=1e-9,
        success="Your brute-force coherence matches the book's blocked kernel.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1.4: interference of a linear readout
# ---------------------------------------------------------------------------------------------


def _interference_case_small():
    return {"E": rep.random_embedding(12, 6, "gaussian", 0), "active": np.array([[0, 3], [5, 7], [1, 11]])}


def _interference_case_single():
    return {"E": rep.random_embedding(5, 3, "rademacher", 1), "active": np.array([[4]])}


def _interference_case_wide():
    return {"E": rep.random_embedding(40, 10, "sparse", 2), "active": rep.sample_active_sets(40, 4, 6, 3)}


_INT_CASES = [_interference_case_small, _interference_case_single, _interference_case_wide]


def _readouts(E, active):
    E = np.asarray(E, dtype=np.float64)
    X = E[:, np.asarray(active)].sum(axis=2).T  # (batch, d)
    return X @ E


def _indicator(active, m):
    F = np.zeros((np.shape(active)[0], m))
    np.put_along_axis(F, np.asarray(active), 1.0, axis=1)
    return F


_INT_MISTAKES = [
    Mistake(
        "you returned the readouts ⟨e_i, x⟩ themselves; the interference is the readout minus the signal 1[i ∈ S]",
        lambda E, active: _readouts(E, active),
    ),
    Mistake(
        "you subtracted 1 from every feature; subtract 1 only where feature i is active (i ∈ S)",
        lambda E, active: _readouts(E, active) - 1.0,
    ),
    Mistake(
        "you summed the directions of all m features into x; x is the sum over the active set S only",
        lambda E, active: np.tile(np.asarray(E).sum(axis=1) @ np.asarray(E), (np.shape(active)[0], 1))
        - _indicator(active, np.shape(E)[1]),
    ),
    Mistake(
        "you dropped the other active features' interference on an active feature: only the signal 1 is removed, "
        "the rest of ⟨e_i, x⟩ stays",
        lambda E, active: _readouts(E, active) * (1 - _indicator(active, np.shape(E)[1])),
    ),
]


def _reference_interference(E, active):
    return rep.interference(E, active)


def check_interference(candidate) -> CheckPassed:
    """Check ``candidate(E, active)`` against :func:`superposition.representation.interference`."""
    return check_against_reference(
        "Exercise 1.4",
        candidate,
        _reference_interference,
        _INT_CASES,
        mistakes=_INT_MISTAKES,
        rtol=1e-6,
        atol=1e-9,
        success="Your interference matches the book's kernel: readout minus 1[i active].",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1.5: predict the coherence before measuring it
# ---------------------------------------------------------------------------------------------


def _pc_variant(count, sides):
    def f(m, d):
        from scipy.stats import norm

        c = count(np.asarray(m, dtype=np.float64))
        return norm.isf(-np.expm1(-np.log(2.0) / c) / sides) / np.sqrt(np.asarray(d, dtype=np.float64))

    return f


_PC_CASES = [
    {"m": 1000, "d": 256},
    {"m": np.array([100, 1000, 10_000]), "d": np.array([64, 512, 1024])},
    {"m": 10_000, "d": np.array([128, 256])},
]

_PC_MISTAKES = [
    Mistake("that is the union bound √(4 ln m / d), an upper-bound argument; the exercise asks for the median of the "
            "largest of C(m, 2) near-Gaussian |cosines|",
            lambda m, d: np.sqrt(4 * np.log(np.asarray(m, dtype=np.float64)) / np.asarray(d, dtype=np.float64))),
    Mistake("you counted m cosines; there are C(m, 2) = m (m − 1) / 2 pairs",
            _pc_variant(lambda m: m, 2)),
    Mistake("the coherence is a max of |cos|: each pair exceeds t with probability 2 Q(t √d), both tails",
            _pc_variant(lambda m: m * (m - 1) / 2, 1)),
    Mistake("you counted ordered pairs m (m − 1); each unordered pair is one cosine",
            _pc_variant(lambda m: m * (m - 1), 2)),
]


def check_predicted_coherence(candidate) -> CheckPassed:
    """Check ``candidate(m, d)``: the median of the max of ``C(m, 2)`` independent ``|N(0, 1/d)|``."""
    return check_against_reference(
        "Exercise 1.5",
        candidate,
        rep.predicted_coherence,
        _PC_CASES,
        mistakes=_PC_MISTAKES,
        success="Now compare it with the measured coherences above.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1.6: the worst sparse input
# ---------------------------------------------------------------------------------------------


def _worst_case_gauss():
    return {"E": rep.random_embedding(40, 10, "gaussian", 21), "s": 4}


def _worst_case_rademacher():
    return {"E": rep.random_embedding(60, 16, "rademacher", 22), "s": 6}


def _worst_case_single():
    return {"E": rep.random_embedding(25, 6, "sparse", 23), "s": 1}


_WORST_CASES = [_worst_case_gauss, _worst_case_rademacher, _worst_case_single]


def _gram(E):
    E = np.asarray(E, dtype=np.float64)
    return E.T @ E


def _row_top_sums(G, s, *, exclude_diagonal=True):
    G = np.array(G, dtype=np.float64)
    if exclude_diagonal:
        np.fill_diagonal(G, -np.inf)
    if s == 0:
        return np.zeros(G.shape[0])
    return np.sort(G, axis=1)[:, -s:].sum(axis=1)


_WORST_MISTAKES = [
    Mistake(
        "you let the target t be in its own active set (its cosine with itself is 1): the target is an *inactive* "
        "feature, so leave out the diagonal of the Gram matrix",
        lambda E, s: float(_row_top_sums(_gram(E), s, exclude_diagonal=False).max()),
    ),
    Mistake(
        "you summed the s largest |cos|; the readout adds signed cosines, so the adversary picks the s largest "
        "cosines themselves (a negative one lowers the readout)",
        lambda E, s: float(_row_top_sums(np.abs(_gram(E)), s).max()),
    ),
    Mistake(
        "you returned s·μ(E), the coherence bound; the exact worst case is the largest sum of s cosines with one "
        "target, which is usually smaller",
        lambda E, s: float(s * rep.max_coherence(E)),
    ),
    Mistake(
        "you summed the s largest cosines anywhere in the Gram matrix; all s active features must interfere with "
        "the same target t (one row of the Gram matrix)",
        lambda E, s: float(np.sort(_gram(E)[np.triu_indices(np.shape(E)[1], 1)])[-s:].sum()),
    ),
    Mistake(
        "you averaged over the targets; the worst input is the maximum over t of the row sums",
        lambda E, s: float(_row_top_sums(_gram(E), s).mean()),
    ),
    Mistake(
        "you summed the s − 1 largest cosines; an input with s active features, all inactive-for-t, has s of them",
        lambda E, s: float(_row_top_sums(_gram(E), s - 1).max()),
    ),
    Mistake(
        "you took the s most negative cosines (the lowest readout); a false positive needs the highest readout of "
        "an inactive feature",
        lambda E, s: float(-_row_top_sums(-_gram(E), s).max()),
    ),
]


def _reference_worst(E, s):
    return rep.worst_interference(E, s)


def check_worst_interference(candidate) -> CheckPassed:
    """Check ``candidate(E, s)`` against :func:`superposition.representation.worst_interference`."""
    return check_against_reference(
        "Exercise 1.6",
        candidate,
        _reference_worst,
        _WORST_CASES,
        mistakes=_WORST_MISTAKES,
        rtol=1e-6,
        atol=1e-9,
        success="Your adversary finds the worst s-sparse input: now compare it with random inputs below.",
    )
