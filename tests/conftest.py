"""Test-wide configuration.

Hypothesis profiles (choose one with ``HYPOTHESIS_PROFILE=name``):

- ``ci`` (the default, used by ``make test`` and CI): derandomized, so every run draws the same examples and a
  result never depends on luck; the example database is off, so a fresh clone and a working checkout agree.
- ``dev``: random examples, as Hypothesis intends, to hunt for new failures locally
  (``HYPOTHESIS_PROFILE=dev make unit``); a failure prints the ``@reproduce_failure`` blob to pin it.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
