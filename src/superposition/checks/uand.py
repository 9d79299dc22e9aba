"""Exercise checks for the chapter backed by :mod:`superposition.uand` (Chapter 2, the universal AND).

Each check runs the student's function and the reference on fixed, seeded, small cases and, on a
mismatch, names the likely mistake (bias off by one, forgetting the ReLU, averaging over the wrong
neurons, an off-by-one in the number of other active features, ...).
"""

from __future__ import annotations

import math

import numpy as np

from ._core import CheckPassed, Mistake, check_against_reference

__all__ = ["check_uand_hidden", "check_pair_readout", "check_expected_errors", "check_break_even", "check_best_offset",
           "check_one_active_error"]


# --------------------------------------------------------------------------------------------
# Exercise 2.1: the hidden layer of U-AND with clean inputs
# --------------------------------------------------------------------------------------------


def _ref_hidden(wiring, active):
    counts = np.asarray(wiring)[:, np.asarray(active)].sum(axis=1)
    return np.maximum(counts - 1, 0).astype(float)


def _wiring_case(seed, n, m, p, s):
    def case():
        rng = np.random.default_rng(seed)
        wiring = rng.random((n, m)) < p
        active = np.sort(rng.choice(m, size=s, replace=False))
        return {"wiring": wiring, "active": active}

    return case


_HIDDEN_CASES = [_wiring_case(1, 40, 12, 0.5, 3), _wiring_case(2, 64, 20, 0.4, 4), _wiring_case(3, 10, 6, 0.7, 2)]

_HIDDEN_MISTAKES = [
    Mistake("forgetting the ReLU: a neuron with no active feature must output 0, not −1",
            lambda wiring, active: (np.asarray(wiring)[:, active].sum(axis=1) - 1).astype(float)),
    Mistake("the bias is off by one: subtract 1 (fire from two active features on), not 2",
            lambda wiring, active: np.maximum(np.asarray(wiring)[:, active].sum(axis=1) - 2, 0).astype(float)),
    Mistake("the bias is missing: subtract 1 before the ReLU, so that one active feature gives 0",
            lambda wiring, active: np.asarray(wiring)[:, active].sum(axis=1).astype(float)),
    Mistake("counting every wired feature instead of only the active ones",
            lambda wiring, active: np.maximum(np.asarray(wiring).sum(axis=1) - 1, 0).astype(float)),
    Mistake("a step instead of a ReLU: a neuron with k >= 2 active features outputs k − 1, not 1",
            lambda wiring, active: (np.asarray(wiring)[:, active].sum(axis=1) >= 2).astype(float)),
]


def check_uand_hidden(candidate) -> CheckPassed:
    """Check ``candidate(wiring, active) -> h``: ``h_k = ReLU(#active features wired to k − 1)``."""
    return check_against_reference("Exercise 2.1", candidate, _ref_hidden, _HIDDEN_CASES,
                                   mistakes=_HIDDEN_MISTAKES,
                                   success="Each neuron fires only when at least two of its features are on.")


# --------------------------------------------------------------------------------------------
# Exercise 2.2: the readout of one pair
# --------------------------------------------------------------------------------------------


def _ref_readout(wiring, h, i, j):
    wiring = np.asarray(wiring, dtype=bool)
    both = wiring[:, i] & wiring[:, j]
    return float(np.asarray(h)[both].mean()) if both.any() else 0.0


def _readout_case(seed, n, m, p, s, pair):
    def case():
        rng = np.random.default_rng(seed)
        wiring = rng.random((n, m)) < p
        active = rng.choice(m, size=s, replace=False)
        h = np.maximum(wiring[:, active].sum(axis=1) - 1, 0).astype(float)
        return {"wiring": wiring, "h": h, "i": int(pair[0]), "j": int(pair[1])}

    return case


def _uncovered_case():
    """A pair (0, 1) that no neuron is wired to both of: its readout is 0."""
    rng = np.random.default_rng(7)
    wiring = rng.random((40, 8)) < 0.5
    wiring[wiring[:, 0], 1] = False
    wiring[:, 2] = wiring[:, 3] = True  # features 2 and 3 active in every neuron: everything fires
    h = np.maximum(wiring[:, [0, 2, 3]].sum(axis=1) - 1, 0).astype(float)
    return {"wiring": wiring, "h": h, "i": 0, "j": 1}


_READOUT_CASES = [
    _readout_case(4, 80, 10, 0.5, 3, (0, 1)),
    _readout_case(5, 120, 16, 0.4, 4, (3, 9)),
    _readout_case(6, 60, 8, 0.6, 3, (2, 7)),
    _uncovered_case,
]

_READOUT_MISTAKES = [
    Mistake("returning NaN (the mean of an empty set) for a pair that no neuron is wired to; its readout is 0",
            lambda wiring, h, i, j: float(np.mean(np.asarray(h)[np.asarray(wiring)[:, i] & np.asarray(wiring)[:, j]]))
            if (np.asarray(wiring)[:, i] & np.asarray(wiring)[:, j]).any() else float("nan")),
    Mistake("averaging over all n neurons instead of only those wired to both i and j",
            lambda wiring, h, i, j: float(np.asarray(h)[np.asarray(wiring)[:, i] & np.asarray(wiring)[:, j]].sum()
                                          / len(h))),
    Mistake("averaging over the neurons wired to i *or* j; the readout uses those wired to *both*",
            lambda wiring, h, i, j: float(np.asarray(h)[np.asarray(wiring)[:, i] | np.asarray(wiring)[:, j]].mean())),
    Mistake("averaging over the neurons wired to i only; the readout uses those wired to both i and j",
            lambda wiring, h, i, j: float(np.asarray(h)[np.asarray(wiring)[:, i]].mean())),
    Mistake("summing instead of averaging: divide by the number of neurons wired to both",
            lambda wiring, h, i, j: float(np.asarray(h)[np.asarray(wiring)[:, i] & np.asarray(wiring)[:, j]].sum())),
]


def check_pair_readout(candidate) -> CheckPassed:
    """Check ``candidate(wiring, h, i, j) -> float``: the mean of ``h`` over the neurons wired to both."""
    return check_against_reference("Exercise 2.2", candidate, _ref_readout, _READOUT_CASES,
                                   mistakes=_READOUT_MISTAKES,
                                   success="The readout averages exactly the neurons wired to both features.")


# --------------------------------------------------------------------------------------------
# Exercise 2.3: the expected error of each case
# --------------------------------------------------------------------------------------------


def _ref_expected(s, p):
    return ((s - 2) * p, (s - 1) * p, s * p - 1.0 + (1.0 - p) ** s)


_EXPECTED_CASES = [{"s": 3, "p": 0.1}, {"s": 5, "p": 0.05}, {"s": 2, "p": 0.3}, {"s": 4, "p": 0.5}]

_EXPECTED_MISTAKES = [
    Mistake("an off-by-one in the number of *other* active features: with both features on there are s − 2 "
            "others, with one on there are s − 1",
            lambda s, p: ((s - 1) * p, s * p, s * p - 1.0 + (1.0 - p) ** s)),
    Mistake("using the small-p approximation C(s,2) p² for 'neither'; the exercise asks for the exact "
            "E[(X − 1)⁺] with X ~ Bin(s, p)",
            lambda s, p: ((s - 2) * p, (s - 1) * p, math.comb(s, 2) * p * p)),
    Mistake("forgetting the ReLU in the 'neither' case: E[(X − 1)⁺] is not E[X] − 1",
            lambda s, p: ((s - 2) * p, (s - 1) * p, s * p - 1.0)),
    Mistake("in the 'neither' case E[(X − 1)⁺] = E[X] − 1 + P(X = 0): you used P(X = 1) or dropped the power s",
            lambda s, p: ((s - 2) * p, (s - 1) * p, s * p - 1.0 + (1.0 - p))),
]


def check_expected_errors(candidate) -> CheckPassed:
    """Check ``candidate(s, p) -> (both, one, neither)``: the exact expected readout errors."""
    return check_against_reference("Exercise 2.3", candidate, _ref_expected, _EXPECTED_CASES,
                                   mistakes=_EXPECTED_MISTAKES, rtol=1e-9, atol=1e-12,
                                   success="These are the dashed lines of the error histograms.")


# --------------------------------------------------------------------------------------------
# Exercise 2.4: where U-AND beats one neuron per pair
# --------------------------------------------------------------------------------------------


def _ref_break_even(n):
    m = 2
    while m * (m - 1) // 2 <= n:
        m += 1
    return m


_BREAK_EVEN_CASES = [{"n": 1218}, {"n": 45}, {"n": 10}, {"n": 8192}, {"n": 1}]

_BREAK_EVEN_MISTAKES = [
    Mistake("counting ordered pairs m(m − 1) (or m²): the naive network needs one neuron per *unordered* pair, "
            "C(m, 2) = m(m − 1)/2",
            lambda n: next(m for m in range(2, 10**7) if m * (m - 1) > n)),
    Mistake("counting m² pairs: the naive network needs C(m, 2) = m(m − 1)/2 neurons",
            lambda n: next(m for m in range(2, 10**7) if m * m > n)),
    Mistake("an off-by-one in the comparison: U-AND must use *fewer* neurons, C(m, 2) > n, not C(m, 2) >= n",
            lambda n: next(m for m in range(2, 10**7) if m * (m - 1) // 2 >= n)),
    Mistake("returning the last m where the naive network is still smaller, not the first where U-AND wins",
            lambda n: next(m for m in range(2, 10**7) if m * (m - 1) // 2 > n) - 1),
]


def check_break_even(candidate) -> CheckPassed:
    """Check ``candidate(n) -> int``: the smallest ``m`` with ``C(m, 2) > n``."""
    return check_against_reference("Exercise 2.4", candidate, _ref_break_even, _BREAK_EVEN_CASES,
                                   mistakes=_BREAK_EVEN_MISTAKES,
                                   success="Beyond this m, a U-AND layer of n neurons is smaller than one neuron per pair.")


# --------------------------------------------------------------------------------------------
# Exercise 2.5: the best constant offset
# --------------------------------------------------------------------------------------------


def _ref_best_offset(errors):
    e = np.asarray(errors, dtype=float)
    c = 0.5 * (e.min() + e.max())
    return (c, 0.5 * (e.max() - e.min()))


def _errors_case(seed, size, shift):
    def case():
        rng = np.random.default_rng(seed)
        return {"errors": rng.binomial(40, 0.2, size=size) / 40.0 + shift}

    return case


_OFFSET_CASES = [
    _errors_case(1, 500, 0.0),
    _errors_case(2, 2000, -0.1),  # a case whose smallest error is negative
    {"errors": np.array([0.0, 0.0, 0.0, 0.9])},  # skewed: mean, median and midrange all differ
]

_OFFSET_MISTAKES = [
    Mistake("you centred the mean error; the max norm is set by the two extremes, so the best constant is the "
            "midrange (min + max) / 2",
            lambda errors: (float(np.mean(errors)),
                            float(np.max(np.abs(np.asarray(errors) - np.mean(errors)))))),
    Mistake("you centred the median; the max norm is set by the two extremes, so the best constant is the midrange",
            lambda errors: (float(np.median(errors)),
                            float(np.max(np.abs(np.asarray(errors) - np.median(errors)))))),
    Mistake("you took c = max / 2, which assumes the smallest error is 0; use (min + max) / 2",
            lambda errors: (0.5 * float(np.max(errors)),
                            float(np.max(np.abs(np.asarray(errors) - 0.5 * np.max(errors)))))),
    Mistake("the new max norm is half the *range* (max − min) / 2, not half the largest error",
            lambda errors: (0.5 * (float(np.min(errors)) + float(np.max(errors))), 0.5 * float(np.max(errors)))),
]


def check_best_offset(candidate) -> CheckPassed:
    """Check ``candidate(errors) -> (c, new_max)``: the constant minimising ``max |errors − c|``, and that max."""
    return check_against_reference("Exercise 2.5", candidate, _ref_best_offset, _OFFSET_CASES,
                                   mistakes=_OFFSET_MISTAKES,
                                   success="The midrange halves the range: the centred readout's offset.")


# --------------------------------------------------------------------------------------------
# Exercise 2.6: the rectified bias (predict the mean one-active error with superposed inputs)
# --------------------------------------------------------------------------------------------


def _ref_one_active(s, p, sigma):
    from ..uand import rectified_bias

    # X ~ Bin(s - 1, p) other active features; X >= 1 neurons taken as unrectified (mean X), X = 0 ones give ReLU(Z)
    return (s - 1) * p + (1.0 - p) ** (s - 1) * rectified_bias(sigma)


_ONE_ACTIVE_CASES = [
    {"s": 3, "p": 0.1, "sigma": 0.5},
    {"s": 2, "p": 0.05, "sigma": 1.7},
    {"s": 5, "p": 0.2, "sigma": 0.8},
    {"s": 4, "p": 0.3, "sigma": 0.0},
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)

_ONE_ACTIVE_MISTAKES = [
    Mistake("E[ReLU(Z)] is σ/√(2π) ≈ 0.40 σ, not σ: you dropped the factor 1/√(2π) of the Gaussian density",
            lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma),
    Mistake("E[ReLU(Z)] is σ/√(2π) ≈ 0.40 σ, not σ/2: ReLU(Z) is positive half of the time, but its mean there is "
            "σ√(2/π), not σ",
            lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma / 2),
    Mistake("E[ReLU(Z)] is σ/√(2π), not E|Z| = σ√(2/π): the ReLU keeps only the positive half",
            lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma * math.sqrt(2 / math.pi)),
    Mistake("the bias grows with the standard deviation σ, not with the variance σ²: E[ReLU(Z)] = σ/√(2π)",
            lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma**2 / _SQRT_2PI),
    Mistake("only the neurons with no other active feature (probability (1 − p)^(s−1)) sit at ReLU(Z); "
            "you gave the bias to every neuron",
            lambda s, p, sigma: (s - 1) * p + sigma / _SQRT_2PI),
    Mistake("an off-by-one: a one-active pair's neurons can hold the s − 1 *other* active features, not s",
            lambda s, p, sigma: s * p + (1 - p) ** s * sigma / _SQRT_2PI),
    Mistake("the clean-input error (s − 1) p is still there: add the bias to it",
            lambda s, p, sigma: (1 - p) ** (s - 1) * sigma / _SQRT_2PI),
]


def check_one_active_error(candidate) -> CheckPassed:
    """Check ``candidate(s, p, sigma) -> float``: ``(s−1) p + (1−p)^(s−1) σ/√(2π)``, the predicted one-active error."""
    return check_against_reference("Exercise 2.6", candidate, _ref_one_active, _ONE_ACTIVE_CASES,
                                   mistakes=_ONE_ACTIVE_MISTAKES, rtol=1e-9, atol=1e-12,
                                   success="Compare your prediction with the measured networks in the next cell.")
