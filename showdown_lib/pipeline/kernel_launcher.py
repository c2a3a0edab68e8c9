"""Start a notebook kernel (or a task process) that ends with the run that started it.

The pipeline's kernel spec runs ``python -m showdown_lib.pipeline.kernel_launcher -f {connection_file}``. Before
ipykernel starts, :func:`die_with_parent` asks Linux to kill this process when its parent goes away
(``PR_SET_PDEATHSIG``): a run stopped by Ctrl-C, SIGTERM or ``kill -9`` never leaves a busy kernel
behind. Elsewhere, a watchdog thread ends the process once its parent is gone. ipykernel's own parent
poller only notices a parent that was replaced by process 1, which a container's init or a subreaper
is not.
"""
from __future__ import annotations

import os
import signal
import sys
import threading


def die_with_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)

    def watch() -> None:
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="showdown-parent-watch", daemon=True).start()


def main() -> None:
    die_with_parent()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
