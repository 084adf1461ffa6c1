"""End-to-end check of train.py on tables of the user's history (times.npy): the time-based holdout,
new versions, the refusal to write a version worse than the served one, --force and --summary,
and that the versions written load in the Node registry. Plain asserts, no pytest:

    training/.venv/bin/python training/test_train.py

It writes only under a temporary directory (a copy of models/, made-up tables); train.py runs as a
subprocess through train.sh, as the CLI runs it.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ("lead_scorer", "churn_predictor", "property_matcher")
DAY_MS = 86_400_000
T0 = 1_700_000_000_000  # epoch ms
ROWS = 3000
LEADS = 600


def shipped_features(name: str) -> list:
    with open(os.path.join(ROOT, "models", name, "1.0.0", "manifest.json")) as f:
        return json.load(f)["features"]


def world(name: str, seed: int):
    """Rows spread over 100 days (times on the hour, so the cut falls on a tie) and a learnable label."""
    rng = np.random.RandomState(seed)
    features = shipped_features(name)
    lo = np.array([f["min"] for f in features], dtype=np.float64)
    hi = np.array([f["max"] for f in features], dtype=np.float64)
    z = rng.uniform(-1, 1, size=(ROWS, len(features)))
    x = (lo + (z + 1) / 2 * np.minimum(hi - lo, 10)).astype(np.float32)
    # A signal the shipped models know nothing of, so a model trained on it beats them.
    p = 1 / (1 + np.exp(-(3 * z[:, 0] - 3 * z[:, 1] + 2 * z[:, 2] * z[:, 3])))
    y = (rng.uniform(size=ROWS) < p).astype(np.float32)
    times = (T0 + np.floor(rng.uniform(0, 100, size=ROWS) * 24) * 3_600_000).astype(np.float64)
    groups = rng.randint(0, LEADS, size=ROWS).astype(np.float64)
    return features, x, y, p.astype(np.float64), times, groups


def write_table(root: str, name: str, features, x, y, times, groups, p_true=None) -> None:
    d = os.path.join(root, name)
    os.makedirs(d)
    for file, a in (("X.npy", x), ("y.npy", y), ("times.npy", times), ("groups.npy", groups)):
        np.save(os.path.join(d, file), a)
    if p_true is not None:
        np.save(os.path.join(d, "p_true.npy"), p_true)
    with open(os.path.join(d, "keys.tsv"), "w") as f:
        f.write("lead_id\tevent_id\tproperty_id\toccurred_at\n")
    meta = {
        "model": name,
        "rows": int(len(x)),
        "positives": int(y.sum()),
        "censored": 7,
        "rejected": {"out_of_range": 2},
        "dataSha256": hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest(),
        "features": features,
        "leads": int(len(np.unique(groups))),
        "source": {"topics": {"events": "test.events"}, "brokers": "test"},
        "range": {"firstEvent": int(times.min()), "lastEvent": int(times.max()), "dataEnd": int(times.max()) + DAY_MS},
        "labels": {"definition": "made up for the test", "horizonDays": 30},
        "sample": "every scored event",
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f)


def train(*args: str):
    r = subprocess.run(["bash", os.path.join(HERE, "train.sh"), *args], capture_output=True, text=True, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr


def manifest(models: str, name: str, version: str) -> dict:
    with open(os.path.join(models, name, version, "manifest.json")) as f:
        return json.load(f)


def read_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def no_leftovers(models: str) -> None:
    """No staging directory may be left beside the versions (the registry would ignore it, people would not)."""
    for name in os.listdir(models):
        d = os.path.join(models, name)
        if os.path.isdir(d):
            hidden = [v for v in os.listdir(d) if v.startswith(".")]
            assert not hidden, f"left in {d}: {hidden}"


NODE_CHECK = r"""
import { VersionFiles } from '%(root)s/src/registry/version-files';
import { MainThreadInference } from '%(root)s/src/infer/main-thread-inference';
import { ModelRegistry } from '%(root)s/src/registry/registry';
const dir = process.argv[2] as string;
const wanted = JSON.parse(process.argv[3] as string) as Record<string, string>;
async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const [model, version] of Object.entries(wanted)) {
    const m = new VersionFiles(dir, model, version).manifest();
    out[model] = { manifest: { name: m.name, version: m.version, features: m.features.length, reference: m.reference.count } };
  }
  for (const precision of ['fp32', 'int8'] as const) {
    const registry = new ModelRegistry(
      {
        modelsDir: dir,
        versions: { lead_scorer: 'latest', churn_predictor: 'latest', property_matcher: 'latest', ...wanted },
        precision,
        session: { provider: 'cpu', intraOpThreads: 1 },
        breaker: { failureThreshold: 3, cooldownMs: 10_000 },
        onEvent: () => undefined,
      },
      new MainThreadInference(),
    );
    await registry.start();
    for (const h of registry.health()) if (wanted[h.model]) (out[h.model] as Record<string, unknown>)[precision] = { status: h.status, version: h.version, error: h.lastError };
    await registry.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((err: unknown) => { process.stderr.write(String(err) + '\n'); process.exit(1); });
"""


def node_loads(models: str, wanted: dict, tmp: str) -> None:
    """The Node registry reads each version's manifest (checksummed) and serves it in both precisions."""
    script = os.path.join(tmp, "load-check.ts")
    with open(script, "w") as f:
        f.write(NODE_CHECK % {"root": ROOT})
    r = subprocess.run([os.path.join(ROOT, "node_modules", ".bin", "tsx"), script, models, json.dumps(wanted)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    for model, version in wanted.items():
        got = out[model]
        assert got["manifest"]["version"] == version and got["manifest"]["reference"] >= 1, got
        for precision in ("fp32", "int8"):
            assert got[precision] == {"status": "serving", "version": version, "error": None}, (model, precision, got)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="scorestream-test-train-")
    try:
        models = os.path.join(tmp, "models")
        shutil.copytree(os.path.join(ROOT, "models"), models)
        clean, noisy, other_features = (os.path.join(tmp, d) for d in ("clean", "noisy", "other-features"))
        cuts = {}
        for i, name in enumerate(MODELS):
            features, x, y, p, times, groups = world(name, seed=10 + i)
            # with p_true for two models, without (as for real data) for churn_predictor
            write_table(clean, name, features, x, y, times, groups, p_true=None if name == "churn_predictor" else p)
            ordered = np.sort(times)
            cuts[name] = (ordered[ROWS - round(ROWS * 0.2)], times)
            # The same rows with the older 80% of labels shuffled: a model trained on them learns
            # nothing, while the holdout (the newest rows, same labels) is unchanged.
            older = times < cuts[name][0]
            y_noisy = y.copy()
            y_noisy[older] = np.random.RandomState(99).permutation(y[older])
            write_table(noisy, name, features, x, y_noisy, times, groups)
            renamed = [dict(f) for f in features]
            renamed[-1]["name"] = renamed[-1]["name"] + "_v2"
            write_table(other_features, name, renamed, x, y, times, groups)

        # 1. A new version trains every model; the holdout is the newest 20% by event time.
        summary_path = os.path.join(tmp, "summary-2.0.0.json")
        rc, out, err = train("--data", clean, "--models", models, "--version", "2.0.0", "--summary", summary_path)
        assert rc == 0, f"rc {rc}\n{out}\n{err}"
        summary = read_json(summary_path)
        assert summary["version"] == "2.0.0" and sorted(summary["models"]) == sorted(MODELS), summary
        for name in MODELS:
            m = manifest(models, name, "2.0.0")
            cut, times = cuts[name]
            holdout = m["training"]["holdout"]
            assert holdout["kind"] == "time" and holdout["fraction"] == 0.2 and holdout["from"] == int(cut), holdout
            assert "not by lead" in holdout["doc"], holdout
            assert m["metrics"]["holdout_rows"] == int((times >= cut).sum()) >= round(ROWS * 0.2), m["metrics"]
            assert ("true_probability" in m["metrics"]) == (name != "churn_predictor"), m["metrics"].keys()
            assert ("auc_gap_to_true" in m["metrics"]) == (name != "churn_predictor"), m["metrics"].keys()
            assert m["metrics"]["fp32"]["auc"] > 0.75, m["metrics"]["fp32"]
            # Static INT8: calibrated on training rows, its scores independent of the batch, its file
            # and reference scores labelled so that serving finds them.
            assert m["metrics"]["int8_static_batch_dependence_max_abs"] == 0.0, m["metrics"]
            delta = m["metrics"]["int8_static"]["auc"] - m["metrics"]["fp32"]["auc"]
            assert m["metrics"]["int8_static_auc_delta"] == round(delta, 6), m["metrics"]
            assert m["metrics"]["int8_static_servable"] == (abs(m["metrics"]["int8_static_auc_delta"]) <= 0.003), m["metrics"]
            assert m["files"]["model.int8-static.onnx"]["precision"] == "int8-static" and "QuantizeLinear" in m["files"]["model.int8-static.onnx"]["ops"], m["files"]
            assert m["files"]["model.int8.onnx"]["precision"] == "int8-dynamic", m["files"]
            assert m["quantization"]["format"] == "QDQ" and m["quantization"]["calibration"]["rows"] == 2048, m["quantization"]
            assert set(m["reference"]["scores"]) == {"fp32", "int8_static", "int8_dynamic"}, m["reference"]
            shipped = "1.1.0" if name == "lead_scorer" else "1.0.0"
            base = m["metrics"]["baseline"]
            assert base["version"] == shipped and set(base) == {"version", "auc", "log_loss", "calibration_error"}, base
            assert base["auc"] < m["metrics"]["fp32"]["auc"], base
            assert list(m["data"]) == ["sha256", "rows", "leads", "censored", "rejected", "source", "range", "labels", "sample", "generator"], m["data"]
            assert m["data"]["rejected"] == {"out_of_range": 2} and m["data"]["generator"] == "scorestream features export", m["data"]
            assert m["training"]["hyperparameters"] == json.loads(json.dumps(
                {"lead_scorer": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
                 "churn_predictor": {"hidden_layer_sizes": [64, 32], "alpha": 1e-3, "batch_size": 256, "max_iter": 80},
                 "property_matcher": {"hidden_layer_sizes": [32, 16], "alpha": 1e-4, "batch_size": 512, "max_iter": 40}}[name]))
            s = summary["models"][name]
            assert s["written"] is True and s["refused"] is False and s["dir"] == os.path.join(models, name, "2.0.0"), s
            assert s["auc"] == m["metrics"]["fp32"]["auc"] and s["baseline"] == base, s
            assert ("true_auc" in s) == (name != "churn_predictor"), s
            # History tables write no parity fixture unless --fixtures says where.
            assert not os.path.exists(os.path.join(ROOT, "test", "fixtures", "parity", name, "2.0.0"))
        no_leftovers(models)
        node_loads(models, {name: "2.0.0" for name in MODELS}, tmp)
        print("ok: 2.0.0 written for every model with a time holdout, compared with the shipped versions, served by the registry")

        # 2. A version worse than the served one (2.0.0) on the same holdout: nothing written, exit 3.
        summary_path = os.path.join(tmp, "summary-2.1.0.json")
        rc, out, err = train("--data", noisy, "--models", models, "--version", "2.1.0", "--only", "lead_scorer", "--summary", summary_path)
        assert rc == 3, f"rc {rc}\n{out}\n{err}"
        assert "lead_scorer 2.1.0 NOT written" in err and "2.0.0" in err, err
        assert not os.path.exists(os.path.join(models, "lead_scorer", "2.1.0"))
        no_leftovers(models)
        s = read_json(summary_path)["models"]["lead_scorer"]
        assert s["written"] is False and s["refused"] is True and s["dir"] is None, s
        assert s["baseline"]["version"] == "2.0.0" and s["baseline"]["auc"] > s["auc"], s
        print(f"ok: 2.1.0 refused (AUC {s['auc']} < 2.0.0's {s['baseline']['auc']}), exit 3, no directory")

        # 3. --force writes it and says so; it still loads.
        rc, out, err = train("--data", noisy, "--models", models, "--version", "2.1.0", "--only", "lead_scorer", "--force", "--summary", summary_path)
        assert rc == 0, f"rc {rc}\n{out}\n{err}"
        m = manifest(models, "lead_scorer", "2.1.0")
        assert m["metrics"]["baseline"]["forced"] is True and m["metrics"]["baseline"]["version"] == "2.0.0", m["metrics"]
        assert "true_probability" not in m["metrics"]
        s = read_json(summary_path)["models"]["lead_scorer"]
        assert s["written"] is True and s["refused"] is False and s["baseline"]["forced"] is True, s
        node_loads(models, {"lead_scorer": "2.1.0"}, tmp)
        print("ok: --force writes 2.1.0 with forced: true, and it serves")

        # 4. A served version trained on other features is not compared (and says why); the new one is written.
        rc, out, err = train("--data", other_features, "--models", models, "--version", "2.2.0", "--only", "churn_predictor", "--no-fixtures")
        assert rc == 0, f"rc {rc}\n{out}\n{err}"
        assert "not compared with the served version 2.0.0" in err and "_v2" in err, err
        base = manifest(models, "churn_predictor", "2.2.0")["metrics"]["baseline"]
        assert base["version"] == "2.0.0" and "skipped" in base and "auc" not in base, base
        print("ok: other features: not compared, written, reported")

        # 5. --baseline elsewhere, an empty --models, another holdout fraction, parity fixtures where asked.
        fresh, fixtures = os.path.join(tmp, "fresh"), os.path.join(tmp, "fixtures")
        rc, out, err = train("--data", noisy, "--models", fresh, "--baseline", models, "--version", "0.1.0", "--only", "property_matcher")
        assert rc == 3 and not os.path.exists(os.path.join(fresh, "property_matcher", "0.1.0")), f"rc {rc}\n{err}"
        assert "served version 2.0.0" in err, err  # the highest version under --baseline, not under --models
        rc, out, err = train("--data", clean, "--models", fresh, "--version", "0.1.0", "--only", "property_matcher",
                             "--holdout-fraction", "0.3", "--fixtures", fixtures, "--summary", summary_path)
        assert rc == 0, f"rc {rc}\n{out}\n{err}"
        m = manifest(fresh, "property_matcher", "0.1.0")
        cut = np.sort(cuts["property_matcher"][1])[ROWS - round(ROWS * 0.3)]
        assert "baseline" not in m["metrics"] and m["training"]["holdout"]["from"] == int(cut) and m["training"]["holdout"]["fraction"] == 0.3
        assert "baseline" not in read_json(summary_path)["models"]["property_matcher"]
        assert np.load(os.path.join(fixtures, "property_matcher", "0.1.0", "X.npy")).shape[0] == min(1000, m["metrics"]["holdout_rows"])
        print("ok: --baseline, no served version, --holdout-fraction 0.3, --fixtures")

        # 6. Refusals before training.
        assert train("--data", clean, "--models", fresh, "--version", "2.0")[0] == 2
        assert train("--data", clean, "--models", fresh, "--version", "2.0.0", "--holdout-fraction", "1")[0] == 2
        print("ok: a version that is not x.y.z and a holdout fraction of 1 are refused (exit 2)")

        # 7. The synthetic tables (no times.npy) with a new version: holdout by lead, as the shipped ones.
        legacy = os.path.join(ROOT, "training", "data")
        if os.path.exists(os.path.join(legacy, "churn_predictor", "meta.json")) and not os.path.exists(os.path.join(legacy, "churn_predictor", "times.npy")):
            rc, out, err = train("--data", legacy, "--models", models, "--version", "3.0.0", "--only", "churn_predictor", "--no-fixtures")
            assert rc == 0, f"rc {rc}\n{out}\n{err}"
            m = manifest(models, "churn_predictor", "3.0.0")
            shipped = manifest(models, "churn_predictor", "1.0.0")
            assert "holdout" not in m["training"] and list(m["data"]) == list(shipped["data"]), m["training"]
            # the highest version, trained on other features: not compared
            assert m["metrics"]["baseline"]["version"] == "2.2.0" and "skipped" in m["metrics"]["baseline"], m["metrics"]["baseline"]
            print("ok: synthetic tables, new version: holdout by lead, as the shipped versions")
        else:
            print("skipped: synthetic tables (training/data) not exported; run npm run train:data")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_train: all passed")


if __name__ == "__main__":
    main()
