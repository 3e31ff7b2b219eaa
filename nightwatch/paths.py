"""Where shared footage and models lie: $NIGHTWATCH_SHARED, else ../shared beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLES = REPOSITORY / "config" / "examples"


def shared_dir() -> Path:
    configured = os.environ.get("NIGHTWATCH_SHARED")
    return Path(configured) if configured else REPOSITORY.parent / "shared"


def sample_footage() -> Path:
    return shared_dir() / "footage" / "people.mp4"


def sample_model() -> Path:
    return shared_dir() / "models" / "yolo11n_int8_openvino_model"
