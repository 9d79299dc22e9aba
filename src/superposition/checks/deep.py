"""Exercise checks for Chapter 5, backed by :mod:`superposition.deep`.

Each check runs the student's function and the book's kernel on the same small, fixed cases.  On a
mismatch it tries the likely mistakes listed here and names the one that reproduces the student's answer.
"""

from __future__ import annotations

import numpy as np

from .. import deep
from ._core import CheckPassed, Mistake, check_against_reference

__all__ = ["check_evaluate_layer", "check_clipped_step", "check_step_tolerance", "check_expected_collisions",
           "check_false_fire_probability"]


# ---------------------------------------------------------------------------------------------
# Exercise 5.1: one layer of the circuit
# ---------------------------------------------------------------------------------------------
def _layer_case(seed, m, s, batch):
    def case():
        rng = np.random.default_rng(seed)
        circ = deep.random_sparse_circuit(m, 1, s, rng)
        f = circ.evaluate_dense(circ.switching_inputs(batch, rng))[0]
        return {"f": f, "gate": circ.gate[0], "in_a": circ.in_a[0], "in_b": circ.in_b[0]}

    return case


_LAYER_CASES = [_layer_case(0, 8, 4, 6), _layer_case(1, 32, 6, 20), _layer_case(2, 64, 8, 30)]


def _swap_andnot(f, gate, in_a, in_b):
    a, b, g = f[:, in_a], f[:, in_b], gate
    return np.where(g == 0, a, np.where(g == 1, a & b, np.where(g == 2, a | b, ~a & b)))


def _and_or_swapped(f, gate, in_a, in_b):
    a, b, g = f[:, in_a], f[:, in_b], gate
    return np.where(g == 0, a, np.where(g == 1, a | b, np.where(g == 2, a & b, a & ~b)))


def _copy_reads_b(f, gate, in_a, in_b):
    a, b, g = f[:, in_a], f[:, in_b], gate
    return np.where(g == 0, b, np.where(g == 1, a & b, np.where(g == 2, a | b, a & ~b)))


def _xor_for_andnot(f, gate, in_a, in_b):
    a, b, g = f[:, in_a], f[:, in_b], gate
    return np.where(g == 0, a, np.where(g == 1, a & b, np.where(g == 2, a | b, a ^ b)))


_LAYER_MISTAKES = [
    Mistake("gate code 1 is AND and code 2 is OR, not the other way round", _and_or_swapped),
    Mistake("ANDNOT (code 3) is a AND NOT b: on when the first input is on and the second is off", _swap_andnot),
    Mistake("ANDNOT is a ∧ ¬b, not a XOR b: it is off when a is off", _xor_for_andnot),
]


def check_evaluate_layer(candidate) -> CheckPassed:
    """Check ``candidate(f, gate, in_a, in_b)`` against :func:`superposition.deep.evaluate_layer`."""
    return check_against_reference("Exercise 5.1", candidate, deep.evaluate_layer, _LAYER_CASES,
                                   mistakes=_LAYER_MISTAKES,
                                   success="This is the truth every layer of the network is compared with.")


# ---------------------------------------------------------------------------------------------
# Exercise 5.2: the clipped step
# ---------------------------------------------------------------------------------------------
_STEP_CASES = [{"u": np.linspace(-1, 2, 31), "K": 4.0}, {"u": np.linspace(-0.5, 1.5, 41), "K": 2.0},
               {"u": np.array([0.0, 0.3, 0.5, 0.7, 1.0, 2.0]), "K": 8.0}]


def _relu(x):
    return np.maximum(x, 0.0)


_STEP_MISTAKES = [
    Mistake("centre the ramp at u = ½: ReLU(K(u − ½) + ½) − ReLU(K(u − ½) − ½), not ReLU(Ku) − ReLU(Ku − 1)",
            lambda u, K: _relu(K * np.asarray(u)) - _relu(K * np.asarray(u) - 1)),
    Mistake("the difference of the two ReLUs, not their sum",
            lambda u, K: _relu(K * (np.asarray(u) - 0.5) + 0.5) + _relu(K * (np.asarray(u) - 0.5) - 0.5)),
    Mistake("a single ReLU is not clipped: subtract the second one",
            lambda u, K: _relu(K * (np.asarray(u) - 0.5) + 0.5)),
]


def check_clipped_step(candidate) -> CheckPassed:
    """Check ``candidate(u, K)`` against :func:`superposition.deep.clipped_step`."""
    return check_against_reference("Exercise 5.2", candidate, deep.clipped_step, _STEP_CASES, mistakes=_STEP_MISTAKES,
                                   success="Two ReLUs make a step that is exactly flat away from u = ½.")


# ---------------------------------------------------------------------------------------------
# Exercise 5.3: how much noise the step removes
# ---------------------------------------------------------------------------------------------
_TOL_CASES = [{"K": 2.0}, {"K": np.array([1.0, 4.0, 8.0, 64.0])}, {"K": 3.0}]
_TOL_MISTAKES = [
    Mistake("the ramp has width 1/K, so each flat part ends 1/(2K) from u = ½: ½ − 1/(2K), not ½ − 1/K",
            lambda K: 0.5 - 1 / np.asarray(K, float)),
    Mistake("measure the noise from the boolean value (0 or 1), not from the centre ½: ½ − 1/(2K), not 1/(2K)",
            lambda K: 0.5 / np.asarray(K, float)),
]


def check_step_tolerance(candidate) -> CheckPassed:
    """Check ``candidate(K)`` against :func:`superposition.deep.step_tolerance`."""
    return check_against_reference("Exercise 5.3", candidate, deep.step_tolerance, _TOL_CASES, mistakes=_TOL_MISTAKES,
                                   success="A steeper step tolerates up to (but never reaches) ½.")


# ---------------------------------------------------------------------------------------------
# Exercise 5.4: how often a random input switches a pair gate
# ---------------------------------------------------------------------------------------------
_COLL_CASES = [{"m": 8, "s": 3}, {"m": np.array([16.0, 1024.0, 8192.0]), "s": 4}, {"m": 100, "s": np.array([1, 3, 7])}]
_COLL_MISTAKES = [
    Mistake("an on feature's partner is one of the other m − 1 features: divide by m − 1, not m",
            lambda m, s: np.asarray(s, float) * (np.asarray(s, float) - 1) / 2 / np.asarray(m, float)),
    Mistake("count unordered pairs of on features, C(s, 2) = s(s − 1)/2, not s²/2",
            lambda m, s: np.asarray(s, float) ** 2 / 2 / (np.asarray(m, float) - 1)),
    Mistake("each pair of on features is counted once: C(s, 2), not s(s − 1)",
            lambda m, s: np.asarray(s, float) * (np.asarray(s, float) - 1) / (np.asarray(m, float) - 1)),
]


def check_expected_collisions(candidate) -> CheckPassed:
    """Check ``candidate(m, s)`` against :func:`superposition.deep.expected_collisions`."""
    return check_against_reference("Exercise 5.4", candidate, deep.expected_collisions, _COLL_CASES,
                                   mistakes=_COLL_MISTAKES, rtol=1e-9, atol=1e-15,
                                   success="Random inputs switch a pair gate into its two-on case about s²/(2m) "
                                           "times per layer.")


# ---------------------------------------------------------------------------------------------
# Exercise 5.5: how often a neuron fires falsely
# ---------------------------------------------------------------------------------------------
_FIRE_CASES = [{"m": 8192, "d": 4096, "s": 4, "L": 5},
               {"m": np.array([1024.0, 4096.0, 16384.0]), "d": 2048, "s": 4, "L": 4},
               {"m": 10000, "d": np.array([1024.0, 4096.0]), "s": 2, "L": np.array([3, 6])}]


def _poisson_sf(k, lam):
    from scipy.stats import poisson

    return poisson.sf(k, lam)


def _lam(m, d, s, L, power=3, factor=1.5):
    m, d, s, L = (np.asarray(v, dtype=float) for v in (m, d, s, L))
    return factor * s * m * L**power / d**2


_FIRE_MISTAKES = [
    Mistake("at least L on copies, P(N ≥ L) = P(N > L − 1): the survival function at L − 1, not at L",
            lambda m, d, s, L: _poisson_sf(np.asarray(L, float), _lam(m, d, s, L))),
    Mistake("three factors of L: L·m/d hosted copies, L copies per input, and s·L/d on neurons",
            lambda m, d, s, L: _poisson_sf(np.asarray(L, float) - 1, _lam(m, d, s, L, power=2))),
    Mistake("a gate has 3/2 inputs on average (and-or gates two, copy gates one), not 2",
            lambda m, d, s, L: _poisson_sf(np.asarray(L, float) - 1, _lam(m, d, s, L, factor=2.0))),
]


def check_false_fire_probability(candidate) -> CheckPassed:
    """Check ``candidate(m, d, s, L)`` against :func:`superposition.deep.false_fire_probability`."""
    return check_against_reference("Exercise 5.5", candidate, deep.false_fire_probability, _FIRE_CASES,
                                   mistakes=_FIRE_MISTAKES, rtol=1e-6, atol=1e-300,
                                   success="At fixed L the rate depends on m/d² only: doubling d allows four "
                                           "times the width.")
