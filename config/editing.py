"""Changes to a configuration file made by Nightwatch itself (an admin applying a tuning
proposal), written so that the operator's file stays theirs: comments, order and `${VAR}`
references are kept (ruamel.yaml round trip), the result must load before it replaces the
file, and the file is replaced whole (written beside it, then renamed).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from config.errors import ConfigError
from config.loader import parse_config


class EditError(Exception):
    """The change could not be made; the message says why and how to make it by hand."""


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)  # as config/examples/ write lists
    return yaml


def _flow(items: list[list[float]]) -> CommentedSeq:
    """A polygon written [[x, y], …] on one line, as the examples write them."""
    polygon = CommentedSeq([CommentedSeq(point) for point in items])
    for point in polygon:
        point.fa.set_flow_style()
    polygon.fa.set_flow_style()
    return polygon


def _rule(document: Any, camera: str, rule: str) -> CommentedMap:
    cameras = document.get("cameras") or {}
    if camera not in cameras:
        raise EditError(f"camera {camera!r} is no longer in the configuration")
    for item in cameras[camera].get("rules") or []:
        if (item.get("name") or item.get("type")) == rule:
            return item  # type: ignore[no-any-return]
    raise EditError(f"camera {camera!r} has no rule {rule!r} any more")


def edited_text(text: str, camera: str, rule: str, change: Mapping[str, Any]) -> str:
    """The configuration text with `change` made to `camera` and its rule `rule`: a `mask`
    added to the rule's masks (once), `min_area_px` set on the rule, or the camera's
    `detect.confidence` set."""
    yaml = _yaml()
    document = yaml.load(text)
    target = _rule(document, camera, rule)
    if "mask" in change:
        masks = target.get("masks")
        if masks is None:
            masks = CommentedSeq()
            target["masks"] = masks
        polygon = [list(map(float, point)) for point in change["mask"]]
        if polygon not in [[list(map(float, p)) for p in existing] for existing in masks]:
            masks.append(_flow(polygon))
    if "min_area_px" in change:
        target["min_area_px"] = int(change["min_area_px"])
    if "detect.confidence" in change:
        entry = document["cameras"][camera]
        if entry.get("detect") is None:
            entry["detect"] = CommentedMap()
        entry["detect"]["confidence"] = float(change["detect.confidence"])
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def apply_to_file(path: Path, camera: str, rule: str, change: Mapping[str, Any]) -> str:
    """Make the change in the file at `path` and return the new text. The new text must load
    (with this process's environment) before it replaces the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EditError(f"cannot read {path}: {error.strerror or error}") from error
    new = edited_text(text, camera, rule, change)
    try:
        parse_config(new, str(path), os.environ)
    except ConfigError as error:
        raise EditError(f"the change would make {path} invalid: {error}") from error
    hint = f"make the change by hand: cameras.{camera}, rule {rule}: {dict(change)}"
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise EditError(
            f"cannot write beside {path} ({error.strerror or error}); {hint}"
        ) from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(new)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise EditError(f"cannot write {path} ({error.strerror or error}); {hint}") from error
    return new
