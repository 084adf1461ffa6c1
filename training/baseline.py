"""The version a new one must not be worse than: the one the registry serves today (under the
`latest` policy, the highest x.y.z directory with a manifest), scored on the new holdout rows."""
import hashlib
import json
import os
import re

import numpy as np

from metrics import metrics
from onnx_tools import session

# The registry serves only x.y.z directories (src/registry/discover.ts); others are not versions.
VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def is_version(name: str) -> bool:
    return bool(VERSION.match(name))


def version_key(version: str) -> tuple:
    return tuple(int(p) for p in version.split("."))


def served_version(root: str, name: str, exclude: str):
    """The highest version of `name` under `root` that has a manifest, other than `exclude`; None if none."""
    d = os.path.join(root, name)
    if not os.path.isdir(d):
        return None
    versions = [v for v in os.listdir(d) if is_version(v) and v != exclude and os.path.isfile(os.path.join(d, v, "manifest.json"))]
    return max(versions, key=version_key, default=None)


def feature_difference(served: list, table: list):
    """Why the served version's features are not the table's, or None when they are the same."""
    if served == table:
        return None
    for i in range(max(len(served), len(table))):
        a = served[i] if i < len(served) else None
        b = table[i] if i < len(table) else None
        if a != b:
            an = a.get("name") if isinstance(a, dict) else a
            bn = b.get("name") if isinstance(b, dict) else b
            if an == bn:
                return f"feature #{i} ({an}) is described differently (dtype, range or doc)"
            return f"first difference at feature #{i}: served {an or 'none'}, table {bn or 'none'}"
    return "the feature lists differ"


def evaluate(root: str, name: str, version: str, features: list, x: np.ndarray, y: np.ndarray) -> dict:
    """
    {"version", "auc", "log_loss", "calibration_error"} of the version's fp32 model on (x, y), or
    {"version", "skipped": why} when it cannot be compared fairly (other features, a model file
    that does not match its manifest, a manifest that cannot be read).
    """
    d = os.path.join(root, name, version)
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            manifest = json.load(f)
        why = feature_difference(manifest.get("features"), features) if isinstance(manifest.get("features"), list) else "its manifest lists no features"
        if why:
            return {"version": version, "skipped": f"it was trained on other features than the table's ({why})"}
        with open(os.path.join(d, "model.onnx"), "rb") as f:
            model = f.read()
        expected = manifest.get("files", {}).get("model.onnx", {}).get("sha256")
        if hashlib.sha256(model).hexdigest() != expected:
            return {"version": version, "skipped": "its model.onnx does not match the SHA-256 in its manifest (the registry would not serve it)"}
        inputs, outputs = manifest["inputs"][0], manifest["outputs"][0]
        column = int(outputs.get("score_column", 1))
        s = session(model)
        rows = x.astype(np.float32)
        scores = np.concatenate([s.run([outputs["name"]], {inputs["name"]: rows[i : i + 4096]})[0][:, column] for i in range(0, len(rows), 4096)])
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
        return {"version": version, "skipped": f"it could not be read or scored ({type(err).__name__}: {err})"}
    except Exception as err:  # onnxruntime raises its own exception types for a model it cannot load or run
        return {"version": version, "skipped": f"it could not be scored ({type(err).__name__}: {err})"}
    return {"version": version, **metrics(y, scores.astype(np.float32))}
