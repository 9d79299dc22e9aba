"""The shared exercise-check machinery: pass, fail, and name the mistake."""

import numpy as np
import pytest

from superposition.checks import CheckFailed, CheckPassed, Mistake, check_against_reference


def reference(x):
    return np.log2(x)


CASES = [{"x": 2.0}, {"x": np.array([1.0, 8.0])}]
LOG_MISTAKE = Mistake("you used the natural log instead of log2", lambda x: np.log(x))


def test_matching_candidate_passes_and_counts_cases():
    result = check_against_reference("Exercise 0.1", lambda x: np.log2(x), reference, CASES)
    assert isinstance(result, CheckPassed)
    assert result.n_cases == 2
    assert "Exercise 0.1 passed" in str(result)


def test_known_mistake_is_named():
    with pytest.raises(CheckFailed, match="natural log instead of log2"):
        check_against_reference("Exercise 0.1", lambda x: np.log(x), reference, CASES, mistakes=[LOG_MISTAKE])


def test_unknown_mistake_gives_generic_message_without_arrays():
    with pytest.raises(CheckFailed, match="differs from the reference") as info:
        check_against_reference("Exercise 0.1", lambda x: np.log10(x), reference, CASES, mistakes=[LOG_MISTAKE])
    assert "array(" not in str(info.value)


def test_transposed_result_is_diagnosed():
    ref = lambda a: a  # noqa: E731
    with pytest.raises(CheckFailed, match="transpose"):
        check_against_reference("Ex", lambda a: a.T, ref, [{"a": np.ones((2, 3))}])


def test_not_implemented_stub_says_so():
    def stub(x):
        raise NotImplementedError("Exercise 0.1: write it")

    with pytest.raises(NotImplementedError, match="Exercise 0.1: write it. Replace the"):
        check_against_reference("Exercise 0.1", stub, reference, CASES)


def test_student_exception_is_reported_with_case():
    def broken(x):
        raise KeyError("oops")

    with pytest.raises(CheckFailed, match="raised KeyError"):
        check_against_reference("Exercise 0.1", broken, reference, CASES)


def test_callable_cases_give_both_functions_the_same_random_stream():
    case = lambda: {"rng": np.random.default_rng(3)}  # noqa: E731
    draw = lambda rng: rng.normal(size=4)  # noqa: E731
    assert check_against_reference("Ex", draw, draw, [case]).n_cases == 1


def test_passing_a_call_result_instead_of_a_function_is_a_type_error():
    with pytest.raises(TypeError, match="pass your function itself"):
        check_against_reference("Ex", 3.0, reference, CASES)
