"""Specification of the Chapter 3 exercise checks (superposition.checks.bounds)."""

import math
import re

import numpy as np
import pytest
from scipy.special import gammaln

from superposition import bounds
from superposition.checks import CheckFailed, CheckPassed
from superposition.checks import bounds as cb
from superposition.checks import check_log2_pair_families, check_max_features, check_min_neurons


# ---------------------------------------------------------------- student-style correct answers pass
def student_log2_pair_families(m, m_prime):
    n_pairs = m * (m - 1) // 2
    return float((gammaln(n_pairs + 1) - gammaln(m_prime + 1) - gammaln(n_pairs - m_prime + 1)) / np.log(2))


def student_min_neurons(log2_family, bits_per_parameter, layers):
    n = 1
    while layers * (n * n + n) * bits_per_parameter < log2_family:
        n += 1
    return n


def student_max_features(n, bits_per_parameter):
    budget = (n * n + n) * bits_per_parameter
    k, total = 1, 0.0
    while total + math.log2(k + 1) <= budget:
        k += 1
        total += math.log2(k)
    return k


@pytest.mark.parametrize(
    "check,answer",
    [
        (check_log2_pair_families, student_log2_pair_families),
        (check_min_neurons, student_min_neurons),
        (check_max_features, student_max_features),
    ],
)
def test_an_independent_correct_answer_passes(check, answer):
    assert isinstance(check(answer), CheckPassed)


@pytest.mark.parametrize(
    "check,reference",
    [
        (check_log2_pair_families, bounds.log2_pair_families),
        (check_min_neurons, bounds.min_neurons),
        (check_max_features, lambda n, bits_per_parameter: bounds.max_features(n, bits_per_parameter)),
    ],
)
def test_the_reference_kernel_passes(check, reference):
    assert isinstance(check(reference), CheckPassed)


# ---------------------------------------------------------------- every listed mistake is caught and named
@pytest.mark.parametrize(
    "check,mistakes",
    [
        (check_log2_pair_families, cb._PAIR_MISTAKES),
        (check_min_neurons, cb._NEURON_MISTAKES),
        (check_max_features, cb._CAPACITY_MISTAKES),
    ],
)
def test_each_listed_mistake_fails_and_is_named(check, mistakes):
    for mistake in mistakes:
        with pytest.raises(CheckFailed, match=re.escape(mistake.hint[:40])):
            check(mistake.implementation)


def test_forgetting_the_biases_in_min_neurons_is_named():
    def n_squared_only(log2_family, bits_per_parameter, layers):
        return max(1, math.ceil(math.sqrt(log2_family / (bits_per_parameter * layers))))

    with pytest.raises(CheckFailed, match="forgot the biases"):
        check_min_neurons(n_squared_only)


def test_natural_log_in_pair_family_is_named():
    def natural(m, m_prime):
        n_pairs = m * (m - 1) // 2
        return float(gammaln(n_pairs + 1) - gammaln(m_prime + 1) - gammaln(n_pairs - m_prime + 1))

    with pytest.raises(CheckFailed, match="natural log"):
        check_log2_pair_families(natural)


def test_features_instead_of_pairs_is_named():
    def features(m, m_prime):
        return float((gammaln(m + 1) - gammaln(m_prime + 1) - gammaln(m - m_prime + 1)) / np.log(2))

    with pytest.raises(CheckFailed, match="pairs"):
        check_log2_pair_families(features)


def test_an_unlisted_wrong_answer_gets_the_generic_message():
    with pytest.raises(CheckFailed, match="differs from the reference"):
        check_max_features(lambda n, bits_per_parameter: 7)


def test_a_stub_surfaces_as_not_implemented():
    def stub(n, bits_per_parameter):
        raise NotImplementedError("Exercise 3.3: write it")

    with pytest.raises(NotImplementedError, match="Exercise 3.3"):
        check_max_features(stub)


# ---------------------------------------------------------------- second edition: separating cases, all-case diagnoses
def test_a_strict_inequality_in_min_neurons_is_named_as_such():
    def strict(log2_family, bits_per_parameter, layers):
        n = 1
        while layers * (n * n + n) * bits_per_parameter <= log2_family:
            n += 1
        return n

    with pytest.raises(CheckFailed, match="strict inequality"):
        check_min_neurons(strict)


def test_biases_counted_once_per_network_fails_and_is_named():
    def once(log2_family, bits_per_parameter, layers):
        n = 1
        while (layers * n * n + n) * bits_per_parameter < log2_family:
            n += 1
        return n

    with pytest.raises(CheckFailed, match="once per network"):
        check_min_neurons(once)


def test_stirling_in_capacity_is_named_as_stirling_not_off_by_one():
    def stirling(n, bits_per_parameter):
        budget = (n * n + n) * bits_per_parameter
        k = 1
        while (k + 1) * math.log2((k + 1) / math.e) <= budget:
            k += 1
        return k

    with pytest.raises(CheckFailed, match="Stirling") as info:
        check_max_features(stirling)
    assert "off by one" not in str(info.value)


def test_a_mistake_matching_only_some_cases_is_not_named():
    calls = {"k": 0}

    def sometimes_natural_log(m, m_prime):
        calls["k"] += 1
        value = bounds.log2_pair_families(m, m_prime)
        return value * math.log(2) if m == 6 else value + 1.0

    with pytest.raises(CheckFailed, match="differs from the reference") as info:
        check_log2_pair_families(sometimes_natural_log)
    assert "natural log" not in str(info.value)


@pytest.mark.parametrize(
    "check,wrong,names",
    [
        (check_log2_pair_families, lambda m, mp: 0.0, "m, m_prime"),
        (check_min_neurons, lambda log2_family, b, L: 1, "log2_family, bits_per_parameter, layers"),
        (check_max_features, lambda k, bits_per_parameter: 1, "n, bits_per_parameter"),
        (cb.check_zero_network_error, lambda m, m_prime: 0.0, "m, m_prime, s"),
    ],
)
def test_wrong_parameter_names_get_name_your_parameters(check, wrong, names):
    with pytest.raises(CheckFailed, match=re.escape(f"name your parameters ({names})")):
        check(wrong)


@pytest.mark.parametrize(
    "check,answer",
    [
        (cb.check_zero_network_error, lambda m, m_prime, s: s * (s - 1) / 2 * m_prime / (m * (m - 1) / 2)),
        (cb.check_min_total_neurons, lambda log2_family, bits_per_parameter, layers: student_min_neurons(
            log2_family, bits_per_parameter, 1)),
        (cb.check_fraction_computable, lambda log2_family, bits: min(1.0, 2.0 ** (bits - log2_family))),
    ],
)
def test_the_new_exercises_accept_an_independent_correct_answer(check, answer):
    assert isinstance(check(answer), CheckPassed)


def test_the_per_layer_width_is_not_accepted_as_the_total_neuron_bound():
    with pytest.raises(CheckFailed, match="width of each layer"):
        cb.check_min_total_neurons(lambda log2_family, bits_per_parameter, layers: bounds.min_neurons(
            log2_family, bits_per_parameter, layers))


def test_the_fixed_readout_count_by_hand_passes():
    assert isinstance(cb.check_settings_per_member(lambda k: 2 ** (k * (k - 1))), CheckPassed)


def test_the_fixed_readout_count_of_one_unit_is_named():
    with pytest.raises(CheckFailed, match="one unit"):
        cb.check_settings_per_member(lambda k: 2 ** (k - 1))
