"""What `create_app` is built from: the services, and the console's own settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from alerts.store import Store
from config.schema import NightwatchConfig
from console.accounts.repository import Accounts
from console.ports import CameraFeed, DispatchControl, NodeDirectory
from console.security import LoginLimits


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """Console behaviour; defaults suit a control room on a local network."""

    session_ttl: timedelta = timedelta(hours=12)  # one night shift and then some
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    # Repeated requests for one file by one user within this time are one audited view
    # (a video player's range requests while seeking, a page re-drawn).
    view_audit_window_s: float = 120.0
    live_fps: float = 5.0  # most pictures per second a live view sends
    max_body_bytes: int = 64 * 1024  # request bodies are small JSON documents
    secure_cookies: bool = False  # set when served over HTTPS (behind a TLS proxy)


@dataclass(frozen=True, slots=True)
class ConsoleServices:
    """Everything the console reads from and acts on. Build one per app (tests: per case)."""

    store: Store
    users: Accounts
    cameras: CameraFeed
    config: NightwatchConfig
    dispatcher: DispatchControl | None = None  # None: dispatch routes answer 503
    settings: ConsoleSettings = field(default_factory=ConsoleSettings)
    nodes: NodeDirectory | None = None  # None: not a cluster; the nodes route answers 404
    # The configuration file tuning proposals are applied to; None: they are applied by hand.
    config_file: Path | None = None
