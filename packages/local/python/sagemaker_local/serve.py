"""Local model server speaking the SageMaker hosting contract (GET /ping, POST /invocations).

Loads the inference handlers the way the SageMaker PyTorch inference container does: the module named by
SAGEMAKER_PROGRAM (default inference.py) from <model_dir>/code, with model_fn / input_fn / predict_fn /
output_fn (or transform_fn); a missing function falls back to a default handler. Standard library only,
so it runs under any interpreter; torch and numpy are used by the defaults only when they are importable.

Started by local mode as: python serve.py --model-dir DIR [--port 0]. Prints "SAGEMAKER_LOCAL_READY <port>"
on stdout once the model is loaded and the port is listening.

Like the inference container's model server, one instance can run several worker processes
(SAGEMAKER_MODEL_SERVER_WORKERS, default 1 here to keep memory low): each loads the model itself and they share
one listening socket, so the parsing and handler work of concurrent requests is not serialised by one GIL. A
worker that dies is replaced; the parent reports ready only once every worker has loaded the model.
"""

import argparse
import importlib.util
import inspect
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORKERS_VARIABLE = "SAGEMAKER_MODEL_SERVER_WORKERS"
# A worker that dies sooner than this after its start is restarted only after this long, so a model that crashes
# on every request cannot make the parent fork in a tight loop.
RESTART_BACKOFF_S = 1.0
# With several workers, keep-alive connections are closed after this many requests so they rebalance.
MAX_REQUESTS_PER_CONNECTION = 100


class ContainerError(Exception):
    """An error with an HTTP status, as the inference toolkit raises for unsupported content types."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _positional_arity(fn):
    """How many positional arguments a handler takes (None: any number), so the optional context can be left out."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None
    return len([p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])


def _bind(fn):
    """The handler, called with as many of the positional arguments as it accepts (context is optional).

    The signature is read once here: inspect.signature costs tens of microseconds, too much per request.
    """
    count = _positional_arity(fn)
    if count is None:
        return fn
    return lambda *args: fn(*args[:count])


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
        transform_fn = getattr(self.module, "transform_fn", None)
        self.transform_fn = _bind(transform_fn) if transform_fn is not None else None
        self.input_fn = _bind(get("input_fn", default_input_fn))
        self.predict_fn = _bind(get("predict_fn", default_predict_fn))
        self.output_fn = _bind(get("output_fn", default_output_fn))
        self.model = _bind(get("model_fn", default_model_fn))(model_dir, None)

    def invoke(self, body, content_type, accept):
        if self.transform_fn is not None:
            result = self.transform_fn(self.model, body, content_type, accept, None)
        else:
            data = self.input_fn(body, content_type, None)
            prediction = self.predict_fn(data, self.model, None)
            result = self.output_fn(prediction, accept, None)
        if isinstance(result, tuple):
            payload, out_type = result[0], result[1]
        else:
            payload, out_type = result, accept if accept and accept != "*/*" else "application/json"
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        elif not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode("utf-8")
        return bytes(payload), out_type


def make_handler(handlers, max_requests_per_connection=0):
    """The request handler class; max_requests_per_connection > 0 closes a keep-alive connection after that many.

    With several workers on one socket, a keep-alive connection stays with the worker that accepted it; closing
    each one now and then lets clients' reconnections spread over the workers again (a replaced worker gets its
    share instead of none).
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        served = 0

        def log_message(self, fmt, *args):  # request lines would drown the model's own log
            pass

        def _send(self, status, body, content_type="text/plain", extra=None):
            # Status line, headers and body leave in one write: one packet and one wake-up of the client per
            # response, where send_response/end_headers/write take two.
            lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("",))[0]),
                     "Content-Type: " + content_type, "Content-Length: %d" % len(body)]
            lines.extend("%s: %s" % item for item in (extra or {}).items())
            self.served += 1
            if max_requests_per_connection and self.served >= max_requests_per_connection:
                lines.append("Connection: close")
                self.close_connection = True
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

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


class ModelHTTPServer(ThreadingHTTPServer):
    """A thread per connection, and a listen backlog for bursts of new connections.

    socketserver's default backlog is 5: a client opening 20 keep-alive connections at once (a pool warming up)
    overflowed it, and each dropped SYN waited for TCP's 1 s retransmission, so some requests took a second.
    """

    daemon_threads = True
    request_queue_size = socket.SOMAXCONN


def worker_count(value=None):
    """The number of model server processes for one instance, from the argument or SAGEMAKER_MODEL_SERVER_WORKERS."""
    raw = value if value is not None else os.environ.get(WORKERS_VARIABLE) or "1"
    try:
        count = int(raw)
    except (TypeError, ValueError):
        raise ValueError("%s=%r is not a whole number of worker processes" % (WORKERS_VARIABLE, raw)) from None
    if not 1 <= count <= 64:
        raise ValueError("%s=%d is out of range: use 1 to 64 worker processes" % (WORKERS_VARIABLE, count))
    return count


def serve(model_dir, host="127.0.0.1", port=0, on_ready=None, workers=None):
    """Loads the model, binds the port, reports it, and serves until the process ends."""
    count = worker_count(workers)
    if count > 1:
        _serve_with_workers(model_dir, host, port, on_ready, count)
        return
    handlers = Handlers(model_dir)
    server = ModelHTTPServer((host, port), make_handler(handlers))
    _report_ready(server.server_address[1], on_ready)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass


def _report_ready(port, on_ready):
    if on_ready is None:
        sys.stdout.write("SAGEMAKER_LOCAL_READY %d\n" % port)
        sys.stdout.flush()
    else:
        on_ready(port)


def _die_with_parent(parent):
    """Linux: the kernel sends SIGTERM to a worker whose parent is gone, even if the parent was SIGKILLed."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _fork_worker(server, model_dir, ready_fd):
    parent = os.getpid()
    # SIGTERM stays blocked across the fork so the child never runs the parent's stop handler.
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
        return pid
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
        _die_with_parent(parent)
        server.RequestHandlerClass = make_handler(Handlers(model_dir), MAX_REQUESTS_PER_CONNECTION)
        os.write(ready_fd, b"R")
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    except BaseException:  # noqa: BLE001 - the log gets the trace; the parent sees the exit code
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _exit_code(status):
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _serve_with_workers(model_dir, host, port, on_ready, count):
    # Bound before forking so every worker accepts on the same socket. Non-blocking: when several workers wake
    # for one connection, the losers' accept() fails (and is ignored by socketserver) instead of blocking.
    server = ModelHTTPServer((host, port), BaseHTTPRequestHandler)
    server.socket.setblocking(False)
    ready_read, ready_write = os.pipe()
    workers = {}  # pid -> start time
    stopping = False

    def stop(_signum=None, _frame=None):
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    try:
        for _ in range(count):
            workers[_fork_worker(server, model_dir, ready_write)] = time.monotonic()
        loaded = 0
        while loaded < count:
            readable, _, _ = select.select([ready_read], [], [], 0.2)
            if readable:
                loaded += len(os.read(ready_read, count))
                continue
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid:
                workers.pop(pid, None)
                raise RuntimeError("model server worker %d of %d exited (code %d) while loading the model"
                                   % (count - len(workers), count, _exit_code(status)))
        _report_ready(server.server_address[1], on_ready)
        print("model server: %d worker processes (%s) share port %d"
              % (count, WORKERS_VARIABLE, server.server_address[1]), flush=True)
        while not stopping:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            started = workers.pop(pid, None)
            if stopping or started is None:
                continue
            print("model server worker %d exited (code %d); starting a replacement" % (pid, _exit_code(status)),
                  file=sys.stderr, flush=True)
            if time.monotonic() - started < RESTART_BACKOFF_S:
                time.sleep(RESTART_BACKOFF_S)
            if not stopping:
                workers[_fork_worker(server, model_dir, ready_write)] = time.monotonic()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for pid in list(workers):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", default=None, help="worker processes (default: $%s or 1)" % WORKERS_VARIABLE)
    args = parser.parse_args()
    serve(args.model_dir, args.host, args.port, workers=args.workers)


if __name__ == "__main__":
    main()
