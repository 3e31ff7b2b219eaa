"""The `storage:` section: where alerts, evidence and the audit log live, and how long they stay."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from pydantic import Field, field_validator

from config.common import Strict

GIB = 1024**3
_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class RetentionConfig(Strict):
    """Days an ended alert and its evidence are kept, by category; null keeps them forever."""

    normal: int | None = Field(
        30, ge=1, description="Alerts nobody classified, days after they ended. Default 30."
    )
    false_alarm: int | None = Field(
        7, ge=1, description="Alerts marked as false alarms, days after they ended. Default 7."
    )
    dispatched: int | None = Field(
        180, ge=1, description="Alerts a patrol was sent to, days after they ended. Default 180."
    )
    flagged: int | None = Field(
        365, ge=1, description="Alerts flagged for review, days after they ended. Default 365."
    )

    def days_for(self, category: str) -> int | None:
        """Retention of one category in days; None means forever."""
        days: int | None = getattr(self, category)
        return days


class StorageConfig(Strict):
    data_dir: str = Field(
        "./data",
        description="Folder for the embedded database and media, relative to the working "
        "directory unless absolute. Default ./data.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB (put a "
        "password in ${ENV_VAR}). Default null: sqlite:///<data_dir>/nightwatch.db.",
    )
    media_dir: str | None = Field(
        None,
        description="Folder for snapshots and clips; evidence paths are stored relative to it. "
        "Default null: <data_dir>/media.",
    )
    media_quota_gib: float | None = Field(
        50.0,
        gt=0,
        description="Most disk space media_dir may use, GiB; the oldest evidence files "
        "(legal holds excepted) are deleted beyond it. Null: no quota. Default 50.",
    )
    retention_interval_s: float = Field(
        3600.0,
        ge=10,
        description="How often retention runs while the pipeline runs, seconds. Default 3600.",
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig,
        description="Days kept per alert category (normal, false_alarm, dispatched, flagged).",
    )

    @field_validator("database_url")
    @classmethod
    def _supported_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        scheme = urlparse(value).scheme
        if scheme not in _SCHEMES:
            raise ValueError(
                f"database scheme {scheme!r} is not supported; use sqlite:///PATH or "
                "postgresql://USER@HOST:PORT/DB"
            )
        return value

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def media_path(self) -> Path:
        """The media folder, with the default applied."""
        return Path(self.media_dir) if self.media_dir else self.data_path / "media"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, with the embedded SQLite default applied."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_path / 'nightwatch.db').as_posix()}"

    @property
    def media_quota_bytes(self) -> int | None:
        return None if self.media_quota_gib is None else int(self.media_quota_gib * GIB)
