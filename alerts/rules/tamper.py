"""Camera tampering: blackout, covered lens, defocus, moved view or frozen stream, confirmed.

What the rule needs from the pipeline
-------------------------------------
`Observation.scene` with `scene.tamper` (`TamperSignals`) filled on every analysed frame of a
camera that has a tampering rule: the detectors' `SceneAnalyser.for_rules` measures the
picture with the first tampering rule's thresholds. A frame without scene signals repeats the
last verdict.

What it returns
---------------
A `TamperVerdict` (a `Verdict`, so the lifecycle takes it unchanged) with no objects, and
`details`: the confirmed conditions, when each began, and the picture's measures (luma,
sharpness and its ratio to the baseline, lost texture, view match, frozen seconds). The
engine should publish `details` with the alert (it is plain JSON-ready data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.rules.base import Verdict
from config.rules.tamper import TamperRuleConfig
from detectors.observation import Detections, Observation, SceneSignals, TamperSignals

_GAP_S = 2.0  # a condition missing for at most this long (someone walks past) keeps its run


@dataclass(frozen=True, slots=True)
class TamperVerdict(Verdict):
    """A verdict with the confirmed conditions and the measures behind them."""

    conditions: tuple[str, ...] = ()
    since: tuple[datetime, ...] = ()
    signals: TamperSignals | None = None

    @property
    def details(self) -> Mapping[str, object]:
        """JSON-ready facts for the alert message."""
        facts: dict[str, object] = {
            "conditions": list(self.conditions),
            "since": {
                name: at.isoformat() for name, at in zip(self.conditions, self.since, strict=True)
            },
        }
        if self.signals is not None:
            facts["measures"] = self.signals.measures()
        return facts


@dataclass(slots=True)
class _Run:
    """One condition's current run: when it began and when it was last seen."""

    began_at: datetime
    seen_at: datetime


class TamperRule:
    """Active while an enabled condition is present now and has held for `confirm_s`.

    Gaps up to two seconds do not break a run, so a person crossing in front of a covered or
    moved camera does not restart the count.
    """

    def __init__(self, config: TamperRuleConfig) -> None:
        self.config = config
        self._runs: dict[str, _Run] = {}
        self._last = TamperVerdict(False, Detections.empty())

    def reset(self) -> None:
        self._runs.clear()
        self._last = TamperVerdict(False, Detections.empty())

    def step(self, observation: Observation) -> TamperVerdict:
        return self.judge(observation.at, observation.scene)

    def judge(self, at: datetime, scene: SceneSignals | None) -> TamperVerdict:
        """Advance by one frame taken at `at` with these scene signals."""
        if scene is None or scene.tamper is None:
            return self._last
        signals = scene.tamper
        present = {str(condition) for condition in signals.conditions} & set(self.config.checks)
        for name in present:
            run = self._runs.setdefault(name, _Run(at, at))
            run.seen_at = at
        gap = timedelta(seconds=_GAP_S)
        for name in [name for name, run in self._runs.items() if at - run.seen_at > gap]:
            del self._runs[name]
        confirm = timedelta(seconds=self.config.confirm_s)
        confirmed = sorted(name for name in present if at - self._runs[name].began_at >= confirm)
        if confirmed:
            since = tuple(self._runs[name].began_at for name in confirmed)
            self._last = TamperVerdict(True, Detections.empty(), tuple(confirmed), since, signals)
        else:
            self._last = TamperVerdict(False, Detections.empty(), signals=signals)
        return self._last
