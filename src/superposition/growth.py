"""Growth laws compared honestly: least squares on log y, bootstrap intervals, leave-one-out errors.

A sweep gives a width ``y`` (neurons) at a handful of sizes ``x`` (features, outputs).  Several growth laws
usually fit such a series about equally well; before a chapter names one, it compares them side by side:

- every law is fitted by least squares on ``log y`` (relative errors; a width series spans decades);
- the **leave-one-out** error refits without each point and predicts it, which punishes a law that bends
  to fit the points it has; laws are ranked by it;
- the **bootstrap** resamples the points with replacement and refits, giving percentile intervals for
  the parameters and for the prediction at a size ``x_at`` (where the laws would separate);
- **local exponents** d log y / d log x between neighbouring points show whether the slope still drifts.

Example
-------
>>> import numpy as np
>>> x = np.array([1e3, 3e3, 1e4, 3e4, 1e5])
>>> y = 2.0 * np.sqrt(x)
>>> fits = compare_laws(x, y, [power_law(), scaled_law("a√x", r"a\\sqrt{x}", np.sqrt)], n_boot=200)
>>> sorted((f.name, [round(v, 6) for v in f.params]) for f in fits)
[('a·x^b', [2.0, 0.5]), ('a√x', [2.0])]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from ._validate import as_int

__all__ = [
    "Law",
    "LawFit",
    "power_law",
    "scaled_law",
    "affine_power_law",
    "compare_laws",
    "compare_table",
    "local_exponents",
]


@dataclass(frozen=True)
class Law:
    """A growth law ``y = func(x, *params)``, fitted on log y starting from ``p0``.

    ``formula`` is LaTeX for captions and tables; ``name`` is plain text.  ``positive`` lists the
    indices of parameters that must stay positive (they are fitted on a log scale); ``start(x, y)``, if
    given, returns a data-driven starting point instead of ``p0``.
    """

    name: str
    formula: str
    func: Callable[..., np.ndarray]
    p0: tuple[float, ...]
    positive: tuple[int, ...] = ()
    start: Callable[[np.ndarray, np.ndarray], tuple[float, ...]] | None = field(default=None, compare=False)

    @property
    def n_params(self) -> int:
        return len(self.p0)


def power_law() -> Law:
    """y = a·x^b with a free exponent b (the law every other one is a special case of, locally)."""

    def start(x, y):
        # log y = log a + b log x is linear: the least-squares fit on log y is this regression, exactly.
        b, loga = np.polyfit(np.log(x), np.log(y), 1)
        return float(np.exp(loga)), float(b)

    return Law("a·x^b", r"a\,x^{b}", lambda x, a, b: a * x**b, (1.0, 0.5), positive=(0,), start=start)


def scaled_law(name: str, formula: str, g: Callable[[np.ndarray], np.ndarray]) -> Law:
    """y = a·g(x) with one free scale a > 0, e.g. ``scaled_law("a√x", r"a\\sqrt{x}", np.sqrt)``."""
    if not callable(g):
        raise TypeError(f"g must be a function of x, got {type(g).__name__}")
    return Law(name, formula, lambda x, a: a * g(x), (1.0,), positive=(0,))


def affine_power_law(gamma: float) -> Law:
    """y = (a·x + b)^(1/γ): y^γ grows affinely in x (an offset b, then slope a)."""
    gamma = float(gamma)
    if not np.isfinite(gamma) or gamma <= 0:
        raise ValueError(f"gamma must be a positive finite number, got {gamma}")

    def func(x, a, b):
        # Clipped so that a trial (a, b) with a x + b ≤ 0 gives a huge error rather than NaN.
        return np.maximum(a * x + b, 1e-300) ** (1.0 / gamma)

    def start(x, y):
        # y^γ = a x + b is linear in (a, b); its least-squares line starts the fit on log y.
        a, b = np.polyfit(x, y**gamma, 1)
        return (float(a), float(b)) if a > 0 else (float(np.mean(y**gamma / x)), 0.0)

    g = f"{gamma:g}"
    return Law(f"(a·x + b)^(1/{g})", rf"(a\,x+b)^{{1/{g}}}", func, (1.0, 0.0), positive=(0,), start=start)


@dataclass
class LawFit:
    """One law fitted to one series (see :func:`compare_laws`)."""

    law: Law
    params: tuple[float, ...]
    params_ci: list[tuple[float, float]]
    rms_log: float
    loo_rms_log: float
    aicc: float
    at: float | None = None
    at_ci: tuple[float, float] | None = None
    boot_failures: int = 0
    _x: np.ndarray = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.law.name

    @property
    def formula(self) -> str:
        return self.law.formula

    def predict(self, x) -> np.ndarray:
        """The fitted law at ``x`` (array-like of sizes)."""
        return self.law.func(np.asarray(x, dtype=float), *self.params)


def _validate_series(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"x and y must be 1-d arrays of the same length, got shapes {x.shape} and {y.shape}")
    if x.size < 3:
        raise ValueError(f"x and y need at least 3 points to compare laws, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(x > 0)):
        raise ValueError("x must hold positive finite sizes")
    if not (np.all(np.isfinite(y)) and np.all(y > 0)):
        raise ValueError("y must hold positive finite values (it is fitted on a log scale)")
    return x, y


def _fit(law: Law, x: np.ndarray, logy: np.ndarray, p0) -> np.ndarray | None:
    """Least squares of log y on log func(x, params); positive params live on a log scale."""
    pos = np.zeros(law.n_params, dtype=bool)
    pos[list(law.positive)] = True
    p0 = np.asarray(p0, dtype=float).copy()
    p0[pos] = np.log(np.maximum(p0[pos], 1e-300))

    def unpack(z):
        p = z.copy()
        p[pos] = np.exp(z[pos])
        return p

    def resid(z):
        with np.errstate(all="ignore"):
            r = np.log(law.func(x, *unpack(z))) - logy
        return np.where(np.isfinite(r), r, 1e6)

    if law.n_params == 1 and law.positive == (0,):
        # y = a·g(x): log a is the mean log residual at a = 1, in closed form.
        with np.errstate(all="ignore"):
            r = np.log(law.func(x, 1.0)) - logy
        if not np.all(np.isfinite(r)):
            return None
        return np.array([np.exp(-r.mean())])
    try:
        sol = least_squares(resid, p0, method="lm" if x.size > law.n_params else "trf", max_nfev=2000)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(sol.x)):
        return None
    return unpack(sol.x)


def _start(law: Law, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The law's own data-driven start, else ``p0`` with the scale matched at the middle of the series."""
    if law.start is not None:
        return np.asarray(law.start(x, y), dtype=float)
    p0 = np.asarray(law.p0, dtype=float).copy()
    xm, ym = np.exp(np.log(x).mean()), np.exp(np.log(y).mean())
    with np.errstate(all="ignore"):
        v = law.func(np.array([xm]), *p0)[0]
    if 0 in law.positive and np.isfinite(v) and v > 0:
        p0[0] *= ym / v
    return p0


def compare_laws(
    x,
    y,
    laws: Sequence[Law],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    x_at: float | None = None,
    level: float = 0.95,
) -> list[LawFit]:
    """Fit every law in ``laws`` to the series (x, y) and rank them by leave-one-out error.

    Parameters
    ----------
    x, y : (k,) arrays of positive floats, k ≥ 3 (sizes and measured widths).
    laws : the candidate laws (:func:`power_law`, :func:`scaled_law`, :func:`affine_power_law`, or any
        :class:`Law`).
    n_boot : bootstrap resamples of the k points (with replacement); 0 skips the intervals.
    seed : seed of the bootstrap's generator, so the intervals are reproducible.
    x_at : a size at which to predict each law with its bootstrap interval (where the laws separate).
    level : coverage of the percentile intervals.

    Returns
    -------
    list of :class:`LawFit`, best leave-one-out RMS of log errors first.  ``rms_log`` is the in-sample
    RMS of log residuals; ``aicc`` = k ln(RSS/k) + 2p + 2p(p+1)/(k − p − 1) (infinite when k ≤ p + 1).
    A resample whose fit fails (a degenerate draw) is counted in ``boot_failures`` and left out.
    """
    x, y = _validate_series(x, y)
    if not laws:
        raise ValueError("laws must name at least one Law, got an empty list")
    for law in laws:
        if not isinstance(law, Law):
            raise TypeError(f"laws must hold Law objects, got {type(law).__name__}")
    n_boot = as_int("n_boot", n_boot, min_value=0)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if x_at is not None and not (np.isfinite(x_at) and x_at > 0):
        raise ValueError(f"x_at must be a positive size, got {x_at}")
    logy = np.log(y)
    k = x.size
    rng = np.random.default_rng(seed)
    boot_idx = rng.integers(0, k, (n_boot, k))
    alpha = (1 - level) / 2
    fits = []
    for law in laws:
        p = _fit(law, x, logy, _start(law, x, y))
        if p is None:
            raise ValueError(f"the law {law.name} could not be fitted to this series")
        r = np.log(law.func(x, *p)) - logy
        rss = float(r @ r)
        q = law.n_params
        aicc = k * np.log(max(rss, 1e-300) / k) + 2 * q
        aicc = aicc + 2 * q * (q + 1) / (k - q - 1) if k > q + 1 else np.inf
        loo = []
        for i in range(k):  # k is a handful of sweep points: one refit each
            keep = np.arange(k) != i
            pi = _fit(law, x[keep], logy[keep], p)
            loo.append(np.inf if pi is None else float(np.log(law.func(x[i : i + 1], *pi))[0] - logy[i]))
        loo = np.array(loo)
        boots, at_boot, failures = [], [], 0
        for idx in boot_idx:  # n_boot refits of a k-point series: cheap, and a fit is not vectorisable
            if np.unique(x[idx]).size < q + 1:
                failures += 1
                continue
            pb = _fit(law, x[idx], logy[idx], p)
            if pb is None:
                failures += 1
                continue
            boots.append(pb)
            if x_at is not None:
                at_boot.append(float(law.func(np.array([x_at]), *pb)[0]))
        if boots:
            B = np.array(boots)
            ci = [(float(lo), float(hi)) for lo, hi in zip(*np.quantile(B, [alpha, 1 - alpha], axis=0))]
        else:
            ci = [(np.nan, np.nan)] * q
        at = None if x_at is None else float(law.func(np.array([x_at]), *p)[0])
        at_ci = None
        if x_at is not None and at_boot:
            lo, hi = np.quantile(at_boot, [alpha, 1 - alpha])
            at_ci = (float(lo), float(hi))
        fits.append(
            LawFit(
                law=law,
                params=tuple(float(v) for v in p),
                params_ci=ci,
                rms_log=float(np.sqrt(rss / k)),
                loo_rms_log=float(np.sqrt(np.mean(loo**2))),
                aicc=float(aicc),
                at=at,
                at_ci=at_ci,
                boot_failures=failures,
                _x=x,
            )
        )
    return sorted(fits, key=lambda f: f.loo_rms_log)


def compare_table(fits: Sequence[LawFit], digits: int = 3) -> list[dict]:
    """Rows for printing or glue: law, parameters with intervals, errors, prediction at ``x_at``."""
    rows = []
    for f in fits:
        row = {
            "law": f.name,
            "params": [round(v, digits) if abs(v) >= 1 else float(f"{v:.{digits}g}") for v in f.params],
            "params_ci": [(float(f"{lo:.{digits}g}"), float(f"{hi:.{digits}g}")) for lo, hi in f.params_ci],
            "rms_log": round(f.rms_log, 4),
            "loo_rms_log": round(f.loo_rms_log, 4),
            "aicc": round(f.aicc, 2) if np.isfinite(f.aicc) else None,
        }
        if f.at is not None:
            row["at"] = float(f"{f.at:.{digits}g}")
            row["at_ci"] = None if f.at_ci is None else tuple(float(f"{v:.{digits}g}") for v in f.at_ci)
        rows.append(row)
    return rows


def local_exponents(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Slopes of log y against log x between neighbouring points (x sorted ascending).

    Returns ``(x_mid, k)``: the geometric midpoints √(x_i x_{i+1}) and
    k_i = (log y_{i+1} − log y_i) / (log x_{i+1} − log x_i).  Repeated sizes are not allowed.
    """
    x, y = _validate_series(x, y) if np.asarray(x).size >= 3 else (np.asarray(x, float), np.asarray(y, float))
    if x.size < 2 or x.shape != y.shape or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive arrays of the same length, at least 2 points")
    order = np.argsort(x)
    x, y = x[order], y[order]
    if np.any(np.diff(x) == 0):
        raise ValueError("x must not repeat a size (local exponents need distinct sizes)")
    lx, ly = np.log(x), np.log(y)
    return np.exp((lx[1:] + lx[:-1]) / 2), np.diff(ly) / np.diff(lx)
