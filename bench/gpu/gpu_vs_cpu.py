"""GPU against CPU for the three shipped models, in one run, on a machine with an NVIDIA GPU.

    python bench/gpu/gpu_vs_cpu.py [--models models] [--seconds 1.0] [--out bench/results]

Needs only what such a machine has without a network: PyTorch with CUDA, onnx, CPU onnxruntime,
numpy. Each model's newest version is read from models/ (model.onnx, fp32, checked against its
manifest's SHA-256). The CPU side is ONNX Runtime, one intra-op thread as scorestream runs it and
all cores; the GPU side runs the same graph, rebuilt from the ONNX file's weights as PyTorch
operations on the GPU (fp32, and fp16), the rows copied to the GPU and the scores back on every
call, as a server would. Before timing, the GPU's scores are compared with ONNX Runtime's on the
version's reference rows. For each batch size it reports rows/s and per-call latency (median and
p99 over calls for --seconds), and for each model the smallest batch at which the GPU scores more
rows per second than the CPU. Writes bench/results/gpu-<date>.json and prints markdown tables.
`--device cpu` runs the same steps with PyTorch on the CPU, to check the script where no GPU is.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

MODELS = ("lead_scorer", "property_matcher", "churn_predictor")
BATCHES = (1, 8, 32, 128, 512, 2048, 8192, 32768)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def newest(models_dir: str, name: str) -> str:
    versions = [v for v in os.listdir(os.path.join(models_dir, name)) if v.count(".") == 2 and all(p.isdigit() for p in v.split("."))]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def load(models_dir: str, name: str):
    version = newest(models_dir, name)
    d = os.path.join(models_dir, name, version)
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(d, "model.onnx"), "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != manifest["files"]["model.onnx"]["sha256"]:
        raise SystemExit(f"{name} {version}: model.onnx does not match its manifest")
    rows = np.load(os.path.join(d, manifest["reference"]["rows"]))
    return version, data, manifest, rows


class TorchGraph:
    """The ONNX graph's nodes as PyTorch operations: the op types skl2onnx writes for these MLPs."""

    def __init__(self, model: onnx.ModelProto, device: torch.device, dtype: torch.dtype):
        self.device, self.dtype = device, dtype
        self.consts = {i.name: torch.tensor(numpy_helper.to_array(i).copy(), device=device) for i in model.graph.initializer}
        self.consts = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in self.consts.items()}
        self.nodes = list(model.graph.node)
        self.input = model.graph.input[0].name
        self.output = model.graph.output[0].name
        known = {"Scaler", "MatMul", "Gemm", "Add", "Sub", "Mul", "Relu", "Sigmoid", "Concat", "Cast", "Identity", "Reshape"}
        unknown = {n.op_type for n in self.nodes} - known
        if unknown:
            raise SystemExit(f"the graph has ops this script does not rebuild: {sorted(unknown)}")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        env = dict(self.consts)
        env[self.input] = x
        for n in self.nodes:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            ins = [env[i] for i in n.input if i]
            op = n.op_type
            if op == "Scaler":
                offset = torch.tensor(a.get("offset", [0.0]), device=self.device, dtype=self.dtype)
                scale = torch.tensor(a.get("scale", [1.0]), device=self.device, dtype=self.dtype)
                y = (ins[0] - offset) * scale
            elif op == "MatMul":
                y = ins[0] @ ins[1]
            elif op == "Gemm":
                y = ins[0] @ (ins[1].T if a.get("transB", 0) else ins[1]) * a.get("alpha", 1.0) + (ins[2] * a.get("beta", 1.0) if len(ins) > 2 else 0)
            elif op == "Add":
                y = ins[0] + ins[1]
            elif op == "Sub":
                y = ins[0] - ins[1]
            elif op == "Mul":
                y = ins[0] * ins[1]
            elif op == "Relu":
                y = torch.relu(ins[0])
            elif op == "Sigmoid":
                y = torch.sigmoid(ins[0])
            elif op == "Concat":
                y = torch.cat(ins, dim=a["axis"])
            elif op == "Reshape":
                y = ins[0].reshape(tuple(int(v) for v in ins[1].tolist()))
            else:  # Cast, Identity: the floats stay in the precision measured
                y = ins[0]
            env[n.output[0]] = y
        return env[self.output]


def timed(call, seconds: float):
    for _ in range(10):
        call()
    lat = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(lat) < 20:
        t0 = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    lat.sort()
    return {"p50_ms": 1e3 * lat[len(lat) // 2], "p99_ms": 1e3 * lat[min(len(lat) - 1, int(0.99 * len(lat)))], "calls": len(lat), "elapsed": elapsed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--seconds", type=float, default=1.0, help="timing per cell")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_vs_cpu: no CUDA device is visible to PyTorch; nothing measured (--device cpu checks the script)", file=sys.stderr)
        return 2
    device = torch.device(args.device)
    gpu_name = torch.cuda.get_device_name(0) if args.device == "cuda" else "none (--device cpu)"
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "gpu": gpu_name, "torch": torch.__version__, "onnxruntime": ort.__version__, "python": platform.python_version()}
    print(f"# GPU against CPU: {gpu_name}; {os.cpu_count()} CPU cores; torch {torch.__version__}, onnxruntime {ort.__version__}\n")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": machine, "seconds": args.seconds, "models": {}}
    rng = np.random.default_rng(7)
    for name in MODELS:
        version, data, manifest, ref = load(args.models, name)
        model = onnx.load_from_string(data)
        sessions = {}
        for threads in (1, os.cpu_count() or 1):
            o = ort.SessionOptions()
            o.intra_op_num_threads = threads
            o.inter_op_num_threads = 1
            sessions[threads] = ort.InferenceSession(data, sess_options=o, providers=["CPUExecutionProvider"])
        graphs = {"fp32": TorchGraph(model, device, torch.float32), "fp16": TorchGraph(model, device, torch.float16)} if args.device == "cuda" else {"fp32": TorchGraph(model, device, torch.float32)}
        col = manifest["outputs"][0]["score_column"]
        cpu_ref = sessions[1].run(None, {"features": ref.astype(np.float32)})[0][:, col]
        agreement = {}
        with torch.inference_mode():
            for p, g in graphs.items():
                got = g(torch.from_numpy(ref.astype(np.float32)).to(device).to(g.dtype)).float().cpu().numpy()[:, col]
                agreement[p] = float(np.max(np.abs(got - cpu_ref)))
        if agreement["fp32"] > 1e-4:
            raise SystemExit(f"{name} {version}: the rebuilt graph's fp32 scores differ from ONNX Runtime's by {agreement['fp32']}")
        rows_all = ref[rng.integers(0, len(ref), max(BATCHES))].astype(np.float32)
        cells = []
        for batch in BATCHES:
            x = rows_all[:batch]
            row = {"batch": batch}
            for threads, s in sessions.items():
                t = timed(lambda: s.run(None, {"features": x}), args.seconds)
                row[f"cpu_{threads}t"] = {**t, "rows_per_s": batch * t["calls"] / t["elapsed"]}
            with torch.inference_mode():
                for p, g in graphs.items():
                    def call(g=g):
                        y = g(torch.from_numpy(x).to(device, non_blocking=False).to(g.dtype))
                        out = y[:, col].float().cpu()
                        sync()
                        return out
                    t = timed(call, args.seconds)
                    row[f"gpu_{p}"] = {**t, "rows_per_s": batch * t["calls"] / t["elapsed"]}
            cells.append(row)
        best_cpu = lambda r: max(v["rows_per_s"] for k, v in r.items() if k.startswith("cpu_"))
        overtakes = next((r["batch"] for r in cells if r["gpu_fp32"]["rows_per_s"] > best_cpu(r)), None)
        results["models"][name] = {"version": version, "agreement_max_abs": agreement, "cells": cells, "gpu_overtakes_cpu_at_batch": overtakes}
        keys = [k for k in cells[0] if k != "batch"]
        print(f"## {name} {version} (GPU vs ONNX Runtime on the reference rows: {', '.join(f'{p} {d:.1e}' for p, d in agreement.items())})\n")
        print("| batch | " + " | ".join(f"{k} rows/s | {k} p50 / p99 ms" for k in keys) + " |")
        print("| ---: | " + " | ".join("---: | ---:" for _ in keys) + " |")
        for r in cells:
            print(f"| {r['batch']} | " + " | ".join(f"{r[k]['rows_per_s']:,.0f} | {r[k]['p50_ms']:.3f} / {r[k]['p99_ms']:.3f}" for k in keys) + " |")
        print(f"\nThe GPU (fp32) scores more rows/s than the faster CPU column from batch {overtakes if overtakes else '(never, up to ' + str(BATCHES[-1]) + ')'}.\n")
    os.makedirs(args.out, exist_ok=True)
    out = os.path.join(args.out, f"gpu-{results['date'][:10]}{'' if args.device == 'cuda' else '-cpu-check'}.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"written {os.path.relpath(out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
