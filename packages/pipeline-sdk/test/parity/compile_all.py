"""Compiles every reference pipeline in pipelines/ with the SageMaker Python SDK and prints
{"<file stem>": <parsed definition>} as one JSON object. Usage: python compile_all.py [name ...]"""
import importlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "pipelines"))

from harness import session  # noqa: E402


def main(names):
    if not names:
        names = sorted(f[:-3] for f in os.listdir(os.path.join(here, "pipelines")) if f.endswith(".py") and not f.startswith("_"))
    out = {}
    for name in names:
        module = importlib.import_module(name)
        out[name] = json.loads(module.build(session()).definition())
    # The SDK may print (rich tracebacks, notices) to stdout: the result is always the last line.
    sys.stdout.write("\n" + json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
