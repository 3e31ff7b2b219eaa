"""Patrol dispatch: routing alerts to teams on duty, the dispatch state machine, escalation,
replies over MQTT, spoken orders for the radio and webhooks for phones.

Modules: `records` (what a dispatch is), `states` and `escalation` (the pure state machine),
`routing` (teams, rosters, routes), `payloads` and `messages` (what is published), `replies`
(parsing what teams send), `service` (the `Dispatcher` the pipeline and console call).
Nothing is imported here, so the store can import `records` without a cycle.
"""
