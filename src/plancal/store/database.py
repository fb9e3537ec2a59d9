"""The store: units, plans, occurrences, submissions and feed digests, one repository each.

SQLAlchemy 2 on SQLite (embedded default) or PostgreSQL (production), schema managed by Alembic.
Timestamps that reach calendar feeds (``modified_at``) come from the data — the plan's revision date,
the date a submission was received — never from the wall clock, so feeds are reproducible.
"""

from __future__ import annotations

from plancal.store.feeds import FeedDigests
from plancal.store.occurrences import Occurrences
from plancal.store.plans import Plans
from plancal.store.registers import Exemplars
from plancal.store.submissions import Submissions
from plancal.store.units import Units


class Store(Plans, Units, Occurrences, Submissions, FeedDigests, Exemplars):
    """All database access goes through here. Create with :func:`plancal.store.engine.open_store`."""
