"""Small builders shared by tests: write a plan or unit file into a temp folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

from plancal.plans.loading import LoadedPlan, load_plan
from plancal.schedule.expansion import expand
from plancal.schedule.occurrence import Occurrence

#: the five source plans (../shared/seeds beside the main checkout; a worktree sits one level deeper)
SEEDS = next((p for p in (Path(__file__).resolve().parents[2] / "shared" / "seeds", Path("/work/shared/seeds"))
              if p.is_dir()), Path("/work/shared/seeds"))

UNITS = """\
units:
  - {id: tinh, name: "UBND tỉnh Thử Nghiệm", kind: province, emails: [ubnd@tinh.gov.vn]}
  - {id: snv, name: "Sở Nội vụ", kind: department, parent: tinh, emails: [snv@tinh.gov.vn]}
  - {id: bao, name: "Báo Thử Nghiệm", kind: newspaper, parent: tinh, emails: [bao@tinh.gov.vn]}
  - {id: huyen-a, name: "UBND huyện A", kind: district, parent: tinh, emails: [a@tinh.gov.vn]}
  - {id: xa-a1, name: "UBND xã A1", kind: commune, parent: huyen-a, emails: [a1@tinh.gov.vn]}
  - {id: xa-a2, name: "UBND xã A2", kind: commune, parent: huyen-a, emails: [a2@tinh.gov.vn]}
  - {id: huyen-b, name: "UBND huyện B", kind: district, parent: tinh, emails: [b@tinh.gov.vn]}
  - {id: xa-b1, name: "UBND xã B1", kind: commune, parent: huyen-b, emails: [b1@tinh.gov.vn]}
"""

HEADER = """\
id: thu-nghiem
number: 1/KH-UBND
issuer: tinh
place: Thử Nghiệm
issued: 15/01/2021
title: Kế hoạch thử nghiệm
period: 2021
standing_agency: snv
units: [units.yaml]
recipients: ["@standing-agency", bao, {kind: district}, {kind: commune}]
"""


def write_plan(folder: Path, body: str = "", *, header: str = HEADER, name: str = "plan.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.yaml").write_text(UNITS, encoding="utf-8")
    path = folder / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


class SourcePlan:
    """One encoded plan under plans/, loaded and expanded once per test session."""

    def __init__(self, filename: str) -> None:
        self.path = Path(__file__).resolve().parents[1] / "plans" / filename
        self._loaded: LoadedPlan | None = None
        self._occurrences: tuple[Occurrence, ...] | None = None

    def loaded(self) -> LoadedPlan:
        if self._loaded is None:
            self._loaded = load_plan(self.path)
        return self._loaded

    def occurrences(self) -> tuple[Occurrence, ...]:
        if self._occurrences is None:
            self._occurrences = tuple(expand(self.loaded()))
        return self._occurrences

    def of(self, kind: str, source_id: str | None = None) -> list[Occurrence]:
        return [o for o in self.occurrences() if o.kind == kind and (source_id is None or o.source_id == source_id)]


#: one monthly duty of Bao, before the 25th, sent to the standing agency
DUTY = """\
duties:
  - id: gui-bai
    what: Gửi bài viết
    who: [bao]
    to: snv
    when: {every: month, day: 25, before: true}
"""
