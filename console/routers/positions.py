"""Patrol positions: a member's phone shares the team's position while the team is on duty.

Sharing is the member's choice (the phone page's "share my position while on duty"): each
fix is a POST, and switching it off is a DELETE that also drops the team's last position, so
the map does not go on showing where the team was. Refused: another team's position (403),
a team off duty by its roster (409), a position outside the earth's ranges (422).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status

from alerts.dispatch.nearest import TeamPosition
from alerts.dispatch.routing import RoutingTable
from config.schema import NightwatchConfig
from console.deps import Principal, Services, Sharer
from console.schemas.common import ID_PATTERN
from console.schemas.positions import PositionBody, SharingStopped, TeamPositionOut

router = APIRouter(prefix="/api/v1", tags=["positions"])
TeamName = Annotated[str, Path(pattern=ID_PATTERN, description="Team id as configured.")]
FUTURE_SLACK = timedelta(minutes=2)  # a phone's clock a little ahead is not an error
OLDEST = timedelta(days=1)  # an older fix says nothing of where the team is
_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not your team"},
    404: {"description": "No such team"},
    409: {"description": "The team is off duty"},
}


def on_duty(config: NightwatchConfig, team: str, now: datetime) -> bool:
    """Whether `team` is on duty now by its roster (False without dispatch configured)."""
    if config.dispatch is None:
        return False
    routing = RoutingTable.from_config(config.dispatch, config.site.timezone)
    return routing.is_on_duty(team, now)


def position_out(
    config: NightwatchConfig, position: TeamPosition, now: datetime
) -> TeamPositionOut:
    teams = config.dispatch.teams if config.dispatch is not None else {}
    name = teams[position.team].name if position.team in teams else position.team
    return TeamPositionOut(
        **position.model_dump(),
        name=name,
        age_s=max(0.0, (now - position.at).total_seconds()),
        on_duty=on_duty(config, position.team, now),
    )


def _own_team(principal: Principal, team: str, services: Services) -> None:
    dispatch = services.config.dispatch
    if dispatch is None or team not in dispatch.teams:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no team {team!r} in dispatch.teams")
    if principal.user.team != team:
        own = principal.user.team or "none"
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"you may share only your own team's position (yours: {own})",
        )


@router.post("/teams/{team}/position", response_model=TeamPositionOut, responses=_REFUSALS)
def share_position(
    principal: Sharer, team: TeamName, body: PositionBody, services: Services
) -> TeamPositionOut:
    """The member's phone reports where the team is; kept as the team's last position."""
    _own_team(principal, team, services)
    now = datetime.now(UTC)
    if not on_duty(services.config, team, now):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"team {team} is off duty now by its roster: positions are shared only on duty; "
            "nothing was stored",
        )
    measured = body.at if body.at is not None else now
    if measured > now + FUTURE_SLACK or measured < now - OLDEST:
        when = "in the future" if measured > now else "more than a day ago"
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"at {measured.isoformat()} is {when}; check the phone's clock",
        )
    position = TeamPosition(
        team=team,
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy_m,
        at=min(measured, now).astimezone(UTC),
        received_at=now,
        member=principal.name,
    )
    kept = services.store.positions.record(position)
    return position_out(services.config, kept, now)


@router.delete("/teams/{team}/position", response_model=SharingStopped, responses=_REFUSALS)
def stop_sharing(principal: Sharer, team: TeamName, services: Services) -> SharingStopped:
    """The member switched sharing off: the team's last position is dropped."""
    _own_team(principal, team, services)
    return SharingStopped(team=team, forgotten=services.store.positions.forget(team))
