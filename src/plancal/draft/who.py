"""Who: unit mentions in a sentence matched to the unit directory.

Two kinds of mention: named units ("Báo An Giang", "Sở Nội vụ (Ban Thi đua - Khen thưởng)", "Phòng Nội
vụ") matched against name variants built from the directory (abbreviations UBND, MTTQ, TĐKT; the place
and the parenthesis optional), and groups ("UBND các xã, thị trấn" → every commune under the issuer,
"các sở, ban, ngành" → every department, "các địa phương" → the level below the issuer). A document may
define its own group ("… (gọi tắt là các sở, ngành, địa phương, đơn vị)"); :class:`Resolver` learns it.
Matching runs on folded text (no diacritics, lower case), so NFD input and "–"/"-" do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from plancal.units.directory import Directory

_ABBREV = [
    (r"\bubnd\b", "uy ban nhan dan"), (r"\bhdnd\b", "hoi dong nhan dan"), (r"\bubmttq\b", "uy ban mat tran to quoc"),
    (r"\bmttq\b", "mat tran to quoc"), (r"\btd ?- ?kt\b|\btdkt\b", "thi dua khen thuong"), (r"\btw\b", "trung uong"),
    (r"\bptth\b", "phat thanh va truyen hinh"), (r"\btt\b", "thuong truc"), (r"\bhd\b", "hoi dong"),
]


def fold(text: str) -> str:
    """Lower case, no diacritics, no punctuation except ',' and '(' ')', single spaces."""
    t = unicodedata.normalize("NFD", text.lower())
    t = "".join(c for c in t if unicodedata.category(c) != "Mn").replace("đ", "d")
    t = re.sub(r"[–—-]", " ", t)
    t = re.sub(r"[^\w,()]+", " ", t)
    for rx, full in _ABBREV:
        t = re.sub(rx, full, t)
    t = re.sub(r"\bphat thanh truyen hinh\b", "phat thanh va truyen hinh", t)
    t = re.sub(r"\bthong tin truyen thong\b", "thong tin va truyen thong", t)
    return re.sub(r"\s+", " ", t).strip()


_LEVEL = re.compile(r"\b(tinh|huyen|thanh pho|thi xa|xa|phuong|thi tran|quan)\b")
_GENERIC = {"uy ban nhan dan", "hoi dong nhan dan", "uy ban nhan dan tinh", "uy ban nhan dan huyen"}


def place_of(name: str) -> tuple[str, str] | None:
    """("tinh", "kien giang") from "Ủy ban nhân dân tỉnh Kiên Giang"."""
    m = re.search(r"\b(tinh|huyen|thanh pho|thi xa)\s+(.+)$", fold(name))
    return (m.group(1), m.group(2)) if m else None


def variants(name: str, parent_place: tuple[str, str] | None = None) -> set[str]:
    f = fold(name)
    out = {f}
    inner = re.search(r"\(([^)]*)\)", f)
    base = re.sub(r"\s*\([^)]*\)", "", f).strip()
    out.add(base)
    if inner:
        out.add(inner.group(1).strip())
    for v in list(out):
        found = list(_LEVEL.finditer(v))
        m = found[-1] if found else None
        if m and m.start() > 0:
            out.add(v[:m.end()].strip())  # "phong noi vu huyen"
            bare = v[:m.start()].strip()
            if len(bare.split()) >= 2 and bare not in _GENERIC:
                out.add(bare)  # "phong noi vu"
    out.add(f.replace(" va ", " "))
    if parent_place:
        level, place = parent_place
        for v in list(out):
            if v.endswith(" " + place) and len(v.split()) > len(place.split()) + 1:
                out.add(v[: -len(place)] + level)
                bare = v[: -len(place) - 1]
                if len(bare.split()) >= 2 and bare not in _GENERIC:
                    out.add(bare)
    return {v for v in out if v and v.replace(",", "").strip()}


@dataclass(frozen=True)
class Mention:
    start: int  # in folded text
    end: int
    text: str
    selectors: tuple[Any, ...]  # unit ids, {kind:…} dicts, "@standing-agency"


# group phrases (folded) → a kind, or "below" for the level under the issuer
GROUPS: list[tuple[str, str]] = [
    (r"(?:uy ban nhan dan |cac )*(?:cac |moi )?xa,? (?:phuong,? )?thi tran|cap xa|(?:cac |moi )xa\b", "commune"),
    (r"(?:uy ban nhan dan |cac |moi )*huyen,? thi xa,? thanh pho|cap huyen", "district"),
    (r"(?:cac )?so,? (?:ban,? )?nganh(?: cap tinh)?|(?:cac )?phong,? ban,? nganh|(?:cac )?co quan,? ban,? nganh"
     r"|(?:cac )?phong,? ban|(?:moi|tung) nganh|cac nganh cap (?:tinh|huyen)", "department"),
    (r"(?:cac )?(?:hoi,? )?doan the(?: chinh tri)?|hoi doan the", "bodies"),
    # "mỗi địa phương, mỗi ngành, đơn vị, tổ chức cần …": the last item of a list before a modal verb is the
    # noun (organisations), not the verb "tổ chức" (which takes an object)
    (r"(?<=, )to chuc(?= (?:can|phai|co trach nhiem|chu dong)\b)", "bodies"),
    (r"(?:cac )?to chuc chinh tri xa hoi", "mass-organisation"),
    (r"(?:cac )?doanh nghiep", "enterprise"),
    (r"(?:cac )?co quan,? don vi", "offices"),
    (r"(?:cac )?dia phuong", "below"),
    (r"(?:uy ban )?mat tran(?: to quoc(?: viet nam)?)?", "front"),
]
_SUBJECT_STOP = {"voi", "cho", "gui", "ve", "tai", "qua", "cua", "den", "va cac co quan", "trinh", "tham muu"}


@dataclass
class Resolver:
    directory: Directory
    issuer: str | None
    standing_agency: str | None = None
    defined: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _names: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        names: list[tuple[str, str]] = []
        for u in self.directory:
            parent = self.directory.get(u.parent) if u.parent else None
            for v in variants(u.name, place_of(parent.name) if parent else None):
                names.append((v, u.id))
        # longest first: "so noi vu tinh quang ngai" before "so noi vu"
        self._names = sorted(set(names), key=lambda p: -len(p[0]))

    @property
    def below(self) -> str:
        kind = self.directory[self.issuer].kind if self.issuer and self.issuer in self.directory else ""
        return "commune" if kind == "district" else "district"

    def _kinds(self) -> set[str]:
        return {u.kind for u in self.directory}

    def _group(self, kind: str) -> tuple[Any, ...]:
        if kind == "below":
            kind = self.below
        if kind == "offices":  # "các cơ quan, đơn vị": the issuer's departments and public service units
            return tuple(s for k in ("department", "center") for s in self._group(k))
        if kind == "bodies":  # "các ban, ngành, đoàn thể": the Fatherland Front and the mass organisations
            return (*self._group("front"), *self._group("mass-organisation"))
        if kind == "front":
            fronts = [u.id for u in self.directory if u.kind == "front" and self._under(u.id)]
            return tuple(fronts)
        if kind not in self._kinds():
            return ()
        if self.issuer and self.issuer in self.directory and self.directory[self.issuer].kind == kind:
            return (self.issuer,)
        if self.issuer and not self.directory.of_kind(kind, self.issuer):
            return ()
        return ({"kind": kind, "under": self.issuer} if self.issuer else {"kind": kind},)

    def _under(self, uid: str) -> bool:
        return self.issuer is None or uid == self.issuer or self.issuer in self.directory.ancestors(uid)

    def learn_definitions(self, text: str) -> None:
        """"A, B, C (gọi tắt là X)" / "(sau đây gọi tắt là X)": X then means A, B, C."""
        f = fold(text)
        for m in re.finditer(r"\((?:sau day )?goi tat la ([^)]*)\)", f):
            alias = _norm_group(m.group(1))
            head = f[:m.start()]
            head = head[head.rfind(" la ") + 4:] if " la " in head[-400:] else head[-400:]
            sels = tuple(s for mm in self._scan(head) for s in mm.selectors)
            if sels and alias:
                self.defined[alias] = _dedupe(sels)

    def _scan(self, f: str, keep_empty: bool = False) -> list[Mention]:
        """Mentions in folded text; with ``keep_empty`` also groups this directory has no unit of (they
        still hold a place in a list of subjects)."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= x or a >= y for x, y in taken)

        for alias, sels in sorted(self.defined.items(), key=lambda p: -len(p[0])):
            rx = r"(?:cac |moi )?" + re.escape(alias).replace(",", ",?").replace(r"\ ", r",?\ ")
            for m in re.finditer(r"\b" + rx + r"(?:,? don vi)?\b", f):
                if free(m.start(), m.end()):
                    found.append(Mention(m.start(), m.end(), m.group(), sels))
                    taken.append((m.start(), m.end()))
        for name, uid in self._names:
            for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", f):
                if free(m.start(), m.end()):
                    found.append(Mention(m.start(), m.end(), m.group(), (uid,)))
                    taken.append((m.start(), m.end()))
        for rx, kind in GROUPS:
            for m in re.finditer(r"\b(?:" + rx + r")\b", f):
                if free(m.start(), m.end()):
                    sels = self._group(kind)
                    if sels or keep_empty:
                        found.append(Mention(m.start(), m.end(), m.group(), sels))
                    taken.append((m.start(), m.end()))
        return sorted(found, key=lambda x: x.start)

    def mentions(self, text: str) -> list[Mention]:
        return self._scan(fold(text))

    def subject(self, text: str) -> tuple[Any, ...]:
        """The units a clause is about: mentions at its head (before the first partner/recipient word)."""
        f = fold(text)
        f = re.sub(r"^(giao|de nghi|yeu cau|cu the|dong thoi),? ", "", f)
        # an opening "căn cứ …," / "trên cơ sở …," says on what basis, not who
        f = re.sub(r"^(?:,\s*)?(?:tren co so|can cu)\b[^,]{0,80},\s*", "", f)
        f = re.sub(r"^(giao|de nghi|doi voi),? ", "", f)
        f = re.sub(r"hoi dong thi dua khen thuong (?=cac )", "", f)
        out: list[Any] = []
        out_end = 0
        started = False
        for m in self._scan(f, keep_empty=True):
            before = f[:m.start].split()
            if len(before) > 3 and not (before and before[-1] in {"va", ","}) and not started:
                break
            if before and before[-1] in _SUBJECT_STOP:
                break
            if started and len(before) > 0 and f[:m.start].rstrip().endswith(tuple(_SUBJECT_STOP)):
                break
            gap = f[out_end:m.start] if started else ""
            # a qualifier between two items of the list ("doanh nghiệp, hợp tác xã thuộc Khối thi đua của
            # tỉnh, cấp huyện") is longer than a joining word, but the list goes on after its comma
            if started and len(gap.split()) > (10 if gap.rstrip().endswith(",") else 6):
                break
            out.extend(m.selectors)
            out_end, started = m.end, True
        return _dedupe(out)

    def recipient(self, text: str) -> str | None:
        """The unit something is sent to: "gửi (về) X", "về X"."""
        f = fold(text)
        for m in re.finditer(r"\b(?:gui ve|gui cho|gui|ve|cho)\s+", f):
            for mention in self._scan(f[m.end():]):
                if mention.start == 0 and len(mention.selectors) == 1 and isinstance(mention.selectors[0], str):
                    return str(mention.selectors[0])
        return None


def _norm_group(text: str) -> str:
    t = re.sub(r"^(cac|moi) ", "", text.strip())
    t = re.sub(r",? don vi$", "", t)
    return re.sub(r"\s+", " ", t).strip(" ,")


def _key(sel: Any) -> str:
    return sel if isinstance(sel, str) else f"{sel.get('kind')}@{sel.get('under')}"


def _dedupe(sels: Any) -> tuple[Any, ...]:
    seen: dict[str, Any] = {}
    for s in sels:
        seen.setdefault(_key(s), s)
    return tuple(seen.values())
