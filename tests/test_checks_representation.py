"""The Chapter 1 exercise checks: the reference passes, and every listed mistake is named."""

import numpy as np
import pytest

from superposition import checks
from superposition.checks import CheckFailed, CheckPassed
from superposition.checks import representation as chk
from superposition.representation import interference, jl_min_dim, max_coherence, welch_bound, worst_interference

CHECKS = [
    (chk.check_jl_min_dim, jl_min_dim, chk._JL_MISTAKES),
    (chk.check_welch_bound, welch_bound, chk._WELCH_MISTAKES),
    (chk.check_max_coherence, lambda E: max_coherence(E), chk._COH_MISTAKES),
    (chk.check_interference, interference, chk._INT_MISTAKES),
    (chk.check_worst_interference, worst_interference, chk._WORST_MISTAKES),
]


def test_checks_are_exported_from_the_package():
    for name in chk.__all__:
        assert name in checks.__all__ and getattr(checks, name) is getattr(chk, name)
    assert len(chk.__all__) >= 3


@pytest.mark.parametrize("check, reference, mistakes", CHECKS)
def test_reference_passes(check, reference, mistakes):
    result = check(reference)
    assert isinstance(result, CheckPassed) and result.n_cases >= 3


@pytest.mark.parametrize(
    "check, mistake",
    [(check, mistake) for check, _, mistakes in CHECKS for mistake in mistakes],
    ids=lambda x: getattr(x, "hint", getattr(x, "__name__", ""))[:40],
)
def test_every_listed_mistake_is_named(check, mistake):
    with pytest.raises(CheckFailed, match="Likely mistake") as info:
        check(lambda **kw: mistake.implementation(**kw))
    assert mistake.hint in str(info.value)


def test_student_style_solutions_pass():
    def my_jl_min_dim(n_points, eps):
        eps = np.asarray(eps, dtype=float)
        return np.ceil(4 * np.log(n_points) / (eps**2 / 2 - eps**3 / 3)).astype(int)

    def my_welch_bound(m, d):
        m = np.asarray(m, dtype=float)
        return np.sqrt(np.clip(m - d, 0, None) / (d * (m - 1)))

    def my_max_coherence(E):
        U = E / np.linalg.norm(E, axis=0)
        G = np.abs(U.T @ U)
        np.fill_diagonal(G, 0.0)
        return G.max()

    def my_interference(E, active):
        batch, m = active.shape[0], E.shape[1]
        f = np.zeros((batch, m))
        np.put_along_axis(f, active, 1.0, axis=1)
        x = f @ E.T
        return x @ E - f

    for check, fn in [
        (chk.check_jl_min_dim, my_jl_min_dim),
        (chk.check_welch_bound, my_welch_bound),
        (chk.check_max_coherence, my_max_coherence),
        (chk.check_interference, my_interference),
    ]:
        assert isinstance(check(fn), CheckPassed)


def test_unknown_mistake_gets_generic_message():
    with pytest.raises(CheckFailed, match="differs from the reference"):
        chk.check_welch_bound(lambda m, d: np.asarray(m, dtype=float) * 0 + 0.123)


def test_stub_surfaces_as_not_implemented():
    def stub(n_points, eps):
        raise NotImplementedError("Exercise 1.1: implement the bound")

    with pytest.raises(NotImplementedError, match="Exercise 1.1"):
        chk.check_jl_min_dim(stub)


def test_welch_check_does_not_call_an_all_zero_answer_a_swap():
    with pytest.raises(AssertionError, match="returns 0 even where m > d"):
        chk.check_welch_bound(lambda m, d: 0.0 * np.asarray(m))


def test_welch_check_still_names_a_real_swap():
    swapped = lambda m, d: np.sqrt(np.maximum(np.asarray(d) - m, 0) / (np.asarray(m) * (np.asarray(d) - 1.0)))  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"), pytest.raises(AssertionError, match="swapped m and d"):
        chk.check_welch_bound(swapped)


def test_jl_check_explains_a_scalar_only_solution():
    import math

    with pytest.raises(AssertionError, match="np.log and np.ceil"):
        chk.check_jl_min_dim(lambda n_points, eps: math.ceil(4 * math.log(n_points) / (eps**2 / 2 - eps**3 / 3)))


def test_worst_interference_student_solution_passes():
    def my_worst_interference(E, s):
        G = E.T @ E
        np.fill_diagonal(G, -np.inf)
        return float(np.sort(G, axis=1)[:, -s:].sum(axis=1).max())

    assert isinstance(chk.check_worst_interference(my_worst_interference), CheckPassed)


def test_worst_interference_mistakes_reproduce_on_every_case():
    """A mistake is named only where it reproduces the wrong answer on every case, so each must differ from the
    reference on the first case and be told apart from the mistakes listed before it."""
    case = chk._WORST_CASES[0]()
    ref = worst_interference(**case)
    values = [m.implementation(**case) for m in chk._WORST_MISTAKES]
    for k, v in enumerate(values):
        assert abs(v - ref) > 1e-6
        assert all(abs(v - w) > 1e-6 for w in values[:k])
