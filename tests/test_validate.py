"""Argument validation: clear errors that name the parameter and the range."""

import numpy as np
import pytest

from superposition._validate import as_float, as_index_array, as_int, as_rng, require_size


def test_as_int_accepts_integral_floats_and_numpy_ints():
    assert as_int("m", 1e4) == 10_000
    assert as_int("m", np.int32(7)) == 7


@pytest.mark.parametrize("bad", [2.5, float("nan")])
def test_as_int_rejects_non_integers(bad):
    with pytest.raises(ValueError, match="m must be an integer"):
        as_int("m", bad)


def test_as_int_rejects_bool_and_strings_with_type_error():
    with pytest.raises(TypeError, match="m must be an integer"):
        as_int("m", True)
    with pytest.raises(TypeError):
        as_int("m", "10")


def test_as_int_names_range():
    with pytest.raises(ValueError, match=r"m must be an integer >= 2, got 1"):
        as_int("m", 1, min_value=2)
    with pytest.raises(ValueError, match=r"s must be an integer in \[1, 5\], got 6"):
        as_int("s", 6, min_value=1, max_value=5)


def test_as_float_open_interval_message():
    with pytest.raises(ValueError, match=r"eps must lie in \(0, 1\), got 1"):
        as_float("eps", 1, min_value=0, max_value=1, min_inclusive=False, max_inclusive=False)
    assert as_float("eps", 0.5, min_value=0, max_value=1, min_inclusive=False, max_inclusive=False) == 0.5


def test_as_rng_requires_seed_or_generator():
    assert isinstance(as_rng(3), np.random.Generator)
    with pytest.raises(TypeError, match="rng must be"):
        as_rng(None)


def test_index_array_range_and_repeats():
    with pytest.raises(ValueError, match=r"active entries must lie in \[0, m\)"):
        as_index_array("active", [[0, 5]], ndim=2, upper=5, upper_name="m")
    with pytest.raises(ValueError, match="active row 1 repeats an index"):
        as_index_array("active", [[0, 1], [2, 2]], ndim=2, upper=5, upper_name="m", distinct_rows=True)
    with pytest.raises(ValueError, match="2-d"):
        as_index_array("active", [0, 1], ndim=2, upper=5, upper_name="m")


def test_require_size_says_how_to_chunk():
    with pytest.raises(ValueError, match="chunk"):
        require_size("the Gram matrix", 2e9, limit_bytes=1e9, advice="pass block_size to chunk it")
    require_size("small", 10, limit_bytes=1e9, advice="")
