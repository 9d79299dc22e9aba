"""Exercise checks for every chapter, in one place.

Students call them from the notebooks, e.g. ``check_jl_min_dim(my_jl_min_dim)``.
Each check compares the student's function with the book's reference kernel on
fixed, seeded, small cases and, on a mismatch, names the likely mistake.
The shared machinery lives in :mod:`superposition.checks._core`; the checks of
each chapter live in the submodule named after that chapter's kernel module.
"""

from . import bounds, deep, pairwise_and, representation, uand
from ._core import CheckFailed, CheckPassed, Mistake, check_against_reference
from .bounds import *  # noqa: F401,F403
from .deep import *  # noqa: F401,F403
from .pairwise_and import *  # noqa: F401,F403
from .representation import *  # noqa: F401,F403
from .uand import *  # noqa: F401,F403

__all__ = ["CheckFailed", "CheckPassed", "Mistake", "check_against_reference"]
for _chapter in (representation, uand, bounds, pairwise_and, deep):
    __all__ += list(_chapter.__all__)
