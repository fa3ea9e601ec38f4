"""Local mode without a private /opt/ml (no bubblewrap): refuse SageMaker container paths loudly.

Put first on PYTHONPATH for job and endpoint processes when local mode cannot give them their own /opt/ml.
Their inputs and outputs then live in the job's folder (the paths in the job's arguments and SM_* variables
point there), so a script that opens a literal /opt/ml path would otherwise read or write the machine's own
/opt/ml: the job would "succeed" and its outputs would be lost, or two jobs would overwrite each other.
"""
import os
import sys

_ROOT = "/opt/ml"
_EVENTS = {"open", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.listdir", "os.scandir", "shutil.copyfile"}


def _is_container_path(value):
    try:
        path = os.fsdecode(value)
    except TypeError:
        return False
    if not path.startswith(_ROOT):
        return False
    return len(path) == len(_ROOT) or path[len(_ROOT)] == "/"


def _guard(event, args):
    if event not in _EVENTS or not args:
        return
    for value in args[:2]:
        if isinstance(value, (str, bytes, os.PathLike)) and _is_container_path(value):
            reason = os.environ.get("SAGEMAKER_LOCAL_GUARD_REASON", "no private /opt/ml")
            raise PermissionError(
                "local mode: %s is a SageMaker container path, and this machine gives jobs no private /opt/ml (%s). "
                "Install bubblewrap (apt-get install bubblewrap) so each job sees its own /opt/ml, or take the path "
                "from the job's arguments or SM_* environment variables (they point at the job's folder)."
                % (os.fsdecode(value), reason)
            )


sys.addaudithook(_guard)
