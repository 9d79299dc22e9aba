"""Every call a check makes gets its own read-only copy of the case data.

A correct solution that writes into its input arrays must be told so in plain words (not "your result differs"),
and it must not change the data that the reference, the mistakes or the next attempt see.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import superposition.checks as checks
from superposition.checks import CheckFailed, CheckPassed, check_against_reference
from superposition.checks._core import recording
from superposition.checks.pairwise_and import _EXP_CASES

CORE = {"CheckFailed", "CheckPassed", "Mistake", "check_against_reference"}
EXPORTED = sorted(name for name in checks.__all__ if name not in CORE and name.startswith("check_"))
IN_PLACE = "writes into one of its input arrays"


def _arrays(value):
    """Every numpy array inside one argument (containers searched recursively)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays(v)


def _kwargs(case):
    return dict(case() if callable(case) else case)


def _scribbling(reference):
    """A correct solution (the reference itself, on its own copies) that then overwrites every input array."""
    def solution(**kwargs):
        result = reference(**copy.deepcopy(kwargs))
        for array in _arrays(kwargs):
            array[...] = 0
        return result
    return solution


def _calls(check):
    def probe(**kwargs):
        raise AssertionError("recording() returns before the student's function runs")

    with recording() as calls:
        check(probe)
    return calls


def _snapshot(cases):
    return [copy.deepcopy(case) for case in cases if not callable(case)]


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.random.Generator):
        return a.bit_generator.state == b.bit_generator.state
    return a == b


@pytest.mark.parametrize("name", EXPORTED)
def test_every_check_tells_a_scribbling_correct_solution_what_it_did_and_keeps_its_cases(name):
    for call in _calls(getattr(checks, name)):
        before = _snapshot(call.cases)
        has_arrays = any(any(True for _ in _arrays(_kwargs(case))) for case in call.cases)
        args = dict(mistakes=call.mistakes, rtol=call.rtol, atol=call.atol)
        if has_arrays:
            with pytest.raises(CheckFailed, match=IN_PLACE) as info:
                check_against_reference(call.exercise, _scribbling(call.reference), call.reference, call.cases,
                                        **args)
            assert "differs from the reference" not in str(info.value)
            assert "Likely mistake" not in str(info.value)
        else:
            assert isinstance(check_against_reference(call.exercise, _scribbling(call.reference), call.reference,
                                                      call.cases, **args), CheckPassed)
        assert all(_same(a, b) for a, b in zip(before, _snapshot(call.cases))), f"{name} let a call change its cases"
        # and the unchanged cases still pass a correct solution that leaves its inputs alone
        assert isinstance(check_against_reference(call.exercise, call.reference, call.reference, call.cases, **args),
                          CheckPassed)


def _expected_true_outputs_in_place(m, m_prime, s):
    """Correct: C(s,2)·m′/C(m,2) = s(s−1)m′/(m(m−1)), but computed in the caller's integer arrays."""
    m = np.asarray(m, dtype=np.int64)   # no copy when the caller passes an int64 array
    s = np.asarray(s, dtype=np.int64)
    m *= m - 1
    s *= s - 1
    return s * np.asarray(m_prime, dtype=float) / m


def test_in_place_solution_of_exercise_4_3_is_told_so_not_called_wrong():
    before = copy.deepcopy(_EXP_CASES)
    for _attempt in range(2):  # the same message every time: the first attempt corrupted nothing
        with pytest.raises(CheckFailed, match=IN_PLACE) as info:
            checks.check_expected_true_outputs(_expected_true_outputs_in_place)
        assert "differs from the reference" not in str(info.value)
    assert _same(before, _EXP_CASES)


def test_the_same_solution_working_on_a_copy_passes():
    def on_a_copy(m, m_prime, s):
        return _expected_true_outputs_in_place(np.array(m), m_prime, np.array(s))

    assert isinstance(checks.check_expected_true_outputs(on_a_copy), CheckPassed)


def test_each_call_gets_its_own_arrays():
    seen = []

    def remember(x):
        seen.append(x)
        return x.sum()

    case = {"x": np.arange(3.0)}
    check_against_reference("Ex", remember, remember, [case])
    assert len(seen) == 2 and seen[0] is not seen[1] and seen[0] is not case["x"]
    assert not seen[0].flags.writeable and not seen[1].flags.writeable
    assert case["x"].flags.writeable


def test_generator_in_a_dict_case_gives_every_call_the_same_stream():
    case = {"rng": np.random.default_rng(5)}
    draw = lambda rng: rng.normal(size=3)  # noqa: E731
    assert check_against_reference("Ex", draw, draw, [case]).n_cases == 1
    assert _same(case["rng"], np.random.default_rng(5))
