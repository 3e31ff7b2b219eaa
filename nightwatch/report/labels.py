"""The report's words in Chinese and English, shown side by side ("中文 English")."""

from __future__ import annotations

# key: (zh-CN, en); the console's wording (console/static/i18n) where it has one.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("夜班报告", "Shift report"),
    "site": ("站点", "Site"),
    "shift": ("班次", "Shift"),
    "generated": ("生成时间", "Generated"),
    "empty": ("本班次没有告警。", "No alerts in this shift."),
    "totals": ("概况", "Summary"),
    "alerts": ("告警", "Alerts"),
    "dispatches": ("派单", "Dispatches"),
    "resolved": ("已结案", "Resolved"),
    "unresolved": ("未结案", "Unresolved"),
    "by_hour": ("每小时告警", "Alerts by hour"),
    "by_camera": ("各摄像头告警", "Alerts by camera"),
    "by_rule": ("各规则告警", "Alerts by rule"),
    "camera": ("摄像头", "Camera"),
    "rule": ("规则", "Rule"),
    "hour": ("时段", "Hour"),
    "count": ("数量", "Count"),
    "response": (
        "各队响应时间（秒，自首次派单）",
        "Response times per team (s, from the first order)",
    ),
    "team": ("队伍", "Team"),
    "orders": ("派单数", "Orders"),
    "acknowledged_s": ("接单", "Acknowledged"),
    "on_scene_s": ("到达", "On scene"),
    "resolved_s": ("处置完毕", "Resolved"),
    "escalations": ("超时升级", "Escalations"),
    "escalated_from": ("未响应队伍", "Silent team"),
    "escalated_to": ("升级至", "Escalated to"),
    "at": ("时间", "Time"),
    "outcomes": ("处置结果", "Outcomes"),
    "outcome": ("结果", "Outcome"),
    "false_alarms": ("误报率", "False-alarm share"),
    "false_alarm": ("误报", "False alarms"),
    "share": ("占比", "Share"),
    "cases": ("跟进案件", "Follow-up cases"),
    "open_cases": ("未结案件", "Open cases"),
    "overdue_cases": ("逾期案件", "Overdue cases"),
    "case": ("案件", "Case"),
    "case_title": ("标题", "Title"),
    "owner": ("负责人", "Owner"),
    "due": ("截止", "Due"),
    "overdue": ("逾期", "Overdue"),
    "yes": ("是", "yes"),
    "none": ("无", "none"),
    "handled": ("已处置", "handled"),
    "referred_police": ("已移交公安", "referred to the police"),
    "referred_fire": ("已移交消防", "referred to the fire brigade"),
    "referred_market_supervision": ("已移交市场监管", "referred to market supervision"),
    "needs_follow_up": ("需跟进", "needs follow-up"),
}


def both(key: str) -> str:
    """The label in both languages, Chinese first; an unknown key is shown as it is."""
    zh, en = LABELS.get(key, (key, key))
    return f"{zh} {en}" if zh != en else zh
