"""Trains lead_scorer, churn_predictor and property_matcher from the tables that
`scorestream features export` writes, exports ONNX (fp32, static INT8 and dynamic INT8), and writes
models/<name>/<version>/ with a manifest, the manifest's SHA-256 beside it (manifest.json.sha256),
reference rows with their scores (checked by the registry before it serves the version), plus a
parity fixture for the Node test.

    training/train.sh --data training/data --models models --version 1.0.0 [--seed 42] [--check]
    training/train.sh --data training-dir --models models --version 1.2.0 [--baseline DIR] [--force] [--summary FILE]

Two kinds of tables:
- synthetic (no times.npy; the shipped 1.x models): a random 20% of leads is held out, and the true
  probabilities (p_true.npy) give the best achievable AUC;
- the user's own history (times.npy): the newest rows by event time are held out (split_by_time),
  p_true.npy only when the world's true probabilities are known.

A version that is not a shipped release (RELEASES) trains every model with HYPERPARAMETERS. Before a
version is written it is compared with the version the registry serves today (the highest x.y.z
under --baseline, default --models): if its fp32 holdout AUC is lower on the same rows, nothing is
written for that model and train.py exits 3, unless --force. Reproducing a shipped release from the
synthetic tables is not compared (1.1.0 is, on purpose, not better than 1.0.0).

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

from baseline import evaluate as evaluate_baseline, is_version, served_version
from holdout import SplitError, split_by_lead, split_by_time
from metrics import metrics
from onnx_tools import INPUT_NAME, OUTPUT_NAME, OPSET, STATIC_QUANTIZATION, op_types, quantize_dynamic_int8, quantize_static_int8, scores, scores_one_by_one, to_onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HYPERPARAMETERS = {
    "lead_scorer": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
    "churn_predictor": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
    "property_matcher": {"hidden_layer_sizes": [32, 16], "alpha": 1e-4, "batch_size": 512, "max_iter": 40},
}
# The shipped versions: what changed, per model. 1.1.0 retrains lead_scorer wider and less
# regularized, the second version the replay and hot-swap tests and the demo upgrade to. Any other
# version trains every model with HYPERPARAMETERS as they are.
RELEASES = {
    "1.0.0": {name: {} for name in HYPERPARAMETERS},
    "1.1.0": {"lead_scorer": {"hidden_layer_sizes": [128, 64], "alpha": 1e-4, "max_iter": 120}},
}
HOLDOUT_FRACTION = 0.2
# Serving uses the static INT8 model by default only when its holdout AUC is this close to fp32's.
INT8_AUC_TOLERANCE = 0.003
# Training rows the static model's activation ranges are calibrated on (a seeded sample).
CALIBRATION_ROWS = 2048
# Holdout rows scored one at a time and as one batch, to show that static INT8 does not depend on the batch.
BATCH_PROBE_ROWS = 512
PARITY_ROWS = 1000
# The model files, by precision; serving finds them by the precision the manifest gives each.
MODEL_FILES = {"fp32": "model.onnx", "int8_static": "model.int8-static.onnx", "int8_dynamic": "model.int8.onnx"}
PRECISION_LABELS = {"fp32": "fp32", "int8_static": "int8-static", "int8_dynamic": "int8-dynamic"}
# Holdout rows shipped with each version, with the scores of every precision: the registry scores
# them before serving the version and refuses it when a score is not a probability or differs.
REFERENCE_ROWS = 256
REFERENCE_FILES = {
    "rows": "reference-rows.npy",
    "fp32": "reference-scores.fp32.npy",
    "int8_static": "reference-scores.int8-static.npy",
    "int8_dynamic": "reference-scores.int8.npy",
}
MANIFEST_DIGEST = "manifest.json.sha256"
# What a manifest's `data` copies from the export's meta.json for a table of the user's history.
HISTORY_DATA_KEYS = ("rows", "leads", "censored", "rejected", "source", "range", "labels", "sample")
EXIT_REFUSED = 3


class TableError(Exception):
    """A table that cannot be trained on; the message says which and why."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_npy(path: str, array: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def json_number(v: float):
    """Epoch milliseconds as an integer when they are one (they are, from the export)."""
    return int(v) if float(v).is_integer() else float(v)


def load_table(data_dir: str, name: str) -> dict:
    d = os.path.join(data_dir, name)
    where = f"{name} table in {d}"
    try:
        x, y = np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "y.npy"))
        groups = np.load(os.path.join(d, "groups.npy"))
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
        times_path, p_true_path = os.path.join(d, "times.npy"), os.path.join(d, "p_true.npy")
        times = np.load(times_path) if os.path.exists(times_path) else None
        p_true = np.load(p_true_path) if os.path.exists(p_true_path) else None
    except (OSError, ValueError) as err:
        raise TableError(f"{where}: {err}") from err
    history = times is not None
    if not history and p_true is None:
        raise TableError(f"{where}: a synthetic table (no times.npy) needs p_true.npy")
    n = len(x)
    if x.ndim != 2:
        raise TableError(f"{where}: X.npy must be a [rows, features] matrix, not shape {x.shape}")
    for label, a in (("y.npy", y), ("groups.npy", groups), ("times.npy", times), ("p_true.npy", p_true)):
        if a is not None and a.shape != (n,):
            raise TableError(f"{where}: {label} has shape {a.shape}, X.npy has {n} rows")
    if history:
        missing = [k for k in ("dataSha256", "features", *HISTORY_DATA_KEYS) if k not in meta]
        if missing:
            raise TableError(f"{where}: meta.json lacks {', '.join(missing)}")
        if not np.all((y == 0) | (y == 1)):
            raise TableError(f"{where}: y.npy must hold only 0 and 1")
    if len(meta["features"]) != x.shape[1]:
        raise TableError(f"{where}: X.npy has {x.shape[1]} columns but meta.json lists {len(meta['features'])} features")
    return {"x": x, "y": y, "groups": groups, "times": times, "p_true": p_true, "meta": meta, "history": history}


def train_one(name: str, table: dict, version: str, seed: int, fraction: float) -> dict:
    """Trains and measures one model in memory: the files of the version, its manifest and its parity fixture; writes nothing."""
    x, y, p_true, meta = table["x"], table["y"], table["p_true"], table["meta"]
    if table["history"]:
        train, test, cut = split_by_time(table["times"], fraction)
    else:
        train, test = split_by_lead(table["groups"], seed, fraction)
        cut = None
    y_test = y[test]
    for side, labels in (("training", y[train]), ("holdout", y_test)):
        if len(np.unique(labels)) < 2:
            raise SplitError(f"the {side} rows hold only one label ({int(labels[0]) if len(labels) else 'none'}); the model cannot be {'trained' if side == 'training' else 'measured'}")
    hp = {**HYPERPARAMETERS[name], **RELEASES.get(version, {}).get(name, {})}
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
    # Static INT8 calibrates on training rows only: the holdout stays unseen by every step.
    train_rows = np.flatnonzero(train)
    pick = np.sort(np.random.default_rng(seed).choice(train_rows, size=min(CALIBRATION_ROWS, len(train_rows)), replace=False))
    calibration = x[pick].astype(np.float32)
    models = {"fp32": fp32, "int8_static": quantize_static_int8(fp32, calibration), "int8_dynamic": quantize_dynamic_int8(fp32)}
    x_test = x[test]
    holdout_scores = {p: scores(m, x_test) for p, m in models.items()}
    measured_by = {p: metrics(y_test, s) for p, s in holdout_scores.items()}

    # A row's score alone and among BATCH_PROBE_ROWS batch-mates: static INT8 must not differ at all;
    # dynamic INT8 computes activation scales over the batch, so it does (recorded for the record).
    probe = x_test[:BATCH_PROBE_ROWS]
    def batch_dependence(model: bytes) -> float:
        return float(np.max(np.abs(scores_one_by_one(model, probe) - scores(model, probe, batch=len(probe)))))
    dependence = {p: batch_dependence(models[p]) for p in ("int8_static", "int8_dynamic")}

    # The reference rows' scores, the rows as one batch: the registry scores them the same way.
    x_ref = x_test[:REFERENCE_ROWS].astype(np.float32)
    reference = {REFERENCE_FILES["rows"]: (npy_bytes(x_ref), "fp32")}
    for p, m in models.items():
        s = scores(m, x_ref, batch=REFERENCE_ROWS)
        if not (np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))):
            raise SystemExit(f"train: {name} {version} {p} scores on the reference rows are not all probabilities")
        reference[REFERENCE_FILES[p]] = (npy_bytes(s), PRECISION_LABELS[p])
    m32 = measured_by["fp32"]
    measured = {"holdout_rows": int(test.sum()), "holdout_positive_rate": round(float(y_test.mean()), 6), **measured_by}
    if p_true is not None:
        mtrue = metrics(y_test, p_true[test])
        measured["true_probability"] = mtrue
        measured["auc_gap_to_true"] = round(mtrue["auc"] - m32["auc"], 6)
    static_delta = round(measured_by["int8_static"]["auc"] - m32["auc"], 6)
    measured.update({
        "int8_static_auc_delta": static_delta,
        "int8_static_batch_dependence_max_abs": round(dependence["int8_static"], 8),
        "int8_dynamic_auc_delta": round(measured_by["int8_dynamic"]["auc"] - m32["auc"], 6),
        "int8_dynamic_batch_dependence_max_abs": round(dependence["int8_dynamic"], 8),
        "int8_auc_tolerance": INT8_AUC_TOLERANCE,
        "int8_static_servable": bool(abs(static_delta) <= INT8_AUC_TOLERANCE and dependence["int8_static"] == 0.0),
    })
    if table["history"]:
        data = {"sha256": meta["dataSha256"], **{k: meta[k] for k in HISTORY_DATA_KEYS}, "generator": "scorestream features export"}
        holdout = {
            "holdout": {
                "kind": "time",
                "fraction": fraction,
                "from": json_number(cut),
                "doc": "the rows whose event time is at or after `from` (epoch ms), the newest fraction of the table; "
                "a split in time, not by lead: a lead's older rows may be in training and its newer ones in the holdout",
            }
        }
    else:
        data = {"sha256": meta["dataSha256"], "rows": meta["rows"], "leads": meta["leads"], "seed": meta["seed"], "generator": "scorestream features export"}
        holdout = {}
    manifest = {
        "name": name,
        "version": version,
        "task": meta.get("task", "binary_classification"),
        "inputs": [{"name": INPUT_NAME, "dtype": "float32", "shape": [None, int(x.shape[1])]}],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": [None, 2], "score_column": 1}],
        "features": meta["features"],
        "files": {
            **{MODEL_FILES[p]: {"sha256": sha256(m), "bytes": len(m), "precision": PRECISION_LABELS[p], "ops": op_types(m)} for p, m in models.items()},
            **{f: {"sha256": sha256(d), "bytes": len(d), "precision": p} for f, (d, p) in reference.items()},
        },
        "quantization": {
            **STATIC_QUANTIZATION,
            "calibration": {
                "rows": int(len(calibration)),
                "sha256": sha256(npy_bytes(calibration)),
                "doc": "a seeded sample of the training rows (never the holdout), as float32 .npy bytes",
            },
        },
        "reference": {
            "rows": REFERENCE_FILES["rows"],
            "count": int(len(x_ref)),
            "scores": {p: REFERENCE_FILES[p] for p in models},
            "doc": "the first holdout rows and their scores as training computed them, the rows as one batch",
        },
        "metrics": measured,
        "data": data,
        "training": {
            "seed": seed,
            "holdout_fraction": fraction,
            **holdout,
            "model": "StandardScaler + MLPClassifier (relu, adam, early stopping)",
            "hyperparameters": hp,
            "epochs_run": int(pipeline.named_steps["mlp"].n_iter_),
            "opset": OPSET,
            "libraries": {"scikit-learn": sklearn.__version__, "skl2onnx": skl2onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__},
        },
    }
    files = {**{MODEL_FILES[p]: m for p, m in models.items()}, **{f: d for f, (d, _) in reference.items()}}
    parity = {
        "X.npy": x_test[:PARITY_ROWS].astype(np.float32),
        "fp32.npy": holdout_scores["fp32"][:PARITY_ROWS],
        "int8-static.npy": holdout_scores["int8_static"][:PARITY_ROWS],
        "int8.npy": scores(models["int8_dynamic"], x_test[:PARITY_ROWS], batch=PARITY_ROWS),
    }
    return {"manifest": manifest, "files": files, "parity": parity, "x_test": x_test, "y_test": y_test}


def write_version(models_dir: str, name: str, version: str, trained: dict) -> str:
    """
    Writes the version directory whole: into a hidden sibling (not a version to the registry),
    then renamed into place, so that a registry watching the directory never sees half of it.
    """
    parent = os.path.join(models_dir, name)
    os.makedirs(parent, exist_ok=True)
    out = os.path.join(parent, version)
    staging = tempfile.mkdtemp(prefix=f".{version}.partial-", dir=parent)
    try:
        for file, data in trained["files"].items():
            with open(os.path.join(staging, file), "wb") as f:
                f.write(data)
        text = (json.dumps(trained["manifest"], indent=2) + "\n").encode("utf-8")
        with open(os.path.join(staging, "manifest.json"), "wb") as f:
            f.write(text)
        # The manifest's own digest, in sha256sum format: the registry refuses a version whose
        # manifest (score column, features, file digests) was changed after training.
        with open(os.path.join(staging, MANIFEST_DIGEST), "w") as f:
            f.write(f"{sha256(text)}  manifest.json\n")
        # mkdtemp makes the directory private; give it the mode os.makedirs would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f".{version}.replaced-", dir=parent)
            os.rename(out, os.path.join(old, version))
            os.rename(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def write_parity(fixtures_dir: str, name: str, version: str, trained: dict) -> None:
    fx = os.path.join(fixtures_dir, name, version)
    for file, array in trained["parity"].items():
        save_npy(os.path.join(fx, file), array)


def same_file(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except FileNotFoundError:
        return False


def compare_with_baseline(name: str, version: str, trained: dict, table: dict, root: str):
    """The served version's metrics on the same holdout rows, None when there is none to compare with."""
    served = served_version(root, name, exclude=version)
    if served is None:
        return None
    return evaluate_baseline(root, name, served, table["meta"]["features"], trained["x_test"], trained["y_test"])


def summary_entry(manifest: dict, written: bool, out, refused: bool) -> dict:
    mm = manifest["metrics"]
    entry = {"written": written, "dir": out, "auc": mm["fp32"]["auc"], "log_loss": mm["fp32"]["log_loss"], "calibration_error": mm["fp32"]["calibration_error"]}
    if "true_probability" in mm:
        entry["true_auc"] = mm["true_probability"]["auc"]
    if "baseline" in mm:
        entry["baseline"] = mm["baseline"]
    entry["refused"] = refused
    entry["holdout_rows"] = mm["holdout_rows"]
    holdout = manifest["training"].get("holdout")
    if holdout:
        entry["holdout"] = {k: holdout[k] for k in ("kind", "fraction", "from")}
    return entry


def write_summary(path: str, summary: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description="Train, export and write model versions (see the module docstring).")
    ap.add_argument("--data", default=os.path.join(ROOT, "training", "data"), help="the export's tables, one directory per model")
    ap.add_argument("--models", default=os.path.join(ROOT, "models"), help="where versions are written: <models>/<name>/<version>/")
    ap.add_argument("--fixtures", default=None, help="where parity fixtures for the Node test go (default: test/fixtures/parity for synthetic tables; none for history tables)")
    ap.add_argument("--no-fixtures", action="store_true", help="write no parity fixtures")
    ap.add_argument("--version", default="1.0.0", help="x.y.z; a version not in RELEASES trains every model with the default hyperparameters")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--holdout-fraction", type=float, default=HOLDOUT_FRACTION, help="share held out: of leads (synthetic tables) or the newest rows by event time (history tables)")
    ap.add_argument("--baseline", default=None, help="models directory whose served (highest) version a new one must not be worse than (default: --models)")
    ap.add_argument("--force", action="store_true", help="write a version even when its holdout AUC is below the served version's")
    ap.add_argument("--summary", default=None, help="write what happened, per model, to this JSON file")
    ap.add_argument("--only", nargs="*", default=None, help="models to train (default: those the release changes; every model for a new version)")
    ap.add_argument("--check", action="store_true", help="train into a temp dir and compare with --models")
    args = ap.parse_args()

    if not is_version(args.version):
        print(f"train: version {args.version!r} is not x.y.z (the registry serves only x.y.z directories)", file=sys.stderr)
        return 2
    if not 0 < args.holdout_fraction < 1:
        print(f"train: --holdout-fraction must be between 0 and 1, not {args.holdout_fraction}", file=sys.stderr)
        return 2
    names = args.only if args.only is not None else list(RELEASES.get(args.version, HYPERPARAMETERS))
    unknown = [n for n in names if n not in HYPERPARAMETERS]
    if unknown:
        print(f"train: unknown model {', '.join(unknown)}; known: {', '.join(HYPERPARAMETERS)}", file=sys.stderr)
        return 2

    target = tempfile.mkdtemp(prefix="scorestream-train-") if args.check else args.models
    baseline_root = args.baseline if args.baseline is not None else args.models
    failures = 0
    refused_any = False
    summary = {"version": args.version, "models": {}}
    try:
        for name in names:
            try:
                table = load_table(args.data, name)
                trained = train_one(name, table, args.version, args.seed, args.holdout_fraction)
            except (TableError, SplitError) as err:
                print(f"train: {name} {args.version}: {err}", file=sys.stderr)
                summary["models"][name] = {"written": False, "dir": None, "refused": False, "error": str(err)}
                return 2
            m = trained["manifest"]
            mm = m["metrics"]
            true = f"  true {mm['true_probability']['auc']:.4f}  gap {mm['auc_gap_to_true']:+.4f}" if "true_probability" in mm else ""
            print(f"{name:17} AUC fp32 {mm['fp32']['auc']:.4f}  int8 static {mm['int8_static']['auc']:.4f} dynamic {mm['int8_dynamic']['auc']:.4f}{true}  logloss {mm['fp32']['log_loss']:.4f}"
                  f"  ECE {mm['fp32']['calibration_error']:.4f}  epochs {m['training']['epochs_run']}")

            # Reproducing a shipped release from the synthetic tables is not a candidate to serve.
            refused = False
            if table["history"] or args.version not in RELEASES:
                base = compare_with_baseline(name, args.version, trained, table, baseline_root)
                if base is not None:
                    if "skipped" in base:
                        print(f"train: {name} {args.version}: not compared with the served version {base['version']}: {base['skipped']}", file=sys.stderr)
                    elif mm["fp32"]["auc"] < base["auc"]:
                        if args.force:
                            base["forced"] = True
                            print(f"train: {name} {args.version}: holdout AUC {mm['fp32']['auc']:.4f} is below {base['version']}'s {base['auc']:.4f}; written anyway (--force)", file=sys.stderr)
                        else:
                            refused = True
                            print(f"train: {name} {args.version} NOT written: its holdout AUC {mm['fp32']['auc']:.4f} is below the served version "
                                  f"{base['version']}'s {base['auc']:.4f} on the same {mm['holdout_rows']} rows (--force writes it anyway)", file=sys.stderr)
                    else:
                        print(f"  compared with {base['version']}: AUC {base['auc']:.4f}  logloss {base['log_loss']:.4f}  ECE {base['calibration_error']:.4f}")
                    mm["baseline"] = base
            if refused:
                refused_any = True
                summary["models"][name] = summary_entry(m, False, None, True)
                continue

            out = write_version(target, name, args.version, trained)
            fixtures = None if args.no_fixtures else os.path.join(target, "_fixtures") if args.check else args.fixtures
            if fixtures is None and not table["history"] and not args.no_fixtures:
                fixtures = os.path.join(ROOT, "test", "fixtures", "parity")
            if fixtures is not None:
                write_parity(fixtures, name, args.version, trained)
            summary["models"][name] = summary_entry(m, not args.check, None if args.check else os.path.abspath(out), False)
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
        if args.summary:
            write_summary(args.summary, summary)
    return 1 if failures else EXIT_REFUSED if refused_any else 0


if __name__ == "__main__":
    sys.exit(main())
