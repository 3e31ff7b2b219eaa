"""Patrol dispatch: routing alerts to teams on duty, the dispatch state machine, escalation,
replies over MQTT, spoken orders for the radio and webhooks for phones.

Modules: `records` (what a dispatch is), `states` and `escalation` (the pure state machine),
`routing` (teams, rosters, routes), `nearest` (teams' last positions and the on-duty team
nearest a camera, for routes that choose it), `payloads` and `messages` (what is published),
`replies` (parsing what teams send), `storage` (what the dispatcher keeps its state in, as
Protocols), `service` (the `Dispatcher` the pipeline and console call).

Nothing here imports the store: the store's dispatch repository imports `records` and
`storage`. Nothing is imported in this file, so importing those pulls in nothing else.
"""
