"""What a model path holds, read without loading it: its format, and the shape of an export."""

from __future__ import annotations

from pathlib import Path

import yaml

WEIGHT_SUFFIXES = (".pt", ".onnx", ".engine", ".torchscript", ".tflite", ".mlpackage")


class ModelError(Exception):
    """Weights that cannot be loaded; the message says what to change."""


def check_path(path: str) -> None:
    """Refuse, with the fix, a path that cannot hold weights Ultralytics loads."""
    candidate = Path(path)
    is_bare_name = "/" not in path and not candidate.exists()
    if candidate.is_dir():
        if not any(candidate.glob("*.xml")) and not any(candidate.glob("*.mlmodel")):
            raise ModelError(
                f"model folder {path} holds no OpenVINO .xml; point model.path at a "
                "*_openvino_model folder exported by Ultralytics"
            )
        return
    if not is_bare_name and not candidate.exists():
        raise ModelError(f"model file {path} does not exist; check model.path")
    if candidate.suffix not in WEIGHT_SUFFIXES:
        known = ", ".join(WEIGHT_SUFFIXES)
        raise ModelError(
            f"model {path!r} is not a format Ultralytics loads (known: {known}, "
            "or an OpenVINO folder); set model.path to one of those"
        )


def export_shape(path: str) -> tuple[int, int | None]:
    """(images one forward pass takes, the fixed input size or None) of a model.

    Exports with a fixed shape (the usual OpenVINO exports) say so in their metadata;
    PyTorch weights and dynamic exports take any batch and size.
    """
    metadata_file = Path(path) / "metadata.yaml"
    if path.endswith(".pt") or not metadata_file.is_file():
        return (16, None) if path.endswith(".pt") else (1, None)
    metadata = yaml.safe_load(metadata_file.read_text(encoding="utf-8")) or {}
    if (metadata.get("args") or {}).get("dynamic"):
        return 16, None
    size = metadata.get("imgsz")
    fixed = int(max(size)) if isinstance(size, list) and size else None
    return int(metadata.get("batch") or 1), fixed


def openvino_xml(path: str, device: str) -> Path | None:
    """The .xml of an OpenVINO model folder run on the CPU, else None."""
    folder = Path(path)
    if device != "cpu" or not folder.is_dir():
        return None
    return next(iter(sorted(folder.glob("*.xml"))), None)
