"""Tasks that kill their own worker process, for the worker-loss tests. Loaded only by the
worker those tests start (``--include``)."""

import os
import signal

from integrations.tasking import flyt_task


def _marker(name):
    return os.path.join(os.environ["RELIABILITY_MARKER_DIR"], name)


@flyt_task(queue="default")
def crash_once_then_finish(label):
    """Dies (SIGKILL) on its first delivery; finishes on the next one."""
    if not os.path.exists(_marker(f"{label}.crashed")):
        open(_marker(f"{label}.crashed"), "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    open(_marker(f"{label}.done"), "w").close()
    return label


@flyt_task(queue="default")
def always_crash(label):
    """A poison message: kills its worker every time it runs."""
    with open(_marker(f"{label}.runs"), "a") as runs:
        runs.write("x\n")
    os.kill(os.getpid(), signal.SIGKILL)
