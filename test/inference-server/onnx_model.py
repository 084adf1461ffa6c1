"""Triton Python-backend model that runs the model.onnx beside it in onnxruntime, on the CPU."""
import os
import sys

# serve.py writes the path of its venv's packages here when it copies this file into the repository.
SITE_PACKAGES = None
if SITE_PACKAGES and SITE_PACKAGES not in sys.path:
    sys.path.insert(0, SITE_PACKAGES)

import onnxruntime as ort  # noqa: E402
import triton_python_backend_utils as pb_utils  # noqa: E402


class TritonPythonModel:
    def initialize(self, args):
        here = os.path.join(args["model_repository"], args["model_version"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(os.path.join(here, "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"])
        (self.input,), (self.output,) = self.session.get_inputs(), self.session.get_outputs()

    def execute(self, requests):
        responses = []
        for request in requests:
            rows = pb_utils.get_input_tensor_by_name(request, self.input.name).as_numpy()
            scores = self.session.run([self.output.name], {self.input.name: rows})[0]
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor(self.output.name, scores)]))
        return responses
