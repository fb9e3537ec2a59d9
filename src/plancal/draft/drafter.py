"""Assembling a draft plan from a parsed document: metadata, sub-plans, duties, conferences, reports,
themes — each with its ``source`` (section, line) — and the review list of what could not be placed.

Nothing is invented: a duty whose sentence names no time is written as a YAML comment and listed for
review (``ongoing: true`` only where the text says "thường xuyên"); a report without a submission day
gets ``deadlines: []`` and a review item; a missing issue date is flagged loudly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from plancal.draft import quota as quotas
from plancal.draft import timephrase as tp
from plancal.draft.core import read_directory, validate_plan_text
from plancal.draft.document import read_lines
from plancal.draft.review import ReviewItem
from plancal.draft.structure import Block, Document, parse
from plancal.draft.who import Resolver, fold
from plancal.errors import PlanError, Problem
from plancal.units.directory import Directory
from plancal.vn.periods import add_months

_REF = re.compile(r"(?:Chỉ thị|Kế hoạch|Quyết định|Công văn|Nghị quyết|Nghị định|Thông tư|Luật|Hướng dẫn)\s+(?:số\s+)?"
                  r"[\w/.-]+(?:\s+ngày\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}))?")
#: a target stated without a unit, for a period or the whole territory: "Phấn đấu mỗi tháng có từ 2-3 điển hình
#: được tuyên truyền", "Hàng năm toàn tỉnh có ít nhất 15 điển hình" (folded text)
_TOTAL_TARGET = re.compile(r"^(?:phan dau\s+)?(?:(?:moi|hang|hang nam|trong)\s+(?:thang|quy|nam)\s*,?\s+)?"
                           r"(?:(?:tren )?toan (?:tinh|huyen|thanh pho|thi xa|xa|quan)\s*,?\s+)?(?:phan dau\s+)?"
                           r"(?:co|dat)\s+(?:duoc\s+)?(?:tu\s+|it nhat\s+|toi thieu\s+)?\d")
#: an event the work greets ("lập thành tích chào mừng Hội nghị …"): it is done by that event
_GREETING = re.compile(r"chào mừng\s+(?P<name>(?:Hội nghị|Đại hội)\b[^.;:,()]*)", re.I)
_CYCLE = {"month": "monthly", "quarter": "quarterly", "half": "semiannual", "year": "annual"}


@dataclass(frozen=True)
class DraftItem:
    kind: str  # duty, sub_plan, report, conference, theme, undated
    data: dict[str, Any]
    section: str
    line: int
    text: str


@dataclass
class Draft:
    yaml_text: str
    review: list[ReviewItem]
    items: list[DraftItem]
    plan: dict[str, Any] = field(default_factory=dict)


def slug(text: str, words: int = 6) -> str:
    t = unicodedata.normalize("NFD", text.lower())
    t = "".join(c for c in t if unicodedata.category(c) != "Mn").replace("đ", "d")
    parts = re.findall(r"[a-z0-9]+", t)[:words]
    return "-".join(parts) or "muc"


def _sentences(text: str) -> list[tuple[int, str]]:
    """(sentence number, clause): a paragraph cut into sentences, each sentence into its "; " clauses."""
    parts = re.split(r"(?<=[.])\s+(?=[A-ZĐÀ-Ỹ+\-])", text)
    out: list[tuple[int, str]] = []
    for n, p in enumerate(parts):
        out.extend((n, c.strip()) for c in re.split(r";\s+", p) if c.strip())
    return out


def _leading(clause: str, readings: list[tp.Reading], resolver: Resolver) -> tp.Reading | None:
    """A dated time phrase that opens a clause before its subject ("Định kỳ trước ngày 25 hàng tháng Báo An
    Giang gửi …; Đài … gửi …", "Tùy từng điều kiện cụ thể, hàng năm các sở … tổ chức …"): the subject follows
    it, and it governs the clauses of its sentence that name no time of their own."""
    first = next((r for r in readings if r.when is not None), None)
    if first is None or len(fold(clause[:first.start]).split()) > 12 or resolver.mentions(clause[:first.start]):
        return None  # the phrase comes after the subject, or what opens the clause is more than a circumstance
    return first if resolver.subject(clause[first.end:]) else None


def _segments(clause: str, readings: list[tp.Reading]) -> list[tuple[str, list[tp.Reading]]]:
    """Cut a clause before each further recurring reading, at the comma before it."""
    recurring = [r for r in readings if r.dated]
    if len(recurring) <= 1:
        return [(clause, readings)]
    cuts = [0]
    for r in recurring[1:]:
        comma = clause.rfind(",", cuts[-1], r.start)
        if comma > cuts[-1]:
            cuts.append(comma + 1)
    cuts.append(len(clause))
    segs = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        segs.append((clause[a:b].strip(" ,"), [r for r in readings if a <= r.start < b]))
    return segs


class _Drafter:
    def __init__(self, doc: Document, directory: Directory, units: list[str], source: str) -> None:
        self.doc = doc
        self.directory = directory
        self.units = units
        self.source = source
        self.review: list[ReviewItem] = []
        self.items: list[DraftItem] = []
        self.ids: set[str] = set()
        self.comments: list[str] = []

    # -- metadata ---------------------------------------------------------------------------------
    def flag(self, line: int | None, text: str, reason: str) -> None:
        self.review.append(ReviewItem(line, " ".join(text.split())[:300], reason))

    def issuer(self) -> str | None:
        text = fold(" ".join([self.doc.place or "", self.doc.title, *(b.text for b in self.doc.basis),
                              *(b.text for b in self.doc.closing)]))
        level = "huyen" if "uy ban nhan dan huyen" in text or "ubnd huyen" in text else "tinh"
        best = None
        for u in self.directory:
            if u.kind not in ("province", "district") or not fold(u.name).startswith("uy ban nhan dan"):
                continue
            name = fold(u.name)
            place = name.split(level, 1)[1].strip() if f" {level} " in f" {name} " else ""
            if place and place in text:
                best = u.id
        return best

    def standing_agency(self, resolver: Resolver) -> str | None:
        for b in self.doc.body:
            if "co quan thuong truc" in fold(b.text):
                for h in [b, *reversed(self.doc.heading_chain(b.section))]:
                    for s in resolver.subject(h.title or h.text):
                        if isinstance(s, str) and s != resolver.issuer:
                            return s
        for u in self.directory:
            if "noi vu" in fold(u.name) and u.parent == resolver.issuer:
                self.flag(None, u.name, "văn bản không nói rõ cơ quan thường trực; tạm ghi cơ quan nội vụ của cấp ban hành")
                return u.id
        return None

    def basis(self) -> tuple[list[str], date | None]:
        refs: list[str] = []
        latest: date | None = None
        for b in self.doc.basis:
            text = re.sub(r"^(Thực hiện|Căn cứ|Trên cơ sở)\s+", "", b.text)
            head = re.split(r",\s*(?:Ủy ban nhân dân|UBND)\b", text)[0]
            for part in re.split(r";\s*|\s+và\s+(?=(?:Chỉ thị|Kế hoạch|Quyết định|Công văn|Nghị quyết|Nghị định))", head):
                part = part.strip().rstrip(".")
                if not part:
                    continue
                refs.append(part[0].upper() + part[1:])
                for m in _REF.finditer(part):
                    if m.group("y"):
                        try:
                            d = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                        except ValueError:
                            continue
                        latest = d if latest is None or d > latest else latest
        return refs, latest

    def period(self, issued: date) -> tuple[date, date, int | None]:
        for b in self.doc.body:
            if self.doc.part_of(b.section) == "period" or fold(b.text).startswith("thoi gian"):
                for r in tp.scan(b.text, tp.Context(issued)):
                    w = r.when or {}
                    if isinstance(w.get("within"), dict):
                        return tp_date(w["within"]["from"]), tp_date(w["within"]["to"]), b.line
        t = self.doc.title
        if m := re.search(r"giai đoạn\s*\(?(\d{4})\s*-\s*(\d{4})", t):
            return date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31), self.doc.title_line
        if m := re.search(r"năm\s+(\d{4})", t):
            return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31), self.doc.title_line
        self.flag(self.doc.title_line, t, "không tìm thấy thời gian thực hiện kế hoạch; tạm ghi đến hết năm ban hành")
        return issued, date(issued.year, 12, 31), None

    # -- items --------------------------------------------------------------------------------------
    def new_id(self, text: str) -> str:
        base = slug(re.sub(r"^(Giao|Đề nghị|Tham mưu|Chủ động|Tiếp tục)\s+", "", text.strip(" -+")))
        i, cand = 2, base
        while cand in self.ids:
            cand, i = f"{base}-{i}", i + 1
        self.ids.add(cand)
        return cand

    def add(self, kind: str, data: dict[str, Any], block: Block, text: str) -> None:
        self.items.append(DraftItem(kind, data, block.section, block.line, text))


def assumed_issue(latest_basis: date | None, title: str) -> tuple[date, str]:
    """The date a draft computes from when the document shows none (``issued: {assumed: …}``), and why.

    The plan cannot be older than the latest document it implements, and nothing can be owed for a
    month already under way before it existed: the first day of the month after that document. Without
    a dated basis, the first day of the first year its title names."""
    if latest_basis is not None:
        why = f"đầu tháng sau ngày {tp.fmt(latest_basis)} của văn bản căn cứ mới nhất"
        return date(*add_months(latest_basis.year, latest_basis.month, 1), 1), why
    if m_year := re.search(r"\b(20\d\d)\b", title):
        return date(int(m_year.group(1)), 1, 1), f"đầu năm {m_year.group(1)} ghi ở tên kế hoạch"
    raise PlanError([Problem("văn bản không ghi ngày ban hành, không có văn bản căn cứ có ngày và tên kế hoạch "
                             "không ghi năm: không có ngày để tính thời hạn",
                             hint="thêm dòng địa danh, ngày … tháng … năm … vào văn bản rồi tạo bản nháp lại")])


def tp_date(s: str) -> date:
    d, m, y = (int(x) for x in s.split("/"))
    return date(y, m, d)


def _sel_yaml(sels: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [dict(s) if isinstance(s, dict) else s for s in sels]


def draft_text(lines: list[str], directory: Directory | None = None, units: list[str] | None = None,
               source: str = "<text>") -> Draft:
    doc = parse(lines)
    d = _Drafter(doc, directory or Directory([]), units or [], source)
    return _assemble(d)


def _assemble(d: _Drafter) -> Draft:
    doc = d.doc
    refs, latest = d.basis()
    issuer = d.issuer()
    resolver = Resolver(d.directory, issuer)
    for b in doc.body:
        resolver.learn_definitions(b.text)
    issued = doc.issued
    issued_comment = None
    if issued is None:
        issued, basis_of = assumed_issue(latest, doc.title)
        issued_comment = (f"CHƯA RÕ: văn bản không ghi ngày ban hành; tạm tính từ {tp.fmt(issued)} ({basis_of})"
                          " — thay bằng ngày ban hành thật")
        d.flag(doc.issued_line, doc.title, "văn bản không ghi ngày ban hành (địa danh, ngày … tháng … năm …); "
                                           f"tạm tính từ {tp.fmt(issued)} ({basis_of}): ghi ngày ban hành thật")
    if doc.number is None:
        d.flag(None, doc.title, "văn bản không ghi số, ký hiệu")
    if issuer is None:
        d.flag(doc.title_line, doc.title, "không xác định được cơ quan ban hành trong danh mục đơn vị")
    standing = d.standing_agency(resolver)
    resolver.standing_agency = standing
    start, end, _ = d.period(issued)
    ctx = tp.Context(issued)

    # conferences first (duties may refer to them: "từ nay đến Hội nghị …")
    consumed: set[int] = set()
    conferences = _conferences(d, resolver, ctx, consumed)
    themes = _themes(d, consumed)
    sub_who: list[Any] = []
    sub_src: Block | None = None
    duties: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    lead: tuple[tuple[Any, ...], list[tp.Reading]] = ((), [])
    for b in doc.body:
        part = doc.part_of(b.section)
        if b.kind == "heading" or b.line in consumed and b.kind != "para" or part in ("purpose", "period", "other") \
                or id(b) in consumed:
            continue
        chain = doc.heading_chain(b.section)
        inherited: tuple[Any, ...] = ()
        for h in reversed(chain):
            inherited = resolver.subject(h.title)
            if inherited:
                break
        heading_time = [r for h in chain for r in tp.scan(h.title, ctx)]
        if b.kind == "bullet" and b.marker == "+" and lead[0]:
            inherited = lead[0]
        if b.kind == "bullet" and b.marker != "+":
            lead = ((), [])
        block_items: list[dict[str, Any]] = []
        opening: dict[int, tp.Reading] = {}
        clause_who: dict[int, tuple[Any, ...]] = {}  # the subject a sentence's ";" clauses go on with
        made: dict[int, dict[str, Any]] = {}  # the last duty a sentence's clauses made
        for number, sentence in _sentences(b.text):
            readings = tp.scan(sentence, ctx)
            own_time = any(r.when for r in readings)
            lead_time = _leading(sentence, readings, resolver)
            if lead_time is not None:
                opening.setdefault(number, lead_time)
                subject = resolver.subject(sentence[lead_time.end:])
            else:
                subject = resolver.subject(sentence)
                if number in opening and not any(r.when for r in readings):
                    readings = [opening[number]]
            if not subject and fold(sentence).startswith("phoi hop") and not inherited:
                ms = resolver.mentions(sentence)
                subject = ms[0].selectors if ms else ()
            if not subject and number in clause_who:
                # "Giao Phòng Nội vụ theo dõi …; tổng hợp và báo cáo … vào quý II": the clause goes on with the
                # sentence's subject; without a time of its own it is more of the same duty
                if not own_time and number in made and not sentence.endswith(":"):
                    made[number]["what"] = f"{made[number]['what']}; {sentence.rstrip('.;: ')}"
                    continue
                subject = clause_who[number]
            if subject:
                clause_who[number] = subject
            who = subject or inherited
            if b.kind == "bullet" and sentence.endswith(":"):
                lead = (who, readings)
            if sentence.endswith(":") and readings and _only_time(sentence, readings):
                continue  # "Cụ thể hàng năm:" introduces the items below; it is not a task of its own
            if b.marker == "+" and not readings and lead[1]:
                readings = lead[1]
            f = fold(sentence)
            if ("xay dung ke hoach" in f or "co ke hoach cu the" in f) and not any(r.when for r in readings):
                sub_who.extend(who)
                sub_src = sub_src or b
                d.add("sub_plan", {"who": _sel_yaml(who)}, b, sentence)
                if not who:
                    d.flag(b.line, sentence, "yêu cầu xây dựng kế hoạch nhưng không rõ đơn vị nào")
                continue
            before = len(block_items)
            for seg, rs in _segments(sentence, readings):
                _place(d, b, seg, rs, who, heading_time, conferences, duties, reports, block_items, resolver, ctx)
            if len(block_items) > before:
                made[number] = block_items[-1]
        _merge_deadlines(block_items, duties)
    plan: dict[str, Any] = {
        "id": slug(f"{doc.title} {issued.year}", 7),
        "number": doc.number,
        "issuer": issuer or "chua-ro-co-quan-ban-hanh",
        "place": doc.place or (d.directory[issuer].name.split(" ", 4)[-1] if issuer else "…"),
        "issued": tp.fmt(issued) if issued_comment is None else {"assumed": tp.fmt(issued)},
        "title": " ".join(doc.title.split()),
        "basis": refs,
        "period": {"from": "issue" if start <= issued else tp.fmt(start), "to": tp.fmt(end)},
        "standing_agency": standing or "chua-ro-co-quan-thuong-truc",
        "recipients": _recipients(d, resolver),
        "units": d.units,
    }
    if sub_who:
        plan["sub_plans"] = {"who": _sel_yaml(list({repr(s): s for s in sub_who}.values())),
                             "source": {"section": sub_src.section, "line": sub_src.line} if sub_src else None}
        if sub_src is not None:
            d.flag(sub_src.line, sub_src.text, "văn bản không đặt hạn ban hành kế hoạch cấp dưới; áp dụng "
                                               "defaults.sub_plan_days (cấu hình khi triển khai)")
    plan["themes"] = themes
    plan["duties"] = duties
    plan["conferences"] = conferences
    plan["reports"] = reports
    plan = {k: v for k, v in plan.items() if v not in ([], None) or k in ("number",)}
    text = yaml.safe_dump(plan, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
    header = [f"# Bản nháp tạo tự động từ {d.source} (plancal draft): đối chiếu với văn bản trước khi ban hành.",
              f"# {len(d.review)} mục cần xem lại được liệt kê ở cuối tệp."]
    if issued_comment:
        text = re.sub(r"^(issued: .*)$", lambda m: f"{m.group(1)}  # {issued_comment}", text, count=1, flags=re.M)
    tail = ["", "# --- Nhiệm vụ chưa có thời hạn trong văn bản (không tự đặt ngày; bổ sung when: rồi bỏ dấu #) ---"]
    tail += d.comments
    tail += ["", "# --- Cần xem lại ---"] + [f"# {r}" for r in d.review]
    yaml_text = "\n".join(header) + "\n" + text + "\n".join(tail) + "\n"
    validate_plan_text(yaml_text, d.source)
    return Draft(yaml_text, d.review, d.items, plan)


def _place(d: _Drafter, b: Block, seg: str, rs: list[tp.Reading], who: tuple[Any, ...], heading_time: list[tp.Reading],
           conferences: list[dict[str, Any]], duties: list[dict[str, Any]], reports: list[dict[str, Any]],
           block_items: list[dict[str, Any]], resolver: Resolver, ctx: tp.Context) -> None:
    qs = quotas.scan(seg)
    if len(pieces := _quota_pieces(seg, qs)) > 1:
        for piece in pieces:
            _place(d, b, piece, rs, who, heading_time, conferences, duties, reports, block_items, resolver, ctx)
        return
    dated = [r for r in rs if r.when is not None]
    undated_notes = [n for r in rs if r.when is None for n in r.notes]
    greeted, last = None, None
    for m in _GREETING.finditer(seg) if conferences else ():
        if (last := _conference_end(m.group("name"), conferences)) is not None:
            greeted = m
            break
    if greeted and last is not None:
        # "… lập thành tích chào mừng Hội nghị … lần thứ IV": done by the conference the plan dates; a wider
        # window in the same clause ("… trong năm 2020, … cổ động chào mừng Hội nghị …") is narrowed to it
        window = _window_of(dated[0].when) if dated and dated[0].when else None
        if not dated or window is not None and window[0] <= tp_date(last) < window[1]:
            start = max(window[0], ctx.issued or date.min) if window else ctx.issued or date.min
            dated = [tp.Reading(greeted.group(), greeted.start(), greeted.end(), "chào mừng …",
                                {"within": {"from": tp.fmt(start), "to": last}})]
            d.flag(b.line, seg, f"thời hạn: đến hội nghị/đại hội được chào mừng (hết {last}) — kiểm tra lại")
    if not dated:
        for r in heading_time:
            if r.rule == "từ nay đến …" and conferences:
                last = _conference_end(r.event or "", conferences, any_if_none=True)
                dated = [tp.Reading(r.text, 0, 0, r.rule, {"within": {"from": tp.fmt(ctx.issued or date.min),
                                                                        "to": last}})]
            elif r.when is not None:
                dated = [r]
    if not dated and qs and qs[0].per:
        dated = [tp.Reading(qs[0].text, 0, 0, "chỉ tiêu theo kỳ", {"every": qs[0].per})]
    f = fold(seg)
    if dated and dated[0].cycles and "semiannual" in dated[0].cycles and "bao cao" in f:
        to = resolver.recipient(seg) or resolver.standing_agency
        rep = {"id": d.new_id("bao-cao " + seg), "what": seg.rstrip("."), "cycles": list(dated[0].cycles),
               "to": to, "deadlines": [], "source": {"section": b.section, "line": b.line}}
        if not to:
            d.flag(b.line, seg, "báo cáo định kỳ nhưng không rõ gửi về đâu")
            return
        reports.append(rep)
        d.add("report", rep, b, seg)
        d.flag(b.line, seg, "văn bản không nêu ngày gửi báo cáo: deadlines để trống, cơ quan thường trực bổ sung khi triển khai")
        return
    if dated and re.match(r"^(tham muu )?to chuc (dai hoi|hoi nghi)", f) and (dated[0].when or {}).get("within"):
        name = re.split(r"\s+(?:vào|trong|hoàn thành)\s", re.sub(r"^(Tham mưu )?tổ chức\s+", "", seg, flags=re.I))[0]
        conf = {"id": d.new_id(name), "title": name.rstrip("."), "level": _level(d, resolver),
                "held_by": [resolver.issuer], "within": dated[0].when["within"], "duration": None,  # type: ignore[index]
                "source": {"section": b.section, "line": b.line}}
        if not any(c["held_by"] == conf["held_by"] and c["within"] == conf["within"] for c in conferences):
            conferences.append(conf)
            d.add("conference", conf, b, seg)
            d.flag(b.line, seg, "hội nghị/đại hội: văn bản không nêu ngày, thời lượng; công tác chuẩn bị chưa có hạn")
            return
    total = bool(qs) and resolver.standing_agency is not None and _TOTAL_TARGET.match(f) is not None
    if total:
        who = ("@standing-agency",)  # a target for the whole plan: the standing agency keeps the count
    if not who:
        if dated:
            d.flag(b.line, seg, "có thời hạn nhưng không xác định được đơn vị thực hiện")
        else:
            d.flag(b.line, seg, "không xác định được đơn vị thực hiện và thời hạn")
        return
    duty: dict[str, Any] = {"id": d.new_id(seg), "what": seg.rstrip(".;:").strip(), "who": _sel_yaml(who)}
    if qs:
        duty["quota"] = dict(qs[0].quota)
        if total or any(s == "@standing-agency" or s == resolver.issuer for s in who) and "toàn tỉnh" in seg:
            duty["quota"]["scope"] = "total"
    to = resolver.recipient(seg)
    if to and to not in who and not ("@standing-agency" in who and to == resolver.standing_agency):
        duty["to"] = to
    duty["source"] = {"section": b.section, "line": b.line}
    if not dated:
        notes = "; ".join(undated_notes) or "văn bản không nêu thời hạn"
        d.comments.append(f"# [{b.section} dòng {b.line}] {duty['what'][:160]}")
        d.flag(b.line, seg, f"nhiệm vụ chưa có thời hạn ({notes}): ghi dạng chú thích, không tự đặt ngày")
        d.add("undated", duty, b, seg)
        return
    r = dated[0]
    duty["when"] = dict(r.when or {})
    if r.tentative:
        duty["note"] = "Thời gian dự kiến (văn bản ghi “dự kiến”)."
    for note in r.notes:
        d.flag(b.line, seg, f"thời hạn: {note}")
    duties.append(duty)
    block_items.append(duty)
    d.add("duty", duty, b, seg)


def _only_time(clause: str, readings: list[tp.Reading]) -> bool:
    """True when a clause says nothing but when (a connective such as "cụ thể" aside)."""
    rest, cut = [], 0
    for r in sorted(readings, key=lambda x: x.start):
        rest.append(clause[cut:r.start])
        cut = max(cut, r.end)
    rest.append(clause[cut:])
    return len(fold(" ".join(rest)).replace(",", " ").split()) <= 2


def _quota_pieces(seg: str, qs: list[quotas.QuotaReading]) -> list[str]:
    """A clause listing works each with its own quota per period ("phát sóng truyền hình (2kỳ/tháng) và
    phát thanh (2kỳ/tháng)") is one duty per work: the clause cut after each quota, at "và" or ","."""
    per = [q for q in qs if q.per]
    if len(per) < 2:
        return [seg]
    pieces: list[str] = []
    start = 0
    for i, q in enumerate(per):
        end = q.end + 1 if seg[q.end:q.end + 1] == ")" else q.end
        if i + 1 < len(per):
            joint = re.match(r"\s*(?:,\s*)?(?:và\s+)?", seg[end:per[i + 1].start])
            if not joint or not joint.group().strip():
                return [seg]
        pieces.append(seg[start:end].strip(" ,"))
        start = end + (joint.end() if i + 1 < len(per) and joint else 0)
    return pieces


def _conference_end(name: str, conferences: list[dict[str, Any]], any_if_none: bool = False) -> str | None:
    """The end of the latest window among the plan's conferences the event ``name`` refers to (its title
    opens the name, or the name opens the title); with ``any_if_none``, among all when none is named."""
    f = fold(name)
    named = [c for c in conferences if f and (f.startswith(fold(c["title"])) or fold(c["title"]).startswith(f))]
    pool = named or (conferences if any_if_none else [])
    ends = [c["within"]["to"] if isinstance(c["within"], dict) else _window_end(c["within"]) for c in pool]
    return max(ends, key=tp_date) if ends else None


def _window_of(when: dict[str, Any]) -> tuple[date, date] | None:
    """The first and last day of a ``within`` window, or None for any other ``when``."""
    from plancal.vn.periods import parse_window

    w = when.get("within")
    if isinstance(w, dict):
        return tp_date(w["from"]), tp_date(w["to"])
    if isinstance(w, str):
        span = parse_window(w)
        return span.start, span.end
    return None


def _window_end(window: str) -> str:
    from plancal.vn.periods import parse_window

    return tp.fmt(parse_window(window).end)


def _level(d: _Drafter, resolver: Resolver) -> str:
    kind = d.directory[resolver.issuer].kind if resolver.issuer and resolver.issuer in d.directory else ""
    return {"province": "tỉnh", "district": "huyện", "commune": "xã"}.get(kind, "…")


def _merge_deadlines(items: list[dict[str, Any]], duties: list[dict[str, Any]]) -> None:
    """Quota clauses "(2 bài/tháng)" and a deadline clause "trước ngày 25 hàng tháng X gửi …" for the
    same unit in one paragraph are one duty: the quota items take the deadline, the deadline clause joins."""
    for dl in [i for i in items if i["when"].get("every") and i["when"].get("day")]:
        same = [i for i in items if i is not dl and "quota" in i and i["who"] == dl["who"]
                and i["when"] == {"every": dl["when"]["every"]}]
        if same:
            for i in same:
                i["when"] = dict(dl["when"])
                i.setdefault("to", dl.get("to"))
                if i.get("to") is None:
                    i.pop("to")
                i["what"] = f"{i['what']}; {dl['what']}"
            if dl in duties:
                duties.remove(dl)


def _conferences(d: _Drafter, resolver: Resolver, ctx: tp.Context, consumed: set[int]) -> list[dict[str, Any]]:
    doc = d.doc
    out: list[dict[str, Any]] = []
    presidium: dict[str, Any] | None = None
    for b in doc.body:
        if re.search(r"đoàn Chủ tịch", b.text, re.I) and (m := re.search(r"không quá (\d+) người", b.text)):
            presidium = {"max": int(m.group(1))}
            if sh := re.search(r"(\d/\d) là", b.text):
                presidium["exemplar_share"] = sh.group(1)
    groups: dict[str, list[Block]] = {}
    for b in doc.body:
        groups.setdefault(b.section, []).append(b)
    for section, blocks in groups.items():
        texts = " ".join(x.text for x in blocks)
        m = re.search(r"Hình thức:\s*Tổ chức\s*[“\"]([^”\"]+)[”\"]", texts)
        head = doc.headings.get(section)
        if not m or head is None:
            continue
        held = resolver.subject(head.title)
        window = None
        for x in blocks:
            if fold(x.text).startswith("thoi gian"):
                window = next((r.when["within"] for r in tp.scan(x.text, ctx) if r.when and "within" in r.when), None)
                dur = "half_day" if "1/2 ngày" in x.text else "full_day" if re.search(r"\b0?1 ngày|cả ngày", x.text) else None
        if not held or window is None:
            d.flag(head.line, head.text, "hội nghị: không xác định được cấp tổ chức hoặc thời gian")
            continue
        conf: dict[str, Any] = {"id": d.new_id(m.group(1) + " " + head.title.replace("Đối với", "")),
                                "title": m.group(1), "level": re.sub(r"^Đối với\s+(các\s+)?", "", head.title).strip(": "),
                                "held_by": _sel_yaml(held), "within": window, "duration": dur,
                                "source": {"section": section, "line": head.line}}
        delegates: dict[str, Any] = {}
        if mx := re.search(r"Tối đa (\d+) đại biểu", texts):
            delegates["max"] = int(mx.group(1))
        if me := re.search(r"điển hình tiên tiến khoảng (\d+)%", texts):
            delegates["exemplars_pct"] = int(me.group(1))
        if mg := re.search(r"khách mời khoảng (\d+)%", texts):
            delegates["guests_pct"] = int(mg.group(1))
        if delegates:
            conf["delegates"] = delegates
        if presidium:
            conf["presidium"] = presidium
        for x in blocks:
            if "chỉ đạo điểm" in x.text:
                pilots = [s for mm in resolver.mentions(x.text) for s in mm.selectors
                          if isinstance(s, str) and s in d.directory and d.directory[s].kind == "commune"]
                if pilots:
                    conf["pilot"] = {"unit": pilots[0]}
        for x in blocks:
            consumed.add(id(x))
        out.append(conf)
        d.add("conference", conf, head, head.text)
    return out


def _themes(d: _Drafter, consumed: set[int]) -> list[dict[str, Any]]:
    doc = d.doc
    out: list[dict[str, Any]] = []
    rows = [b for b in doc.body if b.kind == "row"]
    months_of: list[list[int] | str | None] = []
    for b in rows:
        cells = b.text.split("\t")
        first = cells[0].strip()
        if fold(first) == "thang":
            months_of.append(None)
            continue
        if fold(first).startswith("trong nam") or fold(first) == "ca nam":
            months_of.append("all")
        elif nums := [int(n) for n in re.findall(r"\d+", first) if 1 <= int(n) <= 12]:
            months_of.append(nums)
        else:
            months_of.append(None if first else [])
    for i, b in enumerate(rows):
        consumed.add(id(b))
        cells = [re.sub(r"<[^>]+>", " ", c).strip() for c in b.text.split("\t")]
        if months_of[i] is None or len(cells) < 2:
            continue
        months = months_of[i]
        if months == []:
            later = [m for m in months_of[i + 1:] if m]
            earlier = [m for m in months_of[:i] if m]
            months = (earlier[-1] if earlier else later[0] if later else None)
            if months is None:
                d.flag(b.line, b.text, "dòng bảng không ghi tháng")
                continue
        topic = " ".join(cells[1].split())
        content = " ".join(" ".join(cells[2:]).split()) if len(cells) > 2 else None
        for title in re.split(r"(?:^|\s)-\s+(?=[A-ZĐÀ-Ỹ])", topic):
            title = title.strip(" ,;.-")
            if title:
                theme = {"months": months, "title": title, "source": {"section": b.section, "line": b.line}}
                if content:
                    theme["content"] = content.lstrip("- ")
                out.append(theme)
                d.add("theme", theme, b, title)
    for b in doc.body:
        chain = doc.heading_chain(b.section)
        if b.kind == "bullet" and chain and fold(chain[-1].title).startswith("noi dung") \
                and len(chain[-1].title.split()) <= 6 and doc.part_of(b.section) == "content":
            consumed.add(id(b))
            theme = {"months": "all", "title": b.text.rstrip(".;"), "source": {"section": b.section, "line": b.line}}
            out.append(theme)
            d.add("theme", theme, b, b.text)
    return out


def _recipients(d: _Drafter, resolver: Resolver) -> list[Any]:
    out: list[Any] = []
    for b in d.doc.recipients:
        if fold(b.text).startswith("luu"):
            continue
        sels = [s for m in resolver.mentions(b.text) for s in m.selectors]
        if not sels:
            d.flag(b.line, b.text, "nơi nhận: không tìm thấy đơn vị trong danh mục")
        out.extend(sels)
    return _sel_yaml(list({repr(s): s for s in out}.values())) or ["@issuer"]


def draft_document(path: Path | str, directory: Directory | Path | str | None = None,
                   units: list[str] | None = None) -> Draft:
    """Draft a plan from a .docx, .pdf or .txt document; ``directory`` is a unit directory or its file/folder."""
    path = Path(path)
    files: list[str] = list(units or [])
    if isinstance(directory, str | Path):
        dpath = Path(directory)
        if not dpath.exists():
            raise PlanError([Problem(f"không tìm thấy danh mục đơn vị {dpath}", hint="đưa đường dẫn tệp hoặc thư mục units")])
        if not files:
            files = [str(p) for p in (sorted(dpath.glob("*.yaml")) if dpath.is_dir() else [dpath])]
        directory = read_directory(dpath)
    return draft_text(read_lines(path), directory, files, path.name)
