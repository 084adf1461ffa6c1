"""Holdout metrics reported in each manifest."""
import numpy as np
from sklearn.metrics import log_loss, roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |observed rate - mean prediction| over equal-width probability bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return total / len(y)


def metrics(y: np.ndarray, p: np.ndarray) -> dict:
    p64 = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return {
        "auc": round(float(roc_auc_score(y, p64)), 6),
        "log_loss": round(float(log_loss(y, p64)), 6),
        "calibration_error": round(expected_calibration_error(y, p64), 6),
    }
