"""Which rows train and which are held out to measure the model."""
import numpy as np


class SplitError(Exception):
    """The table cannot be split as asked; the message says why, for the person training."""


def split_by_lead(groups: np.ndarray, seed: int, fraction: float):
    """Synthetic tables: a random fraction of leads is held out; all rows of a lead are on the same side."""
    unique = np.unique(groups)
    rng = np.random.RandomState(seed)
    held = set(rng.permutation(unique)[: int(len(unique) * fraction)].tolist())
    test = np.array([g in held for g in groups])
    return ~test, test


def split_by_time(times: np.ndarray, fraction: float):
    """
    Tables from the user's history: the newest `fraction` of rows by event time is held out, so the
    model is measured on what happened after what it learned from, as it will be used. The cut is
    the time of the first held-out row in time order; every row at or after it is held out (rows
    at the cut time all on the same side, so the holdout may be a little larger than the fraction).
    A lead's older rows may train while its newer ones are held out: it is a split in time, not
    by lead. Returns (train mask, holdout mask, cut time).
    """
    n = len(times)
    if n == 0:
        raise SplitError("the table has no rows")
    if not np.all(np.isfinite(times)):
        raise SplitError("times.npy holds times that are not finite numbers")
    ordered = np.sort(times, kind="stable")
    first_held = n - int(round(n * fraction))
    if first_held <= 0 or first_held >= n:
        raise SplitError(f"a holdout fraction of {fraction} of {n} rows leaves no rows on one side")
    cut = float(ordered[first_held])
    test = times >= cut
    if test.all():
        raise SplitError(f"every row has the event time of the cut ({cut:.0f}); there is nothing older to train on")
    return ~test, test, cut
