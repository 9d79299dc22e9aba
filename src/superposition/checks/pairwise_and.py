"""Exercise checks for the chapter backed by :mod:`superposition.pairwise_and`."""

__all__: list[str] = []
