"""The store: tables, the queries over them, the delivery log and migrations — the only place with SQL."""

