"""Trains lead_scorer, churn_predictor and property_matcher from the tables that
`scorestream features export` writes, exports ONNX (fp32 and dynamic INT8), and writes
models/<name>/<version>/ with a manifest, the manifest's SHA-256 beside it (manifest.json.sha256),
reference rows with their scores (checked by the registry before it serves the version), plus a
parity fixture for the Node test.

    training/train.sh --data training/data --models models --version 1.0.0 [--seed 42] [--check]

--check trains into a temporary directory and compares with the committed models: metrics must
match exactly; byte differences in any file of the version are reported.
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnxruntime
import skl2onnx
import sklearn
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from metrics import metrics
from onnx_tools import INPUT_NAME, OUTPUT_NAME, OPSET, op_types, quantize_int8, scores, to_onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HYPERPARAMETERS = {
    "lead_scorer": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
    "churn_predictor": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
    "property_matcher": {"hidden_layer_sizes": [32, 16], "alpha": 1e-4, "batch_size": 512, "max_iter": 40},
}
# Later versions: what changed, per model. 1.1.0 retrains lead_scorer wider and less regularized,
# the second version the replay and hot-swap tests and the demo upgrade to.
RELEASES = {
    "1.0.0": {name: {} for name in HYPERPARAMETERS},
    "1.1.0": {"lead_scorer": {"hidden_layer_sizes": [128, 64], "alpha": 1e-4, "max_iter": 120}},
}
HOLDOUT_FRACTION = 0.2
INT8_AUC_TOLERANCE = 0.005
PARITY_ROWS = 1000
# Holdout rows shipped with each version, with the scores of both precisions: the registry scores
# them before serving the version and refuses it when a score is not a probability or differs.
REFERENCE_ROWS = 256
REFERENCE_FILES = {"rows": "reference-rows.npy", "fp32": "reference-scores.fp32.npy", "int8": "reference-scores.int8.npy"}
MANIFEST_DIGEST = "manifest.json.sha256"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_npy(path: str, array: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def split(groups: np.ndarray, seed: int):
    """Holdout by lead: all rows of a lead are on the same side."""
    unique = np.unique(groups)
    rng = np.random.RandomState(seed)
    held = set(rng.permutation(unique)[: int(len(unique) * HOLDOUT_FRACTION)].tolist())
    test = np.array([g in held for g in groups])
    return ~test, test


def train_one(name: str, data_dir: str, models_dir: str, fixtures_dir: str, version: str, seed: int) -> dict:
    d = os.path.join(data_dir, name)
    x, y = np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "y.npy"))
    p_true, groups = np.load(os.path.join(d, "p_true.npy")), np.load(os.path.join(d, "groups.npy"))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    train, test = split(groups, seed)
    hp = {**HYPERPARAMETERS[name], **RELEASES[version].get(name, {})}
    pipeline = Pipeline([
        ("scale", StandardScaler()),
        ("mlp", MLPClassifier(
            hidden_layer_sizes=tuple(hp["hidden_layer_sizes"]), activation="relu", solver="adam", alpha=hp["alpha"],
            batch_size=hp["batch_size"], learning_rate_init=1e-3, max_iter=hp["max_iter"], early_stopping=True,
            validation_fraction=0.1, n_iter_no_change=8, random_state=seed,
        )),
    ])
    pipeline.fit(x[train], y[train].astype(np.int64))

    fp32 = to_onnx(pipeline, x.shape[1])
    int8 = quantize_int8(fp32)
    x_test, y_test, p_test = x[test], y[test], p_true[test]
    s32, s8 = scores(fp32, x_test), scores(int8, x_test)
    # Dynamic INT8 quantizes activations with a scale computed over the whole batch, so a row's
    # score depends on its batch-mates; measured here so that serving can decide knowingly.
    probe = x_test[:256]
    one_by_one = np.concatenate([scores(int8, probe[i : i + 1]) for i in range(len(probe))])
    batch_dependence = float(np.max(np.abs(one_by_one - scores(int8, probe, batch=len(probe)))))

    m32, m8, mtrue = metrics(y_test, s32), metrics(y_test, s8), metrics(y_test, p_test)
    # The int8 reference scores are of the reference rows as one batch: the registry scores them
    # the same way, so that dynamic quantization sees the same batch.
    x_ref = x_test[:REFERENCE_ROWS].astype(np.float32)
    ref32, ref8 = scores(fp32, x_ref), scores(int8, x_ref, batch=REFERENCE_ROWS)
    for label, s in (("fp32", ref32), ("int8", ref8)):
        if not (np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))):
            raise SystemExit(f"train: {name} {version} {label} scores on the reference rows are not all probabilities")
    reference = {
        REFERENCE_FILES["rows"]: (npy_bytes(x_ref), "fp32"),
        REFERENCE_FILES["fp32"]: (npy_bytes(ref32), "fp32"),
        REFERENCE_FILES["int8"]: (npy_bytes(ref8), "int8-dynamic"),
    }
    out = os.path.join(models_dir, name, version)
    os.makedirs(out, exist_ok=True)
    for file, data in (("model.onnx", fp32), ("model.int8.onnx", int8), *((f, d) for f, (d, _) in reference.items())):
        with open(os.path.join(out, file), "wb") as f:
            f.write(data)
    manifest = {
        "name": name,
        "version": version,
        "task": meta.get("task", "binary_classification"),
        "inputs": [{"name": INPUT_NAME, "dtype": "float32", "shape": [None, int(x.shape[1])]}],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": [None, 2], "score_column": 1}],
        "features": meta["features"],
        "files": {
            "model.onnx": {"sha256": sha256(fp32), "bytes": len(fp32), "precision": "fp32", "ops": op_types(fp32)},
            "model.int8.onnx": {"sha256": sha256(int8), "bytes": len(int8), "precision": "int8-dynamic", "ops": op_types(int8)},
            **{f: {"sha256": sha256(d), "bytes": len(d), "precision": p} for f, (d, p) in reference.items()},
        },
        "reference": {
            "rows": REFERENCE_FILES["rows"],
            "count": int(len(x_ref)),
            "scores": {"fp32": REFERENCE_FILES["fp32"], "int8": REFERENCE_FILES["int8"]},
            "doc": "the first holdout rows and their scores as training computed them (int8: the rows as one batch)",
        },
        "metrics": {
            "holdout_rows": int(test.sum()),
            "holdout_positive_rate": round(float(y_test.mean()), 6),
            "fp32": m32,
            "int8": m8,
            "true_probability": mtrue,
            "auc_gap_to_true": round(mtrue["auc"] - m32["auc"], 6),
            "int8_auc_delta": round(m8["auc"] - m32["auc"], 6),
            "int8_within_tolerance": bool(abs(m8["auc"] - m32["auc"]) <= INT8_AUC_TOLERANCE),
            "int8_tolerance": INT8_AUC_TOLERANCE,
            "int8_batch_dependence_max_abs": round(batch_dependence, 8),
        },
        "data": {"sha256": meta["dataSha256"], "rows": meta["rows"], "leads": meta["leads"], "seed": meta["seed"], "generator": "scorestream features export"},
        "training": {
            "seed": seed,
            "holdout_fraction": HOLDOUT_FRACTION,
            "model": "StandardScaler + MLPClassifier (relu, adam, early stopping)",
            "hyperparameters": hp,
            "epochs_run": int(pipeline.named_steps["mlp"].n_iter_),
            "opset": OPSET,
            "libraries": {"scikit-learn": sklearn.__version__, "skl2onnx": skl2onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__},
        },
    }
    text = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    with open(os.path.join(out, "manifest.json"), "wb") as f:
        f.write(text)
    # The manifest's own digest, in sha256sum format: the registry refuses a version whose
    # manifest (score column, features, file digests) was changed after training.
    with open(os.path.join(out, MANIFEST_DIGEST), "w") as f:
        f.write(f"{sha256(text)}  manifest.json\n")
    fx = os.path.join(fixtures_dir, name, version)
    save_npy(os.path.join(fx, "X.npy"), x_test[:PARITY_ROWS].astype(np.float32))
    save_npy(os.path.join(fx, "fp32.npy"), s32[:PARITY_ROWS])
    save_npy(os.path.join(fx, "int8.npy"), scores(int8, x_test[:PARITY_ROWS], batch=PARITY_ROWS))
    return manifest


def same_file(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except FileNotFoundError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "training", "data"))
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "test", "fixtures", "parity"))
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--only", nargs="*", default=None, help="models to train (default: those the release changes)")
    ap.add_argument("--check", action="store_true", help="train into a temp dir and compare with --models")
    args = ap.parse_args()

    target = tempfile.mkdtemp(prefix="scorestream-train-") if args.check else args.models
    fixtures = os.path.join(target, "_fixtures") if args.check else args.fixtures
    failures = 0
    try:
        if args.version not in RELEASES:
            print(f"train: unknown version {args.version}; known: {', '.join(RELEASES)}", file=sys.stderr)
            return 2
        for name in args.only if args.only is not None else list(RELEASES[args.version]):
            m = train_one(name, args.data, target, fixtures, args.version, args.seed)
            mm = m["metrics"]
            print(f"{name:17} AUC fp32 {mm['fp32']['auc']:.4f}  int8 {mm['int8']['auc']:.4f}  true {mm['true_probability']['auc']:.4f}"
                  f"  gap {mm['auc_gap_to_true']:+.4f}  logloss {mm['fp32']['log_loss']:.4f}  ECE {mm['fp32']['calibration_error']:.4f}"
                  f"  epochs {m['training']['epochs_run']}")
            if args.check:
                with open(os.path.join(args.models, name, args.version, "manifest.json")) as f:
                    shipped = json.load(f)
                same_metrics = shipped["metrics"] == m["metrics"] and shipped["data"] == m["data"]
                differ = [f for f in [*m["files"], "manifest.json", MANIFEST_DIGEST] if not same_file(os.path.join(args.models, name, args.version, f), os.path.join(target, name, args.version, f))]
                print(f"  check: metrics {'identical' if same_metrics else 'DIFFER'}; files {'byte-identical' if not differ else 'differ in bytes: ' + ', '.join(differ)}")
                failures += 0 if same_metrics else 1
    finally:
        if args.check:
            shutil.rmtree(target, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
