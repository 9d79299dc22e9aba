"""The Chapter 4 exercise checks accept the reference and name each listed mistake."""

import numpy as np
import pytest

from superposition.checks import CheckFailed, CheckPassed
from superposition.checks import pairwise_and as ch



def test_output_ids_check_accepts_the_reference():
    from superposition.pairwise_and import output_ids

    assert isinstance(ch.check_output_ids(output_ids), CheckPassed)


def test_orient_check_accepts_the_reference():
    from superposition.pairwise_and import orient_pairs

    assert isinstance(ch.check_orient_pairs(lambda pairs, m: orient_pairs(pairs, m)), CheckPassed)


def test_expected_true_outputs_check_accepts_the_reference():
    from superposition.pairwise_and import expected_true_outputs

    assert isinstance(ch.check_expected_true_outputs(expected_true_outputs), CheckPassed)


def test_co_occurrence_tail_check_accepts_the_reference():
    from superposition.pairwise_and import co_occurrence_tail

    assert isinstance(ch.check_co_occurrence_tail(co_occurrence_tail), CheckPassed)


@pytest.mark.parametrize(
    "check, mistakes",
    [(ch.check_output_ids, ch._IDS_MISTAKES), (ch.check_orient_pairs, ch._ORIENT_MISTAKES),
     (ch.check_expected_true_outputs, ch._EXP_MISTAKES), (ch.check_co_occurrence_tail, ch._TAIL_MISTAKES),
     (ch.check_greedy_cover, ch._COVER_MISTAKES), (ch.check_hidden_by_hand, ch._HIDDEN_MISTAKES),
     (ch.check_co_occurrence_width, ch._WIDTH_MISTAKES)],
)
def test_each_listed_mistake_is_named_by_its_check(check, mistakes):
    for mistake in mistakes:
        with pytest.raises(CheckFailed, match="Likely mistake") as info:
            check(mistake.implementation)
        assert mistake.hint in str(info.value)


def test_greedy_cover_check_accepts_the_reference():
    from superposition.adversary import greedy_cover

    assert isinstance(ch.check_greedy_cover(greedy_cover), CheckPassed)


def test_the_greedy_cover_switches_on_a_false_output_of_a_narrow_network():
    from superposition.adversary import greedy_cover
    from superposition.pairwise_and import build_pairwise_and, uniform_pairs

    rng = np.random.default_rng(0)
    pairs = uniform_pairs(60, 400, rng)
    net = build_pairwise_and(pairs, 60, 150, 4, rng, construction="v1")
    hits = 0
    for e in range(30):
        row = greedy_cover(net.B, net.R[e].indices, *pairs[e], 4)
        assert len(set(row.tolist())) == 4 and int(pairs[e, 1]) not in row
        hits += e in net.predict(row[None])[0]
    assert hits > 0


def test_hidden_by_hand_check_accepts_the_network_hidden_layer():
    assert isinstance(ch.check_hidden_by_hand(lambda B, E_in_T, x, theta: ch._hidden_ref(B, E_in_T, x, theta)),
                      CheckPassed)


def test_co_occurrence_width_check_accepts_the_reference():
    from superposition.pairwise_and import co_occurrence_width

    assert isinstance(ch.check_co_occurrence_width(co_occurrence_width), CheckPassed)


def test_the_co_occurrence_width_is_linear_in_m_prime_over_m():
    from superposition.pairwise_and import co_occurrence_width

    w1 = co_occurrence_width(12, 0.6, 3000, 20000, 4, 1e-6)
    assert np.isclose(co_occurrence_width(12, 0.6, 6000, 40000, 4, 1e-6), w1)
    assert np.isclose(co_occurrence_width(12, 0.6, 3000, 40000, 4, 1e-6), 2 * w1)


def test_an_unlisted_wrong_answer_fails_without_a_diagnosis():
    with pytest.raises(CheckFailed, match="differs from the reference"):
        ch.check_expected_true_outputs(lambda m, m_prime, s: np.asarray(m_prime, float) * 0 + 1.0)


def test_a_stub_surfaces_as_not_implemented():
    def stub(pairs, m):
        raise NotImplementedError("Exercise 4.2: orient the pairs")

    with pytest.raises(NotImplementedError, match="Exercise 4.2"):
        ch.check_orient_pairs(stub)
