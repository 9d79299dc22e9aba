"""The Chapter 5 exercise checks accept the reference and name each listed mistake."""

import pytest

from superposition import deep
from superposition.checks import CheckFailed, CheckPassed
from superposition.checks import deep as ch


@pytest.mark.parametrize("check, ref", [
    (ch.check_evaluate_layer, deep.evaluate_layer), (ch.check_clipped_step, deep.clipped_step),
    (ch.check_step_tolerance, deep.step_tolerance), (ch.check_expected_collisions, deep.expected_collisions),
])
def test_each_check_accepts_the_reference(check, ref):
    assert isinstance(check(ref), CheckPassed)


@pytest.mark.parametrize("check, mistakes", [
    (ch.check_evaluate_layer, ch._LAYER_MISTAKES), (ch.check_clipped_step, ch._STEP_MISTAKES),
    (ch.check_step_tolerance, ch._TOL_MISTAKES), (ch.check_expected_collisions, ch._COLL_MISTAKES),
])
def test_each_listed_mistake_is_named_by_its_check(check, mistakes):
    for mistake in mistakes:
        with pytest.raises(CheckFailed, match="Likely mistake") as info:
            check(mistake.implementation)
        assert mistake.hint in str(info.value)
