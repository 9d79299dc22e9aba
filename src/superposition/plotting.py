"""One figure style for the whole book.

Figures are drawn on an opaque white background so that they stay legible when
a reader switches the site to dark mode (a transparent figure would put black
axis labels on a dark page).  Colours come from the colour-blind-safe Okabe–Ito
palette.
"""

from __future__ import annotations

import matplotlib as mpl

__all__ = ["OKABE_ITO", "use_book_style"]

#: Okabe & Ito's colour-blind-safe palette (black first for reference lines).
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)


def use_book_style() -> None:
    """Set matplotlib defaults used by every chapter (call once per notebook)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "axes.facecolor": "white",
            "axes.edgecolor": "#333333",
            "axes.labelcolor": "#111111",
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
            "legend.frameon": True,
            "legend.framealpha": 0.9,
            "text.color": "#111111",
            "xtick.color": "#333333",
            "ytick.color": "#333333",
            "font.size": 10,
        }
    )
