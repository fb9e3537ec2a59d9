"""``plancal units import`` and ``units list``: the unit directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from plancal.cli.app import FormatOption, out, store, units_app
from plancal.cli.tables import Column, Format, Listing, show
from plancal.errors import PlancalError
from plancal.units.national import units_from_source
from plancal.units.reading import read_units


@units_app.command("import")
def units_import(
    file: Annotated[Path | None, typer.Argument(help="Tệp đơn vị YAML hoặc CSV")] = None,
    source: Annotated[str | None, typer.Option("--from", help="Nguồn danh mục, ví dụ vietnam-provinces")] = None,
    province: Annotated[str | None, typer.Option("--province", help="Chỉ tỉnh, thành phố này (tên hoặc mã)")] = None,
) -> None:
    """Nhập danh mục đơn vị từ YAML hoặc CSV, hoặc từ một nguồn (--from vietnam-provinces)."""
    if (file is None) == (source is None):
        raise PlancalError("cần đúng một nguồn: một tệp đơn vị hoặc --from",
                           hint="ví dụ: plancal units import units.yaml hoặc plancal units import --from vietnam-provinces")
    st = store()
    units = read_units(file) if file is not None else units_from_source(str(source), province)
    st.directory().merged(units)  # validates parents, cycles and duplicates against what is stored
    added, updated = st.import_units(units)
    out.print(f"[green]✓[/green] {escape(str(file or source))}: {len(units)} đơn vị — thêm {added}, cập nhật {updated}")


UNIT_COLUMNS = (
    Column("id", "Mã", "id"),
    Column("name", "Tên"),
    Column("kind", "Loại", "id"),
    Column("parent_id", "Cấp trên", "id"),
    Column("emails", "Thư điện tử", "id"),
)


@units_app.command("list")
def units_list(kind: Annotated[str | None, typer.Option(help="Chỉ loại này")] = None,
               fmt: FormatOption = Format.table) -> None:
    """Liệt kê các đơn vị (bảng, CSV cho bảng tính hoặc JSON)."""
    listing = Listing(UNIT_COLUMNS)
    for r in store().unit_rows():
        if kind and r.kind != kind:
            continue
        listing.add(r.id, r.name, r.kind, r.parent_id, tuple(r.emails or ()))
    show(listing, out, fmt)
