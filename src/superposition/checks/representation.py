"""Exercise checks for the chapter backed by :mod:`superposition.representation`."""

__all__: list[str] = []
