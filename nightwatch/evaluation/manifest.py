"""The evaluation manifest: labelled footage, the configuration to run on it, what must happen.

```yaml
variables:                    # defaults for ${VAR} here and in the entries' configurations;
  NIGHTWATCH_MODEL: ${NIGHTWATCH_SHARED}/models/yolo11n_int8_openvino_model   # env wins
entries:
  - name: fall-lounge
    video: ${NIGHTWATCH_SHARED}/footage/falls/le2i_lectureroom_fall_jy-fall-3.mp4
    prepare: {hold_last_s: 20}          # freeze the last picture 20 s more
    config: ../../config/examples/person_down.yaml   # relative to this file, or a mapping
    events:
      - {rule: person_down, window: [8.0, 20.0], at: 8.0}
  - name: bend-pickup
    video: ...
    config: ...
    rules: [person_down]                # judged rule types: any such alert here is false
    events: []
  - name: thermal-night
    images: ${NIGHTWATCH_SHARED}/footage/night/llvip-ir-dev
    boxes: mot                          # or voc (Pascal VOC XML)
    config: ../../config/examples/quickstart.yaml    # its camera's detect settings
    person: {precision_min: 0.85, recall_min: 0.75}
```

Times are seconds into the video (after preprocessing); regions are normalised boxes
`[x1, y1, x2, y2]` (fractions of the picture's width and height).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from config.common import Name, Strict
from config.loader import KeyPath
from config.rules import RULE_TYPES

SOURCE_VARIABLE = "NIGHTWATCH_SOURCE"  # the example configurations' camera source
Window = tuple[float, float]
Region = tuple[float, float, float, float]


def _known_rule_type(value: str, at: KeyPath = ()) -> str:
    if value not in RULE_TYPES:
        raise PydanticCustomError(
            "unknown_rule_type",
            "'{value}' is not a rule type",
            {"value": value, "at": at, "fix": f"use one of {', '.join(RULE_TYPES)}"},
        )
    return value


def _check_window(window: Window, what: str) -> Window:
    start, end = window
    if start < 0 or end < start:
        raise PydanticCustomError(
            "bad_window",
            "{what} [{start}, {end}] must be [from, to] with 0 <= from <= to, video seconds",
            {"what": what, "start": start, "end": end, "fix": "write [from, to], e.g. [8.0, 20.0]"},
        )
    return window


class ExpectedEvent(Strict):
    """An alert that must start inside `window` (and, when given, end inside `end`)."""

    rule: str = Field(description="Rule type of the alert, e.g. person_down.")
    window: Window = Field(
        description="[from, to]: the alert must start in this span, seconds into the video."
    )
    at: float | None = Field(
        None,
        ge=0,
        description="When the event happens, for the alert's delay; default the window's start.",
    )
    region: Region | None = Field(
        None,
        description="Normalised box [x1, y1, x2, y2] that one of the alert's objects must "
        "overlap when it starts. Default: anywhere.",
    )
    end: Window | None = Field(
        None, description="[from, to]: the alert's end message must come in this span, seconds."
    )
    note: str = Field("", description="What happens, for people reading the manifest.")

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return _known_rule_type(value)

    @field_validator("window", "end", "region", mode="before")
    @classmethod
    def _numbers(cls, value: object, info: ValidationInfo) -> object:
        count = 4 if info.field_name == "region" else 2
        if value is None and info.field_name != "window":
            return value
        if (
            isinstance(value, list | tuple)
            and len(value) == count
            and all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)
        ):
            return value
        shape, example = (
            ("[x1, y1, x2, y2], four fractions of the picture", "[0.4, 0.5, 0.8, 1.0]")
            if count == 4
            else ("[from, to], two times in seconds into the video", "[8.0, 20.0]")
        )
        raise PydanticCustomError(
            "bad_numbers", "must be {shape}", {"shape": shape, "fix": f"write e.g. {example}"}
        )

    @field_validator("window")
    @classmethod
    def _window(cls, value: Window) -> Window:
        return _check_window(value, "window")

    @field_validator("end")
    @classmethod
    def _end(cls, value: Window | None) -> Window | None:
        return None if value is None else _check_window(value, "end")

    @field_validator("region")
    @classmethod
    def _region(cls, value: Region | None) -> Region | None:
        if value is None:
            return None
        x1, y1, x2, y2 = value
        if not (0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1):
            raise PydanticCustomError(
                "bad_region",
                "region {region} must be [x1, y1, x2, y2] with 0 <= x1 < x2 <= 1 and "
                "0 <= y1 < y2 <= 1",
                {
                    "region": list(value),
                    "fix": "give fractions of the picture's width and height, e.g. "
                    "[0.4, 0.5, 0.8, 1.0]",
                },
            )
        return value

    @property
    def reference_s(self) -> float:
        """The time the delay is measured from."""
        return self.window[0] if self.at is None else self.at


class Prepare(Strict):
    """What to do to the clip before it is analysed (into a cache folder, never in place)."""

    loop_to_s: float | None = Field(
        None, gt=0, description="Play the clip again and again up to this length, seconds."
    )
    hold_last_s: float | None = Field(
        None,
        gt=0,
        description="Then freeze the last picture for this long, seconds (a fall whose clip "
        "ends soon after it: the person stays down).",
    )


class PersonExpectation(Strict):
    """Person detection on an image sequence with boxes (IoU >= 0.5)."""

    precision_min: float = Field(0.0, ge=0, le=1, description="Least precision, 0-1.")
    recall_min: float = Field(0.0, ge=0, le=1, description="Least recall, 0-1.")


class Entry(Strict):
    """One clip or image sequence, the configuration to run on it, and its expectations."""

    name: Name = Field(description="Entry name in the report and the timeline's file name.")
    video: str | None = Field(None, description="Video file, relative to the manifest.")
    images: str | None = Field(
        None, description="Folder of an image sequence with boxes, relative to the manifest."
    )
    boxes: Literal["mot", "voc"] = Field(
        "mot", description="Format of the images' boxes: mot (gt/gt.txt) or voc (XML)."
    )
    config: Any = Field(
        description="Configuration file (relative to the manifest), or the configuration itself."
    )
    camera: Name | None = Field(None, description="Camera of the configuration; default its only.")
    prepare: Prepare | None = Field(None, description="Preprocessing of the clip.")
    events: tuple[ExpectedEvent, ...] | None = Field(
        None, description="Alerts that must happen; [] for a clip where none may."
    )
    rules: tuple[str, ...] | None = Field(
        None,
        description="Rule types judged: an alert of these types that matches no event is "
        "false. Default: the types the events name.",
    )
    person: PersonExpectation | None = Field(
        None, description="Images: least person precision and recall."
    )
    note: str = Field("", description="What the footage shows, for people reading the manifest.")

    @field_validator("config")
    @classmethod
    def _config(cls, value: object) -> object:
        if (isinstance(value, str) and value.strip()) or isinstance(value, dict):
            return value
        raise PydanticCustomError(
            "bad_config",
            "must be a configuration file's path or a configuration mapping",
            {"fix": "write config: ../../config/examples/person_down.yaml, or config: {...}"},
        )

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for index, rule in enumerate(value or ()):
            _known_rule_type(rule, (index,))
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Entry:
        if (self.video is None) == (self.images is None):
            raise _entry_error("give either video or images", "video", "one of video: or images:")
        if self.images is not None:
            for key in ("events", "rules", "prepare"):
                if getattr(self, key) is not None:
                    raise _entry_error(
                        f"{key} apply to videos; image sequences are scored on their boxes",
                        key,
                        "remove it, or use person: {precision_min: …, recall_min: …}",
                    )
            if self.person is None:
                raise _entry_error(
                    "an image sequence needs its expectation",
                    "person",
                    "add person: {precision_min: 0.85, recall_min: 0.75}",
                )
            return self
        if self.person is not None:
            raise _entry_error(
                "person applies to image sequences", "person", "remove it, or give events:"
            )
        if self.events is None:
            raise _entry_error(
                "a video needs its expectation",
                "events",
                "list the alerts that must happen, or write events: [] with rules: [TYPE]",
            )
        if not self.events and not self.rules:
            raise _entry_error(
                "events: [] needs the rule types that must not alert",
                "rules",
                "add rules: [person_down] (the types whose every alert here is false)",
            )
        if self.rules is not None:
            for index, event in enumerate(self.events):
                if event.rule not in self.rules:
                    raise _entry_error(
                        f"event rule {event.rule!r} is not among the judged rules",
                        ("events", index, "rule"),
                        f"add {event.rule} to rules:, or leave rules: out",
                    )
        return self

    @property
    def judged_rules(self) -> tuple[str, ...]:
        """The rule types whose alerts are matched against the events."""
        if self.rules is not None:
            return self.rules
        return tuple(dict.fromkeys(event.rule for event in self.events or ()))


def _entry_error(message: str, key: str | KeyPath, fix: str) -> PydanticCustomError:
    at = (key,) if isinstance(key, str) else key
    return PydanticCustomError("bad_entry", message, {"at": at, "fix": fix})


class Manifest(Strict):
    variables: dict[str, str] = Field(
        default_factory=dict,
        description="Defaults for ${VAR} in the manifest and its entries' configurations; "
        "a variable set in the environment wins. NIGHTWATCH_SHARED is always known.",
    )
    entries: tuple[Entry, ...] = Field(min_length=1, description="The footage to evaluate.")

    @model_validator(mode="after")
    def _unique_names(self) -> Manifest:
        seen: set[str] = set()
        for index, entry in enumerate(self.entries):
            if entry.name in seen:
                raise PydanticCustomError(
                    "duplicate_entry",
                    "two entries are named '{name}'",
                    {"name": entry.name, "at": ("entries", index, "name"), "fix": "rename one"},
                )
            seen.add(entry.name)
        return self
