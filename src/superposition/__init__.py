"""Kernels behind the executable textbook *Computation in Superposition*.

One module per idea, named after it; each chapter of the book imports its
kernels from here and never keeps a second copy of them.

The public kernels are available at the top level (``superposition.jl_min_dim``,
``superposition.build_uand`` ...). They are loaded lazily, on first use, so
``import superposition`` stays cheap and needs only the standard library. A name
defined by two chapter modules (``width_grid``, ``smallest_exact_bits``) is reached through its module:
``superposition.uand.width_grid``, ``superposition.pairwise_and.width_grid``. Chapter 5 (``superposition.deep``)
and the distributed verification (``superposition.distributed``) are reached as modules.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> the module that defines it, by chapter. tests/test_package.py checks that this table
# agrees with each module's ``__all__`` and with the API reference page (book/api.md).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "representation": (
        "EMBEDDING_KINDS", "jl_min_dim", "jl_distortion", "almost_orthogonal_dim", "random_coherence_scale",
        "welch_bound", "random_embedding", "predicted_coherence", "max_coherence", "pairwise_distortion",
        "sample_active_sets", "readout", "interference", "threshold_decode", "recovery_error_rate",
        "predicted_interference_std", "predicted_recovery_error", "plot_representation_explorer",
        "representation_explorer", "chirp_code", "polarization_errors", "worst_interference",
    ),
    "uand": (
        "UAndNetwork", "UAndErrorReport", "TouchingReadouts", "TargetedAndNetwork", "build_uand", "centred_offset",
        "clean_max_error", "tolerated_noise_std",
        "build_targeted_and", "coverage_for_p", "p_for_coverage", "sample_active", "sparse_code_embedding",
        "uand_preactivation", "uand_hidden", "uand_readout", "uand_touching_readouts", "uand_error",
        "uand_sampled_neither", "predicted_mean_errors", "predicted_noise_std", "predicted_superposed_mean_errors",
        "rectified_bias", "best_linear_and", "targeted_readout", "targeted_error", "plant_gates",
        "smallest_working_width", "evaluate_width", "plot_error_histograms",
    ),
    "bounds": (
        "log2_permutations", "log2_pair_families", "stirling_log2_permutations", "approx_log2_pair_families",
        "min_parameters", "min_neurons", "max_features", "sparse_domain", "OneLayerEnumeration", "enumerate_one_layer",
        "count_functions", "count_realised", "pair_family_targets", "PairAndNetwork", "superposed_pair_and_network",
        "quantize", "pair_and_margin", "min_exact_bits", "sufficient_bits", "plot_bounds_explorer", "min_total_neurons",
        "log2_tolerant_pair_bound", "zero_network_error_bound", "TwoLayerMLP", "DecodeResult", "as_two_layer",
        "round_per_tensor", "sparse_active_sets", "decode_margins", "fixed_readout_permutations",
    ),
    "pairwise_and": (
        "PairwiseANDNetwork", "build_pairwise_and", "validate_pairs", "validate_active", "uniform_pairs",
        "chung_lu_pairs", "uniform_inputs", "planted_inputs", "greedy_matching", "hub_inputs", "mixed_inputs",
        "true_outputs", "count_wrong_bits", "validate_mlp", "mlp_forward", "predict_mlp", "round_weights",
        "mlp_output_values", "smallest_width", "naive_and_neurons", "VerifyResult", "orient_pairs", "output_ids",
        "expected_true_outputs", "co_occurrence_tail", "co_occurrence_width", "plot_readout_margins",
        "near_miss_inputs", "INPUT_KINDS", "hub_block_cost", "hub_cost_model", "WidthTooSmall",
    ),
    "adversary": (
        "AttackResult", "attack_outputs", "mlp_wrong_bits", "certify_small_inputs", "CertifyResult", "guarantee_label",
        "GUARANTEES", "greedy_cover",
    ),
    "growth": (
        "Law", "LawFit", "power_law", "scaled_law", "affine_power_law", "compare_laws", "compare_table",
        "local_exponents",
    ),
}
_SUBMODULES = ("representation", "uand", "bounds", "pairwise_and", "adversary", "growth", "deep", "distributed",
               "checks", "plotting", "sweeps")
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [*_SUBMODULES, *_HOME]


def __getattr__(name: str) -> Any:
    """Import a submodule or a public kernel on first access (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _HOME:
        value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
