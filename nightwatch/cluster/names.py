"""The names of Nightwatch's actors in its Ray namespace (one of each name, cluster-wide)."""

from __future__ import annotations

import hashlib

CAMERA_PREFIX = "camera:"
COORDINATOR = "coordinator"
CONSOLE = "console"


def camera_actor_name(camera: str) -> str:
    return f"{CAMERA_PREFIX}{camera}"


def config_digest(text: str) -> str:
    """A short fingerprint of configuration text: a changed file means new actors."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
