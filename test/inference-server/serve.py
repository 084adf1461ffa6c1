"""A real Open Inference Protocol server for the tests: Triton Inference Server (the tritonserver
binary that PyPI's nvidia-pytriton ships) serving, on the CPU, a model repository that
`scorestream models export --format triton` wrote.

That Triton has no ONNX Runtime backend, only the Python one. So the repository is served through a
copy in which each config.pbtxt says `backend: "python"` instead of `platform: "onnxruntime_onnx"`,
and each version directory holds, beside the exported model.onnx, a model.py (onnx_model.py here)
that runs it in onnxruntime. Names, version numbers and policy, max_batch_size, dynamic batching,
inputs, outputs and files are the export's; gRPC, HTTP, readiness and metadata are Triton's.

    serve.py --repository DIR --work DIR --grpc-port N --http-port N --metrics-port N
             [--grpc-tls-cert PEM --grpc-tls-key PEM]

Runs tritonserver in the foreground (exec): it prints its own log; it is ready when
/v2/health/ready answers 200. SIGTERM stops it.
"""
import argparse
import os
import re
import shutil
import sys
import sysconfig

from importlib.util import find_spec

HERE = os.path.dirname(os.path.abspath(__file__))
# Only the server binary and the Python backend of the wheel are used: its Python package is not imported.
PYTRITON = find_spec("pytriton").submodule_search_locations[0]
TRITON = os.path.join(PYTRITON, "tritonserver")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def python_backend(work: str) -> str:
    """The Python backend with the stub built for this Python, as Triton expects it laid out."""
    backends = os.path.join(work, "backends")
    python = os.path.join(backends, "python")
    os.makedirs(python, exist_ok=True)
    for f in ("libtriton_python.so", "triton_python_backend_utils.py"):
        shutil.copy(os.path.join(TRITON, "backends", "python", f), python)
    shutil.copy(os.path.join(TRITON, "python_backend_stubs", PYTHON, "triton_python_backend_stub"), python)
    return backends


def python_repository(exported: str, work: str) -> str:
    repo = os.path.join(work, "models")
    shutil.copytree(exported, repo)
    for model in os.listdir(repo):
        config = os.path.join(repo, model, "config.pbtxt")
        with open(config) as f:
            text = f.read()
        if 'platform: "onnxruntime_onnx"' not in text:
            raise SystemExit(f"serve.py: {config} is not an ONNX Runtime model of the export")
        with open(config, "w") as f:
            f.write(text.replace('platform: "onnxruntime_onnx"', 'backend: "python"'))
        with open(os.path.join(HERE, "onnx_model.py")) as f:
            # The stub's interpreter does not see this venv: the model adds its packages to its path.
            source = f.read().replace("SITE_PACKAGES = None", f"SITE_PACKAGES = {sysconfig.get_paths()['purelib']!r}")
        for version in os.listdir(os.path.join(repo, model)):
            if version.isdigit():
                with open(os.path.join(repo, model, version, "model.py"), "w") as f:
                    f.write(source)
    return repo


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repository", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--grpc-port", type=int, required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--metrics-port", type=int, required=True)
    ap.add_argument("--grpc-tls-cert", help="serve gRPC over TLS with this certificate (and --grpc-tls-key)")
    ap.add_argument("--grpc-tls-key")
    args = ap.parse_args()
    tls = [f"--grpc-use-ssl=true", f"--grpc-server-cert={args.grpc_tls_cert}", f"--grpc-server-key={args.grpc_tls_key}"] if args.grpc_tls_cert else []
    shutil.rmtree(args.work, ignore_errors=True)
    repo = python_repository(args.repository, args.work)
    backends = python_backend(args.work)
    env = dict(os.environ)
    # The stub embeds the Python whose shared library it finds: this one, with this venv's packages.
    # The copied stub looks for the wheel's bundled libraries relative to where it was: say where they are.
    bundled = os.path.join(os.path.dirname(PYTRITON), "nvidia_pytriton.libs")
    env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (sysconfig.get_config_var("LIBDIR"), bundled, env.get("LD_LIBRARY_PATH")) if p)
    server = os.path.join(TRITON, "bin", "tritonserver")
    os.execve(server, [
        server,
        f"--model-repository={repo}",
        f"--backend-directory={backends}",
        f"--cache-directory={os.path.join(TRITON, 'caches')}",
        f"--grpc-port={args.grpc_port}",
        f"--http-port={args.http_port}",
        f"--metrics-port={args.metrics_port}",
        "--exit-on-error=true",
        "--strict-readiness=true",
        "--log-verbose=0",
        *tls,
    ], env)
    return 1


if __name__ == "__main__":
    sys.exit(main())
