"""Exercise checks for the chapter backed by :mod:`superposition.uand`."""

__all__: list[str] = []
