"""The pages, as a FastAPI router: a unit's page ``/u/<token>/viec`` and a plan's year ``/plans/<id>/<year>``.

The unit's page needs no login beyond its private address (the feed token, looked up on every request:
a rotated token gets the one 404 of the feed server). Its form carries a per-page token, an HMAC of the
feed token under the server's secret, and a POST from another site (its Origin) is refused. Files are
checked (size, extension) and kept outside the web root; no route serves them. After a submission the
unit's feed is written again, so that calendars show "[Đã xong]".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader

from plancal.errors import PlancalError
from plancal.feeds.export import write_unit_feed
from plancal.feeds.names import PLAN_ID_RE, TOKEN_RE
from plancal.feeds.server import not_found
from plancal.intake.submissions import submit_from_unit, unit_items
from plancal.intake.uploads import UploadError, check_upload
from plancal.settings import Settings
from plancal.store import Store, UnitRow
from plancal.tracking.status import KIND_LABEL, STATE_LABEL
from plancal.views.year import SEVERITY, TONE_LABEL, WEEKDAYS, year_grid
from plancal.vn.dates import long, parse_date, short

#: same-origin (not no-referrer): the browser then sends a real Origin with the form, never the address elsewhere
_PRIVATE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex, nofollow", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                       "frame-ancestors 'none'"}
_PUBLIC = {**_PRIVATE, "Cache-Control": "public, max-age=300"}
_PUBLIC.pop("X-Robots-Tag")


def form_token(secret: bytes, feed_token: str) -> str:
    """The per-page token of a unit's form: changes with the feed token, unguessable without the secret."""
    return hmac.new(secret, f"unit-page:{feed_token}".encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    """No Origin (old browsers, curl) passes; an Origin must be this server's host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc == host


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes (enough to know the file is too big, without reading it all)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = await upload.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def pages_router(store: Store, settings: Settings, secret: bytes, today: Callable[[], date]) -> APIRouter:
    templates = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=True,
                            keep_trailing_newline=True)
    templates.globals.update(short=short, long=long, KIND_LABEL=KIND_LABEL, STATE_LABEL=STATE_LABEL)
    router = APIRouter()

    def unit_of(token: str) -> UnitRow | None:
        return store.unit_by_token(token) if TOKEN_RE.match(token) else None

    def unit_page(unit: UnitRow, *, status: int = 200, error: PlancalError | None = None, chosen: str = "",
                  done: str = "", values: dict[str, str] | None = None) -> Response:
        day = today()
        items = unit_items(store, unit, day)
        html = templates.get_template("pages/unit.html.j2").render(
            unit=unit, items=items, today=day, csrf=form_token(secret, unit.feed_token),
            errors=error.problems if error else [], chosen=chosen, done=done, values=values or {},
            max_mb=settings.upload_max_bytes / (1024 * 1024),
            extensions=", ".join(f".{e}" for e in settings.upload_extensions),
            accept=",".join(f".{e}" for e in settings.upload_extensions))
        return HTMLResponse(html, status_code=status, headers=_PRIVATE)

    @router.get("/u/{token}/viec")
    def unit_get(token: str, xong: str = "") -> Response:
        unit = unit_of(token)
        if unit is None:
            return not_found()
        return unit_page(unit, done=xong)

    @router.post("/u/{token}/viec")
    async def unit_post(token: str, request: Request,
                        occurrence: Annotated[str, Form()] = "", received: Annotated[str, Form()] = "",
                        number: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                        csrf: Annotated[str, Form()] = "",
                        file: Annotated[UploadFile | None, File()] = None) -> Response:
        unit = unit_of(token)
        if unit is None:
            return not_found()
        if not same_origin(request) or not hmac.compare_digest(csrf, form_token(secret, unit.feed_token)):
            return PlainTextResponse("Yêu cầu không hợp lệ: hãy mở lại trang của đơn vị và gửi lại.\n", status_code=403,
                                     headers=_PRIVATE)
        values = {"received": received, "number": number, "note": note}
        try:
            try:
                day = parse_date(received.strip())
            except ValueError as exc:
                raise PlancalError(f"ngày gửi không hợp lệ: {exc}", hint="chọn ngày trong ô Ngày gửi") from None
            name, data = None, None
            if file is not None and file.filename:
                name = file.filename
                data = await _read_limited(file, settings.upload_max_bytes)
                check_upload(name, len(data), settings)
            row = submit_from_unit(store, settings, unit, occurrence, received=day, document_number=number, note=note,
                                   today=today(), file_name=name, file_data=data)
        except UploadError as exc:
            return unit_page(unit, status=413 if "quá lớn" in str(exc) else 400, error=exc, chosen=occurrence,
                             values=values)
        except PlancalError as exc:
            return unit_page(unit, status=400, error=exc, chosen=occurrence, values=values)
        write_unit_feed(store, settings, unit.id, today())
        return RedirectResponse(f"/u/{token}/viec?xong={row.uid}#da-gui", status_code=303, headers=_PRIVATE)

    @router.get("/plans/{plan_id}/{year}")
    def year_page(plan_id: str, year: str) -> Response:
        if not PLAN_ID_RE.match(plan_id) or not year.isdigit() or len(year) != 4:
            return not_found()
        plan = store.plan(plan_id)
        if plan is None or not plan.period_start.year <= int(year) <= plan.period_end.year:
            return not_found()
        day = today()
        months = year_grid(store, plan, int(year), day)
        years = list(range(plan.period_start.year, plan.period_end.year + 1))
        html = templates.get_template("pages/year.html.j2").render(
            plan=plan, year=int(year), years=years, months=months, today=day, weekdays=WEEKDAYS,
            tones=[(t, TONE_LABEL[t]) for t in SEVERITY])
        return HTMLResponse(html, headers=_PUBLIC)

    return router
