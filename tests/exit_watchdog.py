"""The test process must end once its summary is printed.

CI once printed "1738 passed" and then waited until its 90-minute limit: something kept the
interpreter alive after the session (a non-daemon thread, an executor job that never returns,
a child process multiprocessing joins at exit). A hang there is invisible: nothing is printed.
This watchdog, armed when pytest is done, gives the interpreter `RELAIS_TEST_EXIT_GRACE`
seconds (default 120) to exit; past that it prints every thread's stack, the threads and child
processes still alive, and ends the process with pytest's own exit status, so the log says
what held it and the verdict stays the tests' verdict.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import sys
import threading
from pathlib import Path

import pytest


def _child_processes() -> list[tuple[int, str]]:
    """Every process whose parent is this one (from /proc: psutil is not a dependency)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append((int(stat.parent.name), cmdline.decode(errors="replace")[:200]))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _report_and_exit(status: int) -> None:
    out = sys.__stderr__
    print("\n*** exit watchdog: the test process did not exit after the session ***", file=out)
    for thread in threading.enumerate():
        print(f"  thread {thread.name!r} daemon={thread.daemon}", file=out)
    for child in multiprocessing.active_children():
        print(f"  multiprocessing child {child.name} pid={child.pid}", file=out)
    for pid, cmdline in _child_processes():
        print(f"  child process {pid}: {cmdline}", file=out)
    faulthandler.dump_traceback(file=out, all_threads=True)
    out.flush()
    os._exit(status)


EXIT_STATUS = pytest.StashKey[int]()


def remember_exit_status(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[EXIT_STATUS] = int(exitstatus)


def arm_exit_watchdog(config: pytest.Config) -> None:
    grace = float(os.environ.get("RELAIS_TEST_EXIT_GRACE", "120"))
    status = config.stash.get(EXIT_STATUS, 1)
    timer = threading.Timer(grace, _report_and_exit, args=(status,))
    timer.name = "relais-exit-watchdog"
    timer.daemon = True
    timer.start()
