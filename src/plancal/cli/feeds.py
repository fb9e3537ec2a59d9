"""``plancal feeds export``, ``serve``, ``rotate``, ``url``, ``lint``: the units' calendar feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from plancal.cli.app import err, feeds_app, out, settings, store, today_in
from plancal.errors import FeedError, PlancalError


@feeds_app.command("export")
def feeds_export(
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này (mặc định: hôm nay)")] = None,
) -> None:
    """Ghi lại các tệp lịch (.ics) của đơn vị, kế hoạch và lịch chung; chỉ ghi tệp có thay đổi."""
    from plancal.feeds.export import export_feeds

    s = settings()
    r = export_feeds(store(s), s, today_in(s, today))
    out.print(f"[green]✓[/green] {escape(str(s.calendar_dir))}: ghi {r.written} lịch, giữ nguyên {r.unchanged}, xóa {r.removed}")


@feeds_app.command("serve")
def feeds_serve(
    host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe (mặc định PLANCAL_FEED_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng (mặc định PLANCAL_FEED_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, metavar="<số nguyên>", help="Số tiến trình phục vụ")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log", help="Ghi nhật ký truy cập ra stderr (mặc định tắt)")] = False,
) -> None:
    """Chạy máy chủ lịch: /u/<mã>.ics, /u/<mã> (trang đăng ký), /plans/<kế hoạch>.ics, /public.ics."""
    from plancal.feeds.server import run
    from plancal.web.app import create_app

    s = settings()
    out.print(f"Máy chủ lịch: http://{host or s.feed_host}:{port or s.feed_port} (địa chỉ công khai {s.feed_base_url})",
              markup=False, highlight=False)
    # the whole site (feeds, subscribe pages, the units' pages, the year pages) under the guarded server:
    # header and idle timeouts, no tokens in the access log. Built here even for several workers: the
    # store is opened (and migrated) and the form secret made once, before they start and build their own.
    app = create_app(store(s), s)
    run(app if workers == 1 else "plancal.web.app:from_environment", s, host=host, port=port, workers=workers,
        access=access_log)


@feeds_app.command("rotate")
def feeds_rotate(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị")],
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
) -> None:
    """Cấp địa chỉ lịch mới cho một đơn vị; địa chỉ cũ ngừng hoạt động ngay."""
    from plancal.feeds.export import rotate_token
    from plancal.feeds.names import feed_url, unit_feed_name

    s = settings()
    token = rotate_token(store(s), s, unit, today_in(s, today))
    out.print(f"[green]✓[/green] {escape(unit)}: đã cấp địa chỉ lịch mới; địa chỉ cũ không còn dùng được.")
    out.print(feed_url(s, unit_feed_name(token)), markup=False, highlight=False)


@feeds_app.command("url")
def feeds_url(unit: Annotated[str, typer.Argument(help="Mã đơn vị")]) -> None:
    """In địa chỉ lịch và trang hướng dẫn đăng ký của một đơn vị."""
    from plancal.feeds.names import feed_url, unit_feed_name, webcal_url

    s = settings()
    row = store(s).unit_row(unit)
    if row is None:
        raise PlancalError(f"không có đơn vị '{unit}' trong danh mục", hint="xem 'plancal units list'")
    url = feed_url(s, unit_feed_name(row.feed_token))
    out.print(f"{row.name}", markup=False, highlight=False)
    out.print(f"  Địa chỉ lịch:      {url}", markup=False, highlight=False)
    out.print(f"  Đăng ký (webcal):  {webcal_url(url)}", markup=False, highlight=False)
    out.print(f"  Trang hướng dẫn:   {url.removesuffix('.ics')}", markup=False, highlight=False)


@feeds_app.command("lint")
def feeds_lint(
    files: Annotated[list[Path] | None, typer.Argument(help="Tệp .ics (mặc định: mọi tệp .ics trong PLANCAL_CALENDAR_DIR)")]
    = None,
) -> None:
    """Kiểm tra các tệp lịch (.ics) theo RFC 5545: dòng CRLF, gập dòng, thuộc tính bắt buộc, UID trùng, giờ kết thúc."""
    from plancal.feeds.lint import check

    if not files:
        folder = settings().calendar_dir
        files = sorted(folder.rglob("*.ics"))
        if not files:
            raise PlancalError(f"không có tệp lịch (.ics) nào trong {folder}",
                               hint="chạy 'plancal feeds export' trước, hoặc ghi tên tệp cần kiểm tra")
    failed = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            failed += 1
            err.print(f"[red]✗ {escape(str(path))}[/red]: không đọc được tệp ({escape(str(exc.strerror))})")
            continue
        try:
            check(data, str(path))
        except FeedError as exc:
            failed += 1
            err.print(f"[red]✗ {escape(str(path))}[/red]: {len(exc.problems)} lỗi")
            for problem in exc.problems:
                err.print("  " + str(problem).replace("\n", "\n  "), markup=False, highlight=False)
            continue
        out.print(f"[green]✓[/green] {escape(str(path))}")
    if failed:
        err.print(f"[red]{failed}/{len(files)} tệp lịch có lỗi.[/red]")
        raise typer.Exit(1)
    out.print(f"{len(files)} tệp lịch đúng quy cách.")
