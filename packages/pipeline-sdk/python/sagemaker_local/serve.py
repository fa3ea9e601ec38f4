"""Local model server speaking the SageMaker hosting contract (GET /ping, POST /invocations).

Loads the inference handlers the way the SageMaker PyTorch inference container does: the module named by
SAGEMAKER_PROGRAM (default inference.py) from <model_dir>/code, with model_fn / input_fn / predict_fn /
output_fn (or transform_fn); a missing function falls back to a default handler. Standard library only,
so it runs under any interpreter; torch and numpy are used by the defaults only when they are importable.

Started by local mode as: python serve.py --model-dir DIR [--port 0]. Prints "SAGEMAKER_LOCAL_READY <port>"
on stdout once the model is loaded and the port is listening.
"""

import argparse
import importlib.util
import inspect
import json
import os
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ContainerError(Exception):
    """An error with an HTTP status, as the inference toolkit raises for unsupported content types."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _call(fn, *args):
    """Calls a handler with as many of the positional arguments as it accepts (context is optional)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return fn(*args)
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return fn(*args)
    count = len([p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    return fn(*args[:count])


def default_model_fn(model_dir):
    try:
        import torch
    except ImportError as error:
        raise RuntimeError("model_fn is not defined in the inference script and torch is not installed "
                           "for the default loader") from error
    for name in ("model.pt", "model.pth"):
        path = os.path.join(model_dir, name)
        if os.path.exists(path):
            return torch.jit.load(path, map_location="cpu")
    raise RuntimeError("model_fn is not defined in the inference script and the model folder has no "
                       "model.pt / model.pth for the default TorchScript loader")


def default_input_fn(body, content_type):
    if content_type and content_type.split(";")[0].strip() in ("application/json", "application/x-npy", "text/csv"):
        kind = content_type.split(";")[0].strip()
        if kind == "application/json":
            data = json.loads(body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body)
        elif kind == "text/csv":
            text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
            data = [[float(v) for v in line.split(",")] for line in text.strip().splitlines()]
        else:
            import io
            import numpy
            data = numpy.load(io.BytesIO(body), allow_pickle=False)
        try:
            import torch
            return torch.as_tensor(data, dtype=torch.float32)
        except ImportError:
            return data
    raise ContainerError(415, "Content type %s is not supported by the default input_fn" % content_type)


def default_predict_fn(data, model):
    try:
        import torch
        with torch.no_grad():
            return model(data)
    except ImportError:
        return model(data)


def default_output_fn(prediction, accept):
    accept = (accept or "application/json").split(";")[0].strip()
    if accept in ("application/json", "*/*"):
        if hasattr(prediction, "detach"):
            prediction = prediction.detach().cpu().numpy()
        if hasattr(prediction, "tolist"):
            prediction = prediction.tolist()
        return json.dumps(prediction), "application/json"
    raise ContainerError(406, "Accept type %s is not supported by the default output_fn" % accept)


class Handlers:
    def __init__(self, model_dir):
        self.model_dir = model_dir
        code_dir = os.environ.get("SAGEMAKER_LOCAL_CODE_DIR") or os.path.join(model_dir, "code")
        program = os.environ.get("SAGEMAKER_PROGRAM") or "inference.py"
        self.module = None
        path = os.path.join(code_dir, program)
        if os.path.exists(path):
            sys.path.insert(0, code_dir)
            spec = importlib.util.spec_from_file_location(os.path.splitext(program)[0], path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.module = module
        elif os.environ.get("SAGEMAKER_PROGRAM"):
            raise RuntimeError("SAGEMAKER_PROGRAM=%s but %s does not exist in the model archive" % (program, path))
        get = lambda name, default: getattr(self.module, name, None) or default  # noqa: E731
        self.transform_fn = getattr(self.module, "transform_fn", None)
        self.input_fn = get("input_fn", default_input_fn)
        self.predict_fn = get("predict_fn", default_predict_fn)
        self.output_fn = get("output_fn", default_output_fn)
        self.model = _call(get("model_fn", default_model_fn), model_dir, None)

    def invoke(self, body, content_type, accept):
        if self.transform_fn is not None:
            result = _call(self.transform_fn, self.model, body, content_type, accept, None)
        else:
            data = _call(self.input_fn, body, content_type, None)
            prediction = _call(self.predict_fn, data, self.model, None)
            result = _call(self.output_fn, prediction, accept, None)
        if isinstance(result, tuple):
            payload, out_type = result[0], result[1]
        else:
            payload, out_type = result, accept if accept and accept != "*/*" else "application/json"
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        elif not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode("utf-8")
        return bytes(payload), out_type


def make_handler(handlers):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # request lines would drown the model's own log
            pass

        def _send(self, status, body, content_type="text/plain", extra=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/ping":
                self._send(200, b"")
            else:
                self._send(404, b"not found")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path != "/invocations":
                self._send(404, b"not found")
                return
            started = time.perf_counter()
            try:
                payload, out_type = handlers.invoke(
                    body, self.headers.get("Content-Type") or "application/json", self.headers.get("Accept"))
            except ContainerError as error:
                self._send(error.status, str(error).encode("utf-8"))
                return
            except Exception as error:  # the container answers 500 with the message; the log keeps the trace
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                self._send(500, ("%s: %s" % (type(error).__name__, error)).encode("utf-8"))
                return
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            self._send(200, payload, out_type or "application/json", {"X-Local-Handler-Ms": "%.3f" % elapsed_ms})

    return Handler


def serve(model_dir, host="127.0.0.1", port=0, on_ready=None):
    """Loads the model, binds the port, reports it, and serves until the process ends."""
    handlers = Handlers(model_dir)
    server = ThreadingHTTPServer((host, port), make_handler(handlers))
    server.daemon_threads = True
    if on_ready is None:
        sys.stdout.write("SAGEMAKER_LOCAL_READY %d\n" % server.server_address[1])
        sys.stdout.flush()
    else:
        on_ready(server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    serve(args.model_dir, args.host, args.port)


if __name__ == "__main__":
    main()
