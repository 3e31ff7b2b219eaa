"""Run a program that gets SIGTERM when the process that started it dies (Linux).

    python tests/support/die_with_parent.py PARENT_PID PROGRAM [ARGUMENTS...]

The tests start servers and `nightwatch run` through this, so a test run killed before its
teardown (a timeout, Ctrl-C twice) leaves nothing behind holding ports or publishing to the
broker. Only the standard library: it runs under the venv's and the system's Python alike.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    parent_pid, program, arguments = int(argv[1]), argv[2], argv[3:]
    if sys.platform == "linux":
        # Kept across execv, so the program itself receives the signal.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        return 1
    os.execv(program, [program, *arguments])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
