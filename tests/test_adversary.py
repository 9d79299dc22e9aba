"""Specification of superposition.adversary: the white-box attack and the exhaustive certifier."""

import itertools

import numpy as np
import pytest

from superposition.adversary import (
    GUARANTEES,
    attack_outputs,
    certify_small_inputs,
    guarantee_label,
    mlp_wrong_bits,
)
from superposition.pairwise_and import build_pairwise_and, uniform_pairs


def truth(pairs, active):
    on = set(int(a) for a in active)
    return {e for e, (u, v) in enumerate(pairs) if u in on and v in on}


@pytest.fixture(scope="module")
def strong():
    m, mp = 40, 60
    pairs = uniform_pairs(m, mp, np.random.default_rng(0))
    net = build_pairwise_and(pairs, m, 4096, 3, np.random.default_rng(1))
    return m, pairs, net


def weakened(net, e, b):
    """The same network with feature b wired into every neuron of output e (a planted weakness)."""
    B = net.B.tolil()
    for k in net.R[e].indices:
        B[k, b] = 1.0
    import dataclasses
    return dataclasses.replace(net, B=B.tocsr())


def test_the_adversary_finds_a_planted_weakness(strong):
    m, pairs, net = strong
    e = 0
    b = next(i for i in range(m) if i not in pairs[e])
    weak = weakened(net, e, b)
    r = attack_outputs(weak, pairs, [e], 3, 0, restarts=2, sweeps=1, candidates=8)
    assert r.switched_on[0] and b in r.best_input[0]
    assert e in weak.predict(r.best_input[:1])[0] and e not in truth(pairs, r.best_input[0])


def test_the_adversary_finds_nothing_on_a_generously_wide_network(strong):
    m, pairs, net = strong
    r = attack_outputs(net, pairs, np.arange(20), 3, 0, restarts=2, sweeps=1, candidates=16)
    assert not r.switched_on.any() and r.fraction == 0.0
    assert np.all(r.best_value <= net.tau)


def test_every_switched_on_output_is_a_real_false_positive_of_predict():
    rng = np.random.default_rng(2)
    m, mp = 60, 400
    pairs = uniform_pairs(m, mp, rng)
    net = build_pairwise_and(pairs, m, 150, 4, rng)  # narrow: attackable
    r = attack_outputs(net, pairs, np.arange(40), 4, 3, restarts=2, sweeps=1, candidates=16)
    assert r.switched_on.any()
    for e, row, on in zip(r.targets, r.best_input, r.switched_on):
        assert not {int(pairs[e, 0]), int(pairs[e, 1])} <= set(row.tolist())  # e stays false
        assert len(set(row.tolist())) == 4
        assert (e in net.predict(row[None])[0]) == on
    assert r.budget["forward_evaluations"] > 0 and r.budget["restarts"] == 2


@pytest.mark.parametrize("s_max", [1, 2, 3])
def test_the_certifier_agrees_with_brute_force_over_predict(s_max):
    rng = np.random.default_rng(5)
    m, mp = 12, 30
    pairs = uniform_pairs(m, mp, rng)
    net = build_pairwise_and(pairs, m, 24, 3, rng)  # narrow enough to make mistakes
    wrong = 0
    for k in range(1, s_max + 1):
        for row in itertools.combinations(range(m), k):
            got = set(net.predict(np.array([row]))[0].tolist()) if k else set()
            wrong += len(got ^ truth(pairs, row))
    c = certify_small_inputs(net, pairs, s_max)
    assert c.wrong_bits == wrong
    assert c.inputs == sum(len(list(itertools.combinations(range(m), k))) for k in range(s_max + 1))


def test_the_certifier_certifies_a_generous_network_and_reports_its_margin(strong):
    m, pairs, net = strong
    c = certify_small_inputs(net, pairs, 2)
    assert c.certified and c.margin > 0 and c.worst_input is None
    assert c.max_false < net.tau < c.min_true


def test_the_certifier_refuses_an_enumeration_that_is_too_large(strong):
    _, pairs, net = strong
    with pytest.raises(ValueError, match=r"^s_max = 4 on m = 40"):
        certify_small_inputs(net, pairs, 4, max_inputs=1000)


def test_wrong_bits_of_the_export_equal_the_network_verifier():
    from superposition.pairwise_and import count_wrong_bits, mixed_inputs

    rng = np.random.default_rng(7)
    pairs = uniform_pairs(50, 300, rng)
    net = build_pairwise_and(pairs, 50, 120, 4, rng)
    active, _ = mixed_inputs(pairs, 50, 4, 20, rng)
    r = mlp_wrong_bits(net, pairs, active)
    v = count_wrong_bits(net, active)
    np.testing.assert_array_equal(r["wrong"], v.wrong)
    assert v.wrong.sum() > 0
    np.testing.assert_allclose(r["max_false"], v.max_false, rtol=1e-4, atol=1e-5)


def test_guarantee_labels_follow_the_evidence(strong):
    m, pairs, net = strong
    r = attack_outputs(net, pairs, np.arange(5), 3, 0, restarts=1, sweeps=0, candidates=4)
    assert guarantee_label(s=3, certified_s=3) == GUARANTEES[0]
    assert guarantee_label(s=3, certified_s=2, attack=r).startswith(GUARANTEES[1])
    assert guarantee_label(s=3, attack=r).startswith(GUARANTEES[2]) and "5 targets" in guarantee_label(s=3, attack=r)
    assert guarantee_label(s=3) == GUARANTEES[3]


@pytest.mark.parametrize(
    "kw, name", [(dict(s=1), "s"), (dict(restarts=0), "restarts"), (dict(targets=[99]), "targets")]
)
def test_bad_attack_arguments_name_the_parameter(strong, kw, name):
    m, pairs, net = strong
    args = dict(targets=[0], s=3, rng=0) | kw
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        attack_outputs(net, pairs, args.pop("targets"), args.pop("s"), args.pop("rng"), **args)


def test_the_attack_uses_the_design_sparsity_of_the_network_by_default(strong):
    m, pairs, net = strong
    r = attack_outputs(net, pairs, [0, 1], None, 0, restarts=1, sweeps=0, candidates=4)
    assert r.best_input.shape == (2, net.s)
    with pytest.raises(ValueError, match=r"^s must be given"):
        attack_outputs(net.as_mlp(), pairs, [0], None, 0)
