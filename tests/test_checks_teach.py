"""Checks that teach: every exercise check names mistakes, and each named mistake is really diagnosed.

The checks are found generically: every ``check_*`` function that :mod:`superposition.checks` exports (the
chapters' checks).  ``recording()`` asks a check which reference, cases and mistakes it passes to
``check_against_reference``; then the check is run on each mistake's own implementation and must name it.
"""

from __future__ import annotations

import numpy as np
import pytest

import superposition.checks as checks
from superposition.checks import CheckFailed, CheckPassed, Mistake, check_against_reference
from superposition.checks._core import recording

CORE = {"CheckFailed", "CheckPassed", "Mistake", "check_against_reference"}
EXPORTED = sorted(name for name in checks.__all__ if name not in CORE and name.startswith("check_"))


def _probe(**kwargs):
    raise AssertionError("a check must go through check_against_reference before calling the student's function")


def _calls(check):
    with recording() as calls:
        check(_probe)
    assert calls, f"{check.__name__} never called check_against_reference"
    return calls


def _cases(check):
    return [
        pytest.param(check, call, mistake, id=f"{check.__name__}-{i}-{j}")
        for i, call in enumerate(_calls(check))
        for j, mistake in enumerate(call.mistakes)
    ]


@pytest.mark.parametrize("name", EXPORTED)
def test_every_exported_check_names_at_least_one_mistake(name):
    calls = _calls(getattr(checks, name))
    assert sum(len(call.mistakes) for call in calls) >= 1, f"{name} lists no Mistake"


@pytest.mark.parametrize("name", EXPORTED)
def test_every_exported_check_passes_its_own_reference(name):
    for call in _calls(getattr(checks, name)):
        result = check_against_reference(call.exercise, call.reference, call.reference, call.cases,
                                         mistakes=call.mistakes, rtol=call.rtol, atol=call.atol)
        assert isinstance(result, CheckPassed)


def _diagnosis(check, call, mistake, single_call: bool) -> str:
    with pytest.raises(CheckFailed) as info:
        if single_call:  # run the exported check itself, as a student would
            check(mistake.implementation)
        else:
            check_against_reference(call.exercise, mistake.implementation, call.reference, call.cases,
                                    mistakes=call.mistakes, rtol=call.rtol, atol=call.atol)
    return str(info.value)


@pytest.mark.parametrize(
    "check, call, mistake",
    [case for name in EXPORTED for case in _cases(getattr(checks, name))],
)
def test_each_named_mistake_is_diagnosed(check, call, mistake):
    message = _diagnosis(check, call, mistake, single_call=len(_calls(check)) == 1)
    assert mistake.hint in message, (
        f"{check.__name__}: the mistake {mistake.hint!r} is not what the check reports for it.\n"
        f"It reported: {message}\n(an earlier Mistake that gives the same answer on the failing case hides it, "
        "or the mistake gives the right answer on every case)"
    )


# The machinery itself, on a check written the way the chapters write theirs.

def _reference(x):
    return np.log2(x)


_MISTAKES = [Mistake("natural log instead of log2", lambda x: np.log(x)),
             Mistake("log10 instead of log2", lambda x: np.log10(x))]


def check_demo(candidate):
    return check_against_reference("Exercise 0.1", candidate, _reference, [{"x": np.array([2.0, 8.0])}],
                                   mistakes=_MISTAKES)


def test_recording_reports_the_arguments_without_running_the_candidate():
    calls = _calls(check_demo)
    assert [c.exercise for c in calls] == ["Exercise 0.1"]
    assert calls[0].reference is _reference and list(calls[0].mistakes) == _MISTAKES


def test_recording_ends_with_its_block():
    _calls(check_demo)
    with pytest.raises(CheckFailed):
        check_demo(lambda x: x)


@pytest.mark.parametrize("mistake", _MISTAKES, ids=lambda m: m.hint)
def test_demo_check_diagnoses_each_mistake(mistake):
    assert mistake.hint in _diagnosis(check_demo, None, mistake, single_call=True)


def test_a_mistake_hidden_by_an_earlier_identical_one_is_caught():
    hidden = Mistake("same as the natural log", lambda x: np.log(x))

    def check_shadowed(candidate):
        return check_against_reference("Ex", candidate, _reference, [{"x": 2.0}], mistakes=[_MISTAKES[0], hidden])

    assert hidden.hint not in _diagnosis(check_shadowed, None, hidden, single_call=True)
