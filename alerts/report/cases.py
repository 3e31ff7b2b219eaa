"""The report's follow-up cases section: cases open at report time, and those overdue."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from alerts.cases import CaseQuery, CaseRecord, CaseState
from alerts.report.model import CaseItem, Cases

CASES_LISTED = 1000  # per list; a site with more open cases has other problems to show


class CaseSource(Protocol):
    """Follow-up cases (alerts.store.case_repository.CaseRepository)."""

    def query(self, query: CaseQuery) -> list[CaseRecord]: ...


def cases_section(source: CaseSource, now: datetime) -> Cases:
    """Every case open at `now`, and those of them due by then, soonest due first."""
    open_cases = source.query(CaseQuery(state=CaseState.OPEN, limit=CASES_LISTED))
    overdue = source.query(CaseQuery(overdue_at=now, limit=CASES_LISTED))
    return Cases(
        open=[_item(case) for case in open_cases], overdue=[_item(case) for case in overdue]
    )


def _item(case: CaseRecord) -> CaseItem:
    return CaseItem(
        id=case.id,
        kind=case.kind.value,
        title=case.title,
        owner=case.owner,
        opened_at=case.opened_at,
        due_at=case.due_at,
        escalated_at=case.escalated_at,
        alert_ids=list(case.alert_ids),
    )
