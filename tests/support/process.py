"""Run the `nightwatch` command as a subprocess, as an operator would, with its output in a file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

# `python -m nightwatch.cli` is the console script `nightwatch` without relying on PATH.
NIGHTWATCH = (sys.executable, "-m", "nightwatch.cli")


_GUARD = Path(__file__).with_name("die_with_parent.py")


def die_with_parent(command: Sequence[str], python: str = sys.executable) -> list[str]:
    """`command` run so that it gets SIGTERM if the test process dies without teardown."""
    return [python, str(_GUARD), str(os.getpid()), *command]


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_cli(
    args: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout_s: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Run `nightwatch ARGS` to completion and capture its output."""
    return subprocess.run(
        [*NIGHTWATCH, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


class NightwatchProcess:
    """A running `nightwatch run --config FILE`; stdout and stderr go to `log_path`."""

    def __init__(self, config_path: Path, log_path: Path, env: dict[str, str]) -> None:
        self.config_path = config_path
        self.log_path = log_path
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(
                die_with_parent([*NIGHTWATCH, "run", "--config", str(config_path)]),
                cwd=config_path.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            )

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    def terminate(self) -> None:
        """SIGTERM, the way systemd or docker stop it."""
        self._process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL (kill -9): no chance to say goodbye."""
        if self._process.poll() is None:
            self._process.kill()

    def wait(self, timeout_s: float) -> int:
        try:
            return self._process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"nightwatch did not exit within {timeout_s:.0f} s\n{self.log_tail()}"
            ) from None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        tail = "\n".join(self.log().splitlines()[-lines:])
        return f"--- nightwatch log ({self.log_path}) ---\n{tail}"


class NightwatchRunner:
    """Factory behind the `nightwatch` fixture: writes a config, starts the process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._processes: list[NightwatchProcess] = []

    def start(
        self, config: dict[str, Any], name: str = "nightwatch", env: dict[str, str] | None = None
    ) -> NightwatchProcess:
        config_path = write_config(self.directory / f"{name}.yaml", config)
        process = NightwatchProcess(config_path, self.directory / f"{name}.log", env or {})
        self._processes.append(process)
        return process

    def close(self) -> None:
        for process in self._processes:
            process.kill()
            with contextlib.suppress(AssertionError):
                process.wait(10)
