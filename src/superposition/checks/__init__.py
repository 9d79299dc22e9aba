"""Exercise checks for every chapter, in one place.

Students call them from the notebooks, e.g. ``check_jl_min_dim(my_jl_min_dim)``.
Each check compares the student's function with the book's reference kernel on
fixed, seeded, small cases and, on a mismatch, names the likely mistake.
The shared machinery lives in :mod:`superposition.checks._core`; the checks of
each chapter live in the submodule named after that chapter's kernel module.
"""

from ._core import CheckFailed, CheckPassed, Mistake, check_against_reference

__all__ = ["CheckFailed", "CheckPassed", "Mistake", "check_against_reference"]
