"""The rate a camera's status shows: read by the status and console threads while the
camera's reader thread counts."""

from __future__ import annotations

import threading

from ingest.meter import RateMeter


def test_the_rate_is_events_per_second_over_the_window() -> None:
    meter = RateMeter(window_s=5.0)
    for tick in range(301):  # 30 a second for 10 s
        meter.tick(tick / 30)

    assert abs(meter.rate(10.0) - 30.0) < 0.5
    assert meter.rate(16.0) == 0.0  # nothing in the last five seconds


def test_reading_the_rate_while_the_reader_counts_never_fails() -> None:
    meter = RateMeter(window_s=0.01)
    errors: list[BaseException] = []
    done = threading.Event()

    def count() -> None:
        step = 0
        while not done.is_set():
            step += 1
            meter.tick(step * 1e-4)

    def read() -> None:
        try:
            for step in range(200_000):
                meter.rate(step * 1e-4)
        except RuntimeError as error:  # "deque mutated during iteration"
            errors.append(error)
        finally:
            done.set()

    threads = [threading.Thread(target=count), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
