"""The console's people: users, browser sessions, API tokens and login attempts.

`records` is what the rest of the console uses; `repository` (`open_accounts`) and `tables`
keep them in the store's database, in tables and a migration history of their own
(migrations/, version table `console_alembic_version`). Changes to users are audited in the
same transaction as the change, on the store's audit chain. SQLAlchemy is imported by
`repository`, `tables` and the migrations only.
"""
