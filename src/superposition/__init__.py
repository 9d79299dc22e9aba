"""Kernels behind the executable textbook *Computation in Superposition*.

One module per idea, named after it; each chapter of the book imports its
kernels from here and never keeps a second copy of them.
"""

__version__ = "0.1.0"
