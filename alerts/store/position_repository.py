"""Patrol teams' last positions: one row per team, replaced by each newer fix.

Only the last position is kept (the map shows it, nearest-team dispatch reads it), so the
table never grows beyond the number of teams. A position is not evidence: it is written
without an audit record; refusals are the console's to answer.

The row lives here rather than in models.py, beside the only code that touches it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from alerts.dispatch.nearest import TeamPosition
from alerts.store.database import Database
from alerts.store.models import Base


class TeamPositionRow(Base):
    __tablename__ = "patrol_positions"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime]  # measured by the phone
    received_at: Mapped[datetime]
    member: Mapped[str] = mapped_column(String(128))


class PositionRepository:
    """Get it as `store.positions` (the dispatcher codes against alerts.dispatch.nearest)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, position: TeamPosition) -> TeamPosition:
        """Keep `position` as its team's last, unless a newer one is kept already (a phone's
        late retry must not move the team back); returns the one kept."""
        try:
            return self._record(position)
        except IntegrityError:  # two phones of a team sent its first position at once
            return self._record(position)

    def _record(self, position: TeamPosition) -> TeamPosition:
        with self._database.plain_writing() as session:
            row = session.get(TeamPositionRow, position.team, with_for_update=True)
            if row is None:
                row = TeamPositionRow(team=position.team)
                session.add(row)
            elif row.at > position.at:
                return TeamPosition.model_validate(row)
            row.lat, row.lon, row.accuracy_m = position.lat, position.lon, position.accuracy_m
            row.at, row.received_at, row.member = position.at, position.received_at, position.member
            session.flush()
            return TeamPosition.model_validate(row)

    def forget(self, team: str) -> bool:
        """Drop a team's position (its member stopped sharing); whether there was one."""
        with self._database.plain_writing() as session:
            gone = session.execute(delete(TeamPositionRow).where(TeamPositionRow.team == team))
            return bool(getattr(gone, "rowcount", 0))

    def latest(self) -> list[TeamPosition]:
        """Every team's last position, by team id."""
        with self._database.reading() as session:
            rows = session.scalars(select(TeamPositionRow).order_by(TeamPositionRow.team))
            return [TeamPosition.model_validate(row) for row in rows]
