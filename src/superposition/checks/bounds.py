"""Exercise checks for the chapter backed by :mod:`superposition.bounds`."""

__all__: list[str] = []
