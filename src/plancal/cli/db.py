"""``plancal db upgrade``: the database schema."""

from __future__ import annotations

from rich.markup import escape

from plancal.cli.app import db_app, out, settings
from plancal.store import open_store


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Cập nhật cấu trúc cơ sở dữ liệu lên phiên bản mới nhất."""
    s = settings()
    open_store(s.db_url)
    out.print(f"[green]✓[/green] {escape(s.db_url)}: cấu trúc mới nhất")
