"""Who may do what. Every route names one Permission; this table says which roles hold it.

operator  watches cameras and alerts, acknowledges, dispatches, resolves, works cases.
patrol    sees and moves on its own team's dispatches only (the routes narrow it to the team),
          and follows up the cases it owns (its team's or its member's).
auditor   reads everything, verifies the audit log, exports evidence; changes nothing.
admin     manages users, reads the configuration and applies tuning proposals to it; sees
          no footage and no alerts.
"""

from __future__ import annotations

from enum import StrEnum

from console.accounts.records import ROLES, Role


class Permission(StrEnum):
    SIGNED_IN = "signed-in"  # any role: own account, the live feed (filtered by role)
    CAMERA_STATUS = "camera-status"  # camera list with status
    CAMERA_VIEW = "camera-view"  # pictures: latest frame, live view
    ALERTS = "alerts"  # alert list and detail
    EVIDENCE = "evidence"  # snapshots and clips (each view audited)
    ALERT_ACT = "alert-act"  # acknowledge, resolve
    CASES = "cases"  # follow-up cases; patrol: the ones it owns
    CASE_ACT = "case-act"  # notes, alerts, owner, due date, close; patrol: the ones it owns
    TUNING_READ = "tuning-read"  # tuning proposals from false alarms
    REPORTS = "reports"  # shift reports
    TUNING_APPLY = "tuning-apply"  # apply one to the configuration, or dismiss it
    DISPATCH_READ = "dispatch-read"  # patrol: own team only
    DISPATCH_SEND = "dispatch-send"  # dispatch an alert, cancel a dispatch
    DISPATCH_UPDATE = "dispatch-update"  # move a dispatch on; patrol: own team only
    PATROL = "patrol"  # the patrol phone page
    AUDIT = "audit"  # audit log search, chain verification
    EXPORT = "export"  # evidence bundles
    USERS_READ = "users-read"
    USERS_ADMIN = "users-admin"
    CONFIG = "config"
    METRICS = "metrics"


_WATCH = {
    Permission.SIGNED_IN,
    Permission.CAMERA_STATUS,
    Permission.CAMERA_VIEW,
    Permission.ALERTS,
    Permission.EVIDENCE,
    Permission.DISPATCH_READ,
    Permission.METRICS,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    "operator": frozenset(
        _WATCH
        | {
            Permission.ALERT_ACT,
            Permission.DISPATCH_SEND,
            Permission.DISPATCH_UPDATE,
            Permission.CASES,
            Permission.CASE_ACT,
            Permission.TUNING_READ,
            Permission.REPORTS,
        }
    ),
    "patrol": frozenset(
        {
            Permission.SIGNED_IN,
            Permission.DISPATCH_READ,
            Permission.DISPATCH_UPDATE,
            Permission.PATROL,
            Permission.CASES,
            Permission.CASE_ACT,
        }
    ),
    "auditor": frozenset(
        _WATCH
        | {
            Permission.AUDIT,
            Permission.EXPORT,
            Permission.USERS_READ,
            Permission.CONFIG,
            Permission.CASES,
            Permission.TUNING_READ,
            Permission.REPORTS,
        }
    ),
    "admin": frozenset(
        {
            Permission.SIGNED_IN,
            Permission.CAMERA_STATUS,
            Permission.USERS_READ,
            Permission.USERS_ADMIN,
            Permission.CONFIG,
            Permission.METRICS,
            Permission.TUNING_READ,
            Permission.TUNING_APPLY,
        }
    ),
}
assert set(GRANTS) == set(ROLES), "every role needs its grants"

# Where each role lands after logging in.
HOME: dict[Role, str] = {
    "operator": "/wall",
    "patrol": "/patrol",
    "auditor": "/audit",
    "admin": "/admin",
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
