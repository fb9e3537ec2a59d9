"""The store: tables, one repository per concern (units, plans, occurrences, submissions, feeds), the
delivery log and migrations — the only place with SQL. Import from here, not from the modules."""

from plancal.store.database import Store
from plancal.store.deliveries import (
    DeliveryLog,
    LogEntry,
    Unsent,
    delivery_counts,
    needing_attention,
    new_worker,
    process_alive,
    unsent,
    withdrawn,
)
from plancal.store.engine import open_store, upgrade
from plancal.store.feeds import FeedExport
from plancal.store.occurrences import ListedRow, Week
from plancal.store.plans import IssueResult
from plancal.store.registers import Exemplar
from plancal.store.submissions import TRANSITION_LABEL, HistoryEntry, StoredFile, Submission, Transition
from plancal.store.tables import (
    DeliveryRow,
    FeedRow,
    MarkRow,
    OccurrenceFacts,
    OccurrenceRow,
    PlanRow,
    StatusChangeRow,
    SubmissionRow,
    UnitFacts,
    UnitRow,
    UnitToken,
    json_list,
    new_token,
    vn_midnight_utc,
)

__all__ = [
    "DeliveryLog",
    "DeliveryRow",
    "Exemplar",
    "FeedExport",
    "HistoryEntry",
    "FeedRow",
    "IssueResult",
    "ListedRow",
    "LogEntry",
    "MarkRow",
    "OccurrenceFacts",
    "OccurrenceRow",
    "PlanRow",
    "StatusChangeRow",
    "Store",
    "StoredFile",
    "Submission",
    "SubmissionRow",
    "TRANSITION_LABEL",
    "Transition",
    "UnitFacts",
    "UnitRow",
    "UnitToken",
    "Unsent",
    "Week",
    "delivery_counts",
    "json_list",
    "needing_attention",
    "new_token",
    "new_worker",
    "open_store",
    "process_alive",
    "unsent",
    "upgrade",
    "vn_midnight_utc",
    "withdrawn",
]
