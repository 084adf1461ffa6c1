"""ONNX export, dynamic INT8 quantization and scoring with onnxruntime."""
import logging
import os
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

INPUT_NAME = "features"
OUTPUT_NAME = "probabilities"
OPSET = 17


def to_onnx(pipeline, n_features: int) -> bytes:
    mlp = pipeline.steps[-1][1]
    model = convert_sklearn(
        pipeline,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        options={id(mlp): {"zipmap": False}},
        target_opset={"": OPSET, "ai.onnx.ml": 3},
    )
    # Keep only the probability output and the nodes it needs: serving reads one tensor, and the
    # label branch would be computed for nothing on every batch.
    keep = [o for o in model.graph.output if o.name == OUTPUT_NAME]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    prune(model)
    return stamp(model).SerializeToString()


def prune(model: onnx.ModelProto) -> None:
    needed = {o.name for o in model.graph.output}
    kept = []
    for node in reversed(list(model.graph.node)):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(node.input)
    del model.graph.node[:]
    model.graph.node.extend(reversed(kept))
    used = [i for i in model.graph.initializer if i.name in needed]
    del model.graph.initializer[:]
    model.graph.initializer.extend(used)


def stamp(model: onnx.ModelProto) -> onnx.ModelProto:
    """skl2onnx names the graph with a random UUID; a fixed name makes the export reproducible."""
    model.graph.name = "scorestream"
    model.producer_name = "scorestream-training"
    model.producer_version = "1"
    return model


def quantize_int8(fp32: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "fp32.onnx"), os.path.join(tmp, "int8.onnx")
        with open(src, "wb") as f:
            f.write(fp32)
        # The quantizer's advice to pre-process the graph is for convolutional models, not these MLPs.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        return stamp(onnx.load(dst)).SerializeToString()


def session(model: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def scores(model: bytes, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    s = session(model)
    out = [s.run([OUTPUT_NAME], {INPUT_NAME: x[i : i + batch]})[0][:, 1] for i in range(0, len(x), batch)]
    return np.concatenate(out).astype(np.float32)


def op_types(model: bytes) -> list:
    return sorted({n.op_type for n in onnx.load_from_string(model).graph.node})
