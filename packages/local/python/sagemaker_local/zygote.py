"""A warm interpreter for local endpoints: imports heavy modules once, then forks one model server per request.

Started by local mode as: python zygote.py --preload torch[,numpy,...]. Reads one JSON request per line on
stdin: {"id", "model_dir", "env", "log"}. For each it forks a child that sends its output to the "log" file,
loads the model (serve.py) and reports on the zygote's stdout, one line each, written atomically:
  READY <id> <pid> <port>      the child is serving
  EXIT <id> <pid> <code>       the child ended (negative code: killed by that signal)
A cold start then costs the fork and model_fn, not the import of the framework.
"""
import argparse
import importlib
import json
import os
import signal
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402

children = {}  # pid -> request id
report_fd = os.dup(1)


def report(line):
    os.write(report_fd, (line + "\n").encode("utf-8"))


def reap(_signum=None, _frame=None):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        report("EXIT %s %d %d" % (children.pop(pid, "?"), pid, code))


def child(request):
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    os.environ.update(request.get("env") or {})
    os.environ["SM_MODEL_DIR"] = request["model_dir"]
    try:
        serve.serve(request["model_dir"], on_ready=lambda port: report("READY %s %d %d" % (request["id"], os.getpid(), port)))
    except BaseException:  # noqa: BLE001 - the log file gets the trace, the zygote gets the exit code
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preload", default="")
    args = parser.parse_args()
    for name in filter(None, args.preload.split(",")):
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, reap)
    report("ZYGOTE_READY %d" % os.getpid())
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        # Hold SIGCHLD until the child is registered, so its EXIT line always carries its request id.
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            os.close(0)
            child(request)
        children[pid] = request["id"]
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        reap()
    # stdin closed: local mode went away; end the servers too.
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    main()
