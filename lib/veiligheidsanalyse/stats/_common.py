"""Small helpers shared by the stats modules (array in, scalar out where a scalar came in)."""

from __future__ import annotations

import numpy as np


def as_float(values) -> np.ndarray:
    """Values as a float array; ``None`` and pandas NA become NaN (unknown stays unknown)."""
    if values is None:
        return np.array(np.nan)
    try:
        return np.asarray(values, dtype=float)
    except TypeError:  # object arrays holding None or pandas.NA
        arr = np.asarray(values, dtype=object)
        flat = [np.nan if _is_na(v) else float(v) for v in arr.ravel()]
        return np.asarray(flat, dtype=float).reshape(arr.shape)


def _is_na(value) -> bool:
    # pandas.NA is recognised by type name so this module does not need to import pandas
    return value is None or type(value).__name__ == "NAType"


def unwrap(values):
    """A 0-d array becomes a plain Python scalar, so scalar calls give scalar results."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        item = arr.item()
        return float(item) if isinstance(item, (int, float, np.floating, np.integer)) else item
    return arr


def check_conf(conf: float) -> float:
    """Confidence level as a fraction strictly between 0 and 1 (0.95, not 95)."""
    conf = float(conf)
    if not 0.0 < conf < 1.0:
        raise ValueError(f"conf must be a fraction between 0 and 1 (e.g. 0.95), got {conf!r}")
    return conf


def z_two_sided(conf: float) -> float:
    """Standard-normal quantile for a two-sided interval: 1.959964 for 0.95."""
    from scipy.special import ndtri

    return float(ndtri(1.0 - (1.0 - check_conf(conf)) / 2.0))
