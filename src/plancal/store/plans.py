"""Plans, and issuing them: an amended plan keeps the status of unchanged occurrences, marks removed
ones cancelled (kept, not deleted) and adds new ones — except those whose stated limit precedes the
amendment date (``amended:``): nobody owes what was added after its day had passed. Issuing the same
plan twice changes nothing."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from operator import add, attrgetter, itemgetter
from typing import Any

from sqlalchemy import String, Table, select, text, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from plancal.collector import collector_paused
from plancal.errors import Problem, StoreError
from plancal.plans.loading import LoadedPlan
from plancal.schedule.occurrence import ACTIONABLE, CONTENT_RUNS, ContentRuns, Occurrence
from plancal.store.occurrences import next_change_number, rows_by_uid
from plancal.store.session import CACHE_SIZE_BEFORE, insert_stored, storage_form, stored_column
from plancal.store.submissions import Transition, log_change
from plancal.store.tables import Base, PlanRow, _naive_utc, vn_midnight_utc
from plancal.store.units import UNIT_ATTRIBUTES, Units, _values, upsert_units


@dataclass(frozen=True)
class IssueResult:
    plan_id: str
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    units_added: int = 0

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.changed or self.cancelled or self.units_added)


_OCC_FIELDS = ("plan_id", "kind", "source_id", "unit_id", "period_key", "period_label", "window_start",
               "due_stated", "due_effective", "title", "detail", "to_unit_id", "quota", "pilot", "peak", "what",
               "cycle", "data_from", "data_to", "cutoff", "conference_uid", "due_limit", "date_source", "relation",
               "agency_own", "also_to", "alternatives", "tentative")


#: the advisory lock (PostgreSQL) that makes issues one at a time: units are shared between plans
_ISSUE_LOCK = zlib.crc32(b"plancal.issue")
_MAX_PROBLEMS = 20


def _text_columns(table: Table) -> list[tuple[str, int | None]]:
    """(name, length limit or None) of the text columns of a table."""
    return [(c.name, c.type.length) for c in table.columns if isinstance(c.type, String)]


def _column_fits(values: Iterable[Any], limit: int | None) -> bool:
    """Whether every text among ``values`` (texts, None or other values that can be a set's) fits a column
    of ``limit`` characters and holds no NUL."""
    texts = [v for v in set(values) if v and isinstance(v, str)]  # each distinct text once: rows share titles
    joined = "".join(texts)
    if "\x00" in joined:
        return False
    return limit is None or len(joined) <= limit or max(map(len, texts)) <= limit


def _misfits(columns: list[tuple[str, int | None]], values: Mapping[str, object], what: str,
             path: str) -> Iterable[Problem]:
    """What the database would refuse in one row: text longer than its column, or a NUL character."""
    for name, limit in columns:
        value = values.get(name)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            yield Problem(f"{what}: trường '{name}' chứa ký tự NUL (\\x00), cơ sở dữ liệu không lưu được",
                          file=path, field=name, hint="xoá ký tự điều khiển khỏi tệp kế hoạch hoặc danh mục")
        if limit is not None and len(value) > limit:
            yield Problem(f"{what}: trường '{name}' dài {len(value)} ký tự, quá giới hạn {limit} ký tự",
                          file=path, field=name, hint=f"rút gọn '{name}' còn tối đa {limit} ký tự")


class Plans(Units):
    def _check_fits(self, loaded: LoadedPlan, plan_values: Mapping[str, object], runs: ContentRuns) -> None:
        """Refuse, before any SQL, what a column could not hold, naming the plan, the row and the field."""
        path = str(loaded.path)
        tables = Base.metadata.tables
        problems = list(_misfits(_text_columns(tables["plans"]), {"id": loaded.plan.id, **plan_values},
                                 f"kế hoạch '{loaded.plan.id}'", path))
        unit_columns = _text_columns(tables["units"])
        attributes = {"id": "id", **UNIT_ATTRIBUTES}  # the feed token is the store's own
        directory = list(loaded.directory)
        if not all(_column_fits(map(attrgetter(attributes[name]), directory), limit)
                   for name, limit in unit_columns if name in attributes):
            for u in ({"id": u.id, **_values(u)} for u in directory):
                problems += _misfits(unit_columns, u, f"đơn vị '{str(u['id'])[:80]}'", path)
        occ_columns = [(n, limit) for n, limit in _text_columns(tables["occurrences"]) if n in _OCC_FIELDS]
        # each distinct run of values first (rows share their owner, their period and the rest: see
        # ContentRuns): the row-by-row search only when something does not fit
        if not all(_column_fits(map(itemgetter(names.index(name)), distinct), limit)
                   for names, distinct in zip(CONTENT_RUNS, runs.distinct, strict=True)
                   for name, limit in occ_columns if name in names):
            for occ in runs.occurrences:
                if len(problems) >= _MAX_PROBLEMS:
                    break
                problems += _misfits(occ_columns, {f: getattr(occ, f) for f, _ in occ_columns},
                                     f"kế hoạch '{loaded.plan.id}', mục '{occ.source_id[:160]}'", path)
        if problems:
            unique = list(dict.fromkeys(problems))
            raise StoreError(unique[:_MAX_PROBLEMS])

    def _lock_issuing(self, s: Session) -> None:
        """Issues run one at a time: PostgreSQL waits on an advisory lock held to the end of the
        transaction; SQLite takes its write lock at once (an empty UPDATE) instead of on the first insert."""
        if self.engine.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ISSUE_LOCK})
        else:
            s.execute(update(PlanRow).where(PlanRow.id.is_(None)).values(revision=PlanRow.revision))
            _widen_page_cache(s)

    def issue(self, loaded: LoadedPlan, occurrences: Sequence[Occurrence], recipients: Sequence[str] = ()) -> IssueResult:
        """Store a plan, its units (and their feed tokens) and its occurrences in one transaction: all or
        nothing. ``recipients``: the unit ids the plan is sent to (its recipients, standing agency and
        issuer), as the schedule resolved them. Concurrent issues wait for each other."""
        plan = loaded.plan
        values = dict(number=plan.number, title=plan.title, issuer_id=plan.issuer,
                      standing_agency_id=plan.standing_agency, parent_id=plan.parent, issued=plan.issued,
                      revision_date=plan.revision_date, period_start=plan.start, period_end=plan.end,
                      source_path=str(loaded.path), digest=loaded.digest, recipients=list(recipients),
                      doc_type=plan.type, issued_known=plan.issued_known)
        with collector_paused():
            # each distinct run of fields read, checked and converted once (see ContentRuns)
            runs = ContentRuns(occurrences, _stored_forms(Base.metadata.tables["occurrences"], self.engine.dialect.name))
            self._check_fits(loaded, values, runs)
            try:
                with self.session_factory() as s, s.begin():
                    self._lock_issuing(s)
                    return self._issue(s, loaded, runs, values)
            except SQLAlchemyError as exc:
                raise _issue_error(plan.id, str(loaded.path), exc) from exc

    def _issue(self, s: Session, loaded: LoadedPlan, runs: ContentRuns, values: Mapping[str, object]) -> IssueResult:
        plan = loaded.plan
        occurrences = runs.occurrences
        units_added, _ = upsert_units(s, loaded.directory)
        s.flush()
        modified = vn_midnight_utc(plan.revision_date)
        changed = cancelled = unchanged = 0
        prow = s.get(PlanRow, plan.id)
        if prow is not None and prow.digest == loaded.digest:
            n = len(occurrences)
            return IssueResult(plan.id, unchanged=n, units_added=units_added)
        if prow is None:
            s.add(PlanRow(id=plan.id, revision=1, **values))
        else:
            for k, v in values.items():
                setattr(prow, k, v)
            prow.revision += 1
        s.flush()
        change = next_change_number(s)  # before any occurrence row is written (see next_change_number)
        # what is stored of each row, as plain columns (a national plan has ~60,000: no ORM object each);
        # a plan new to the store has none
        occ = Base.metadata.tables["occurrences"].c
        existing: dict[str, tuple[str, str]] = {} if prow is None else {
            uid: (h, st) for uid, h, st in s.execute(select(occ.uid, occ.content_hash, occ.status)
                                                     .where(occ.plan_id == plan.id)).tuples()}
        fresh_at: list[int] = []
        kept_at: list[int] = []  # stored before
        # an amendment owes nothing before it was made: what it adds for periods already closed is dropped
        amended_on = plan.amended if existing and plan.amended else None
        for i, o in enumerate(occurrences):
            if o.uid in existing:
                kept_at.append(i)
            elif not (amended_on and o.kind in ACTIONABLE and o.due_stated < amended_on):
                fresh_at.append(i)
        kept = runs.only(kept_at)
        fresh = runs if len(fresh_at) == len(occurrences) else runs.only(fresh_at)
        seen = set()
        to_change: dict[str, tuple[Occurrence, str]] = {}
        for o, digest in zip(kept.occurrences, kept.digests(), strict=True):
            seen.add(o.uid)
            h, status = existing[o.uid]
            if h != digest or status == "cancelled":
                to_change[o.uid] = (o, digest)
                changed += 1
            else:
                unchanged += 1
        gone = [uid for uid, (_h, st) in existing.items() if uid not in seen and st != "cancelled"]
        rows = {r.uid: r for r in rows_by_uid(s, [*to_change, *gone])}
        for uid, (o, digest) in to_change.items():
            row = rows[uid]
            for f in _OCC_FIELDS:
                setattr(row, f, getattr(o, f))
            row.starts_at, row.ends_at = _naive_utc(o.starts_at), _naive_utc(o.ends_at)
            row.audience = list(o.audience)
            row.content_hash = digest
            if row.status == "cancelled":
                log_change(s, row, Transition.PENDING, source="plan", changed_on=plan.revision_date,
                           reason="kế hoạch sửa đổi đưa lại nhiệm vụ này")
                row.status, row.cancelled_on = "open", None
            row.sequence += 1
            row.modified_at = max(modified, row.modified_at)
            row.change_number = change
        if fresh.occurrences:
            table = Base.metadata.tables["occurrences"]
            names, stored = _stored_rows(fresh, modified, change, table, self.engine.dialect.name)
            insert_stored(s, table, names, stored)
        for uid in gone:
            row = rows[uid]
            log_change(s, row, Transition.CANCELLED, source="plan", changed_on=plan.revision_date,
                       reason="kế hoạch sửa đổi bỏ nhiệm vụ này")
            row.status = "cancelled"
            row.cancelled_on = plan.revision_date
            row.sequence += 1
            row.modified_at = max(modified, row.modified_at)
            row.change_number = change
            cancelled += 1
        s.flush()
        return IssueResult(plan.id, len(fresh.occurrences), changed, cancelled, unchanged, units_added)

    def plans(self) -> list[PlanRow]:
        with self.session() as s:
            return list(s.scalars(select(PlanRow).order_by(PlanRow.issued, PlanRow.id)))

    def plan(self, plan_id: str) -> PlanRow | None:
        with self.session() as s:
            return s.get(PlanRow, plan_id)


#: the columns a first issue sets of each row beside an occurrence's own fields
_STORE_COLUMNS = ("status", "sequence", "done_on", "cancelled_on", "modified_at", "change_number")
#: the fields of an occurrence stored in another form than the occurrence holds (times of day, aware, as UTC)
_AS_UTC = frozenset({"starts_at", "ends_at"})


def _stored_forms(table: Table, dialect: str) -> tuple[Callable[[tuple[Any, ...]], tuple[Any, ...]], ...]:
    """How the values of each run of an occurrence's fields (see :data:`CONTENT_RUNS`) go to the driver (see
    :func:`insert_stored`), times of day as naive UTC."""
    owner_form, rest_stored = (storage_form(table, names, dialect) for names in CONTENT_RUNS)
    utc = [i for i, name in enumerate(CONTENT_RUNS[1]) if name in _AS_UTC]

    def rest_form(values: tuple[Any, ...]) -> tuple[Any, ...]:
        listed = list(values)
        for i in utc:
            listed[i] = _naive_utc(listed[i])
        return rest_stored(listed)

    return owner_form, rest_form


def _stored_rows(fresh: ContentRuns, modified: datetime, change: int, table: Table,
                 dialect: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The columns a first issue writes and each occurrence's row of them as the driver takes it (see
    :func:`insert_stored`): its uid and digest, its runs of fields as :func:`_stored_forms` made them once per
    distinct run, then the store's columns. The rows and their digests are put together as they go out."""
    owners, rests = fresh.forms()
    uids = stored_column(table, "uid", dialect, list(map(attrgetter("uid"), fresh.occurrences)))
    heads = zip(uids, fresh.digests(), strict=True)
    tail = storage_form(table, _STORE_COLUMNS, dialect)(("open", 0, None, None, modified, change))
    rows = map(add, map(add, map(add, heads, owners), rests), repeat(tail))  # tuples joined, no call per row
    return ["uid", "content_hash", *CONTENT_RUNS[0], *CONTENT_RUNS[1], *_STORE_COLUMNS], rows


#: the page cache of an issue's SQLite connection, in KiB (the default is 2,000): a national plan writes
#: ~40 MB of rows and indexes (the uids' index in random order); with the default cache SQLite spills dirty
#: pages to the WAL again and again before the commit (an issue took 0.4-0.5 s more CPU, measured)
_ISSUE_CACHE_KIB = 65536


def _widen_page_cache(s: Session) -> None:
    """A larger page cache for this issue's SQLite connection, given back its own size when the connection
    returns to the pool (see :func:`plancal.store.engine.restore_page_cache`)."""
    conn = s.connection()
    record = conn.connection
    if CACHE_SIZE_BEFORE not in record.info:
        record.info[CACHE_SIZE_BEFORE] = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA cache_size=-{_ISSUE_CACHE_KIB}")


def _issue_error(plan_id: str, path: str, exc: SQLAlchemyError) -> StoreError:
    """The database refused an issue (nothing of it was kept): say which plan, and what to do."""
    orig = getattr(exc, "orig", None)
    detail = (str(orig if orig is not None else exc).strip().splitlines() or [exc.__class__.__name__])[0]
    if isinstance(exc, IntegrityError) or (isinstance(exc, OperationalError) and "locked" in detail):
        return StoreError([Problem(
            f"kế hoạch '{plan_id}' đang được ban hành bởi tiến trình khác; chạy lại (chưa lưu gì của lần này: {detail})",
            file=path, hint="chạy lại lệnh 'plancal issue' khi tiến trình kia xong")])
    if isinstance(exc, DataError):
        return StoreError([Problem(f"kế hoạch '{plan_id}': cơ sở dữ liệu không nhận một giá trị ({detail}); "
                                   "chưa lưu gì của kế hoạch", file=path,
                                   hint="sửa giá trị quá dài hoặc chứa ký tự điều khiển trong tệp kế hoạch")])
    return StoreError([Problem(f"kế hoạch '{plan_id}': cơ sở dữ liệu từ chối lưu ({exc.__class__.__name__}: {detail}); "
                               "chưa lưu gì của kế hoạch", file=path,
                               hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'")])
