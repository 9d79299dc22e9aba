"""The machinery every exercise check in the book shares.

A check runs the student's function and the book's reference kernel on the same
fixed, seeded, small cases.  If they agree it returns a short confirmation.  If
they disagree it does not dump arrays: it runs a list of *known mistakes* (each
a deliberately wrong variant of the reference, such as "log instead of log2" or
"forgot the ReLU") on the failing case and, when the student's answer matches
one of them, names that mistake.  The diagnosis is therefore computed, not
guessed.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

__all__ = [
    "Mistake", "CheckPassed", "CheckFailed", "CheckCall", "check_against_reference", "outputs_match", "recording",
]

Case = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Mistake:
    """A likely mistake: a hint for the student and a wrong variant that makes it.

    ``implementation`` takes the same keyword arguments as the reference and
    returns what a function with this mistake would return.
    """

    hint: str
    implementation: Callable[..., Any]


@dataclass(frozen=True)
class CheckPassed:
    """Returned by a check that passed; displays as a one-line confirmation."""

    exercise: str
    detail: str = ""
    n_cases: int = 0

    def __str__(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"✔ {self.exercise} passed on {self.n_cases} test case(s).{extra}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:  # pragma: no cover - rendering only
        return f"**{self}**"


class CheckFailed(AssertionError):
    """Raised by a check that failed; the message says what to look at."""


@dataclass(frozen=True)
class CheckCall:
    """What a check passed to :func:`check_against_reference` (recorded by :func:`recording`)."""

    exercise: str
    reference: Callable[..., Any]
    cases: Sequence[Any]
    mistakes: Sequence[Mistake]
    rtol: float
    atol: float


_RECORDERS: list[list[CheckCall]] = []


@contextmanager
def recording() -> Iterator[list[CheckCall]]:
    """Within this block, :func:`check_against_reference` records its arguments and returns a pass unrun.

    This lets a test ask any exercise check which reference, cases and mistakes it uses, without knowing
    how the check is written (tests/test_checks_teach.py verifies that every named mistake is diagnosed).
    """
    calls: list[CheckCall] = []
    _RECORDERS.append(calls)
    try:
        yield calls
    finally:
        _RECORDERS.remove(calls)


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None
    extras: dict = field(default_factory=dict)


def outputs_match(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when ``got`` equals ``expected`` up to tolerance (arrays, scalars, tuples, lists)."""
    if isinstance(expected, (tuple, list)) and not _is_numeric_sequence(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return False
        return all(outputs_match(g, e, rtol=rtol, atol=atol) for g, e in zip(got, expected))
    try:
        g = np.asarray(got)
        e = np.asarray(expected)
    except Exception:  # noqa: BLE001 - anything unconvertible simply does not match
        return False
    if g.shape != e.shape:
        return False
    if e.dtype == bool or g.dtype == bool:
        return bool(np.array_equal(g.astype(bool), e.astype(bool))) and g.dtype.kind in "biu"
    if not (np.issubdtype(g.dtype, np.number) and np.issubdtype(e.dtype, np.number)):
        return bool(np.array_equal(g, e))
    return bool(np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True))


def _is_numeric_sequence(x: Sequence) -> bool:
    return len(x) > 0 and all(isinstance(v, (int, float, np.number)) for v in x)


def _fresh(value: Any) -> Any:
    """A private copy of one argument: arrays are copied and made read-only, containers copied recursively."""
    if isinstance(value, np.ndarray):
        out = value.copy()
        out.flags.writeable = False
        return out
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_fresh(v) for v in value)
    return copy.deepcopy(value)  # generators keep their own state; immutable values come back as they are


def _fresh_kwargs(case: Case) -> dict[str, Any]:
    """Fresh, read-only keyword arguments for one call, so no call can change what the next one sees."""
    return {key: _fresh(val) for key, val in dict(case() if callable(case) else case).items()}


def _wrote_to_input(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and "read-only" in str(exc)


def _run(fn: Callable[..., Any], case: Case) -> _Outcome:
    kwargs = _fresh_kwargs(case)
    try:
        return _Outcome(value=fn(**kwargs))
    except NotImplementedError as exc:
        # A stub from the student edition: let it surface as itself, with the next step.
        raise NotImplementedError(
            f"{exc or 'Not implemented yet'}. Replace the `raise NotImplementedError` line of your function "
            "with your code, run that cell, then run this check again."
        ) from None
    except Exception as exc:  # noqa: BLE001 - report the student's exception, whatever it is
        return _Outcome(error=exc)


def _reproduces(mistake: "Mistake", candidate: Callable[..., Any], case: Case, rtol: float, atol: float) -> bool:
    """True when ``mistake`` gives the student's output on ``case`` (both computed afresh)."""
    got = _run(candidate, case)
    if got.error is not None:
        return False
    try:
        wrong = mistake.implementation(**_fresh_kwargs(case))
    except Exception:  # noqa: BLE001 - a variant that cannot run simply does not match
        return False
    return outputs_match(got.value, wrong, rtol=rtol, atol=atol)


def _describe_case(case: Case) -> str:
    kwargs = dict(case() if callable(case) else case)
    parts = []
    for key, val in kwargs.items():
        if isinstance(val, np.random.Generator):
            parts.append(f"{key}=<seeded Generator>")
        elif isinstance(val, np.ndarray):
            parts.append(f"{key}=<array shape {val.shape}>")
        else:
            parts.append(f"{key}={val!r}")
    return ", ".join(parts)


def _shape_hint(got: Any, expected: Any) -> str:
    g, e = np.shape(got), np.shape(expected)
    if g == e:
        return ""
    if len(g) == 2 and g[::-1] == e:
        return f" Your result has shape {g} but the reference has shape {e}: did you transpose it?"
    return f" Your result has shape {g} but the reference has shape {e}."


def check_against_reference(
    exercise: str,
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Case],
    *,
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    success: str = "",
) -> CheckPassed:
    """Compare ``candidate`` with ``reference`` on every case; explain the first mismatch.

    Parameters
    ----------
    exercise : str
        Name shown to the student, e.g. ``"Exercise 1.2"``.
    candidate, reference : callable
        Called with each case's keyword arguments.
    cases : sequence of dict, or of zero-argument callables returning a dict
        A callable case is called afresh for each function, so a case that
        holds ``np.random.default_rng(seed)`` gives both functions the same stream.
        Every call (candidate, reference, each mistake) gets its own copy of the
        case's values, with arrays read-only: a function that writes into its
        inputs is told so, and cannot change the data the next call sees.
    mistakes : sequence of :class:`Mistake`
        Known wrong variants, tried in order on the first failing case.
    rtol, atol : float
        Tolerances of :func:`outputs_match`.
    success : str
        Extra sentence shown when the check passes.

    Returns
    -------
    CheckPassed
        When every case matches.

    Raises
    ------
    CheckFailed
        An ``AssertionError`` whose message names the failing case and, where a
        known mistake reproduces the student's answer, that mistake.
    """
    if not callable(candidate):
        raise TypeError(f"{exercise}: pass your function itself (without calling it), got {type(candidate).__name__}")
    if not cases:
        raise ValueError("cases must hold at least one test case")
    if _RECORDERS:
        _RECORDERS[-1].append(CheckCall(exercise, reference, tuple(cases), tuple(mistakes), rtol, atol))
        return CheckPassed(exercise, success, len(cases))
    for case in cases:
        got = _run(candidate, case)
        expected = reference(**_fresh_kwargs(case))
        where = _describe_case(case)
        if got.error is not None and _wrote_to_input(got.error):
            raise CheckFailed(
                f"{exercise}: your function writes into one of its input arrays ({got.error}). The check passes "
                "read-only arrays, because a function that changes its inputs in place changes the caller's data "
                f"too. Work on a copy instead, e.g. `x = np.array(x, dtype=float)` (on the case {where})."
            )
        if got.error is not None:
            raise CheckFailed(
                f"{exercise}: your function raised {type(got.error).__name__}: {got.error} "
                f"(on the case {where})."
            )
        if outputs_match(got.value, expected, rtol=rtol, atol=atol):
            continue
        for mistake in mistakes:
            # A mistake is named only if it reproduces the student's output on *every* case.
            if all(_reproduces(mistake, candidate, c, rtol, atol) for c in cases):
                raise CheckFailed(f"{exercise}: not yet. Likely mistake: {mistake.hint} (on the case {where}).")
        raise CheckFailed(
            f"{exercise}: your result differs from the reference on the case {where}."
            f"{_shape_hint(got.value, expected)} Re-read the formula in the exercise statement."
        )
    return CheckPassed(exercise, success, len(cases))
