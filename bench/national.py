"""The national directory for the benchmarks: the real 34 provinces and 3,321 communes and wards of the
two-level government of 1 July 2025 (``vietnam-provinces``), plus per province 40 departments and
agencies, a newspaper and a radio-TV station, and the Fatherland Front committee of every commune —
about 8,100 units — and one national plan that gives them duties, reports, a conference and themes the
way plans/001 and plans/003 do.

``scale`` resizes the communes (and their front committees) and the departments: 0.25 keeps every
fourth commune, 2 adds a second, synthetic copy of each (names suffixed "(bản sao 2)"). Provinces stay 34.

    write(folder, scale=1.0) -> Path of plan.yaml (its unit files beside it)
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from vietnam_provinces import Province, Ward

# 40 provincial departments and agencies (sở, ban, ngành, đoàn thể) a provincial plan names as recipients
DEPARTMENTS = (
    ("noi-vu", "Sở Nội vụ"), ("tai-chinh", "Sở Tài chính"), ("tu-phap", "Sở Tư pháp"),
    ("cong-thuong", "Sở Công Thương"), ("giao-duc", "Sở Giáo dục và Đào tạo"), ("y-te", "Sở Y tế"),
    ("vhttdl", "Sở Văn hóa, Thể thao và Du lịch"), ("nnmt", "Sở Nông nghiệp và Môi trường"),
    ("xay-dung", "Sở Xây dựng"), ("khcn", "Sở Khoa học và Công nghệ"), ("ngoai-vu", "Sở Ngoại vụ"),
    ("dan-toc", "Sở Dân tộc và Tôn giáo"), ("thanh-tra", "Thanh tra tỉnh"), ("vp-ubnd", "Văn phòng UBND tỉnh"),
    ("vp-doan-dbqh", "Văn phòng Đoàn ĐBQH và HĐND tỉnh"), ("ban-tuyen-giao", "Ban Tuyên giáo và Dân vận Tỉnh ủy"),
    ("ban-to-chuc", "Ban Tổ chức Tỉnh ủy"), ("ban-noi-chinh", "Ban Nội chính Tỉnh ủy"),
    ("ubkt", "Ủy ban Kiểm tra Tỉnh ủy"), ("mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"),
    ("doan-tn", "Tỉnh đoàn"), ("hoi-phu-nu", "Hội Liên hiệp Phụ nữ tỉnh"), ("hoi-nong-dan", "Hội Nông dân tỉnh"),
    ("cong-doan", "Liên đoàn Lao động tỉnh"), ("cuu-chien-binh", "Hội Cựu chiến binh tỉnh"),
    ("cong-an", "Công an tỉnh"), ("quan-su", "Bộ Chỉ huy Quân sự tỉnh"), ("bien-phong", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"),
    ("bhxh", "Bảo hiểm xã hội tỉnh"), ("thue", "Thuế tỉnh"), ("kho-bac", "Kho bạc Nhà nước khu vực"),
    ("hai-quan", "Chi cục Hải quan khu vực"), ("thong-ke", "Thống kê tỉnh"), ("ngan-hang", "Ngân hàng Nhà nước chi nhánh tỉnh"),
    ("vien-kiem-sat", "Viện Kiểm sát nhân dân tỉnh"), ("toa-an", "Tòa án nhân dân tỉnh"),
    ("dai-hoc", "Trường Đại học tỉnh"), ("bv-da-khoa", "Bệnh viện Đa khoa tỉnh"), ("thu-vien", "Thư viện tỉnh"),
    ("bao-tang", "Bảo tàng tỉnh"),
)
assert len(DEPARTMENTS) == 40
CENTRAL = "tw"


def _slug(codename: str) -> str:
    return codename.replace("_", "-")


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _province_short(name: str) -> str:
    return name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def provinces() -> list[Province]:
    return list(Province.iter_all())


def wards() -> list[Ward]:
    return list(Ward.iter_all())


def units(scale: float = 1.0) -> list[dict[str, object]]:
    """The unit directory as dicts (id, name, kind, parent, emails), parents before children."""
    out: list[dict[str, object]] = [{"id": CENTRAL, "name": "Ban Thi đua - Khen thưởng Trung ương", "kind": "central",
                                     "emails": ["vanthu@btdkt.gov.vn"]}]
    by_province: dict[int, list[Ward]] = {}
    for w in wards():
        by_province.setdefault(int(w.province_code), []).append(w)
    n_departments = max(1, min(len(DEPARTMENTS), round(len(DEPARTMENTS) * min(scale, 1.0))))
    copies = max(1, round(scale)) if scale > 1 else 1
    for p in provinces():
        pid = _slug(p.codename)
        short = _province_short(p.name)
        domain = f"{pid}.gov.vn"
        out.append({"id": pid, "name": f"Ủy ban nhân dân {_lower_first(p.name)}", "kind": "province", "parent": CENTRAL,
                    "emails": [f"ubnd@{domain}"]})
        for copy in range(1, copies + 1):
            for key, name in DEPARTMENTS[:n_departments]:
                did = f"{pid}-{key}" if copy == 1 else f"{pid}-{key}-{copy}"
                label = f"{name} {short}" if copy == 1 else f"{name} {short} (bản sao {copy})"
                out.append({"id": did, "name": label, "kind": "department", "parent": pid, "emails": [f"{did}@{domain}"]})
        out.append({"id": f"{pid}-bao", "name": f"Báo {short}", "kind": "newspaper", "parent": pid,
                    "emails": [f"toasoan@bao{pid}.vn"]})
        out.append({"id": f"{pid}-dai-ptth", "name": f"Đài Phát thanh và Truyền hình {short}", "kind": "broadcaster",
                    "parent": pid, "emails": [f"dai@ptth{pid}.vn"]})
        ws = by_province[int(p.code)]
        keep = ws if scale >= 1 else [w for i, w in enumerate(ws) if int(i * scale) != int((i + 1) * scale)]
        for copy in range(1, copies + 1):
            for w in keep:
                cid = f"x{int(w.code):05d}" + ("" if copy == 1 else f"-{copy}")
                where = _lower_first(w.name) + ("" if copy == 1 else f" (bản sao {copy})")
                out.append({"id": cid, "name": f"Ủy ban nhân dân {where}, {p.name}", "kind": "commune", "parent": pid,
                            "emails": [f"vanthu.{cid}@{domain}", f"chutich.{cid}@{domain}"]})
                out.append({"id": f"{cid}-mttq", "name": f"Ủy ban Mặt trận Tổ quốc Việt Nam {where}", "kind": "front",
                            "parent": cid, "emails": [f"mttq.{cid}@{domain}"]})
    return out


#: units per unit file: a file stays under the loader's 2 MB limit (source.MAX_FILE_BYTES) at any scale
UNITS_PER_FILE = 6000


def units_yaml(scale: float = 1.0) -> list[str]:
    """The unit files' texts, :data:`UNITS_PER_FILE` units each (parents may sit in an earlier file)."""
    # JSON is YAML: one flow mapping per line, names quoted safely
    rows = [f"  - {json.dumps(u, ensure_ascii=False)}" for u in units(scale)]
    return ["\n".join(["units:", *rows[i:i + UNITS_PER_FILE]]) + "\n" for i in range(0, len(rows), UNITS_PER_FILE)]


PLAN = textwrap.dedent("""\
    id: quoc-gia-2025
    number: 1/KH-BTĐKT
    issuer: tw
    place: Hà Nội
    issued: 02/01/2025
    title: Tuyên truyền, nhân rộng điển hình tiên tiến năm 2025 (quy mô toàn quốc)
    period: 2025
    standing_agency: tw
    units: [{unit_files}]
    recipients: [{kind: province}, {kind: department}, {kind: newspaper}, {kind: broadcaster}, {kind: commune},
                 {kind: front}]
    sub_plans: {who: [{kind: province}], days: 30}
    duties:
      - {id: xa-bai-viet, what: "Gửi bài viết giới thiệu gương điển hình tiên tiến của xã, phường",
         who: [{kind: commune}], quota: {min: 2, unit: bài}, to: tw, when: {every: month, day: 25, before: true}}
      - {id: mttq-danh-sach, what: "Gửi danh sách gương điển hình tiêu biểu trong Mặt trận xã, phường",
         who: [{kind: front}], to: tw, when: {every: quarter, month: last, day: 25, before: true}}
      - {id: so-gioi-thieu, what: "Phát hiện, giới thiệu gương điển hình xuất sắc của ngành",
         who: [{kind: department}], to: tw, when: {every: quarter, month: last, day: 25, before: true}}
      - {id: bao-bai-viet, what: "Đăng bài viết tuyên truyền gương điển hình tiên tiến (báo in và báo điện tử)",
         who: [{kind: newspaper}], quota: {min: 2, max: 2, unit: bài}, to: tw, when: {every: month, day: 25, before: true}}
      - {id: dai-truyen-hinh, what: "Phát sóng chuyên mục truyền hình về gương điển hình tiên tiến",
         who: [{kind: broadcaster}], quota: {min: 2, max: 2, unit: kỳ}, to: tw, when: {every: month, day: 25, before: true}}
      - {id: giao-luu, what: "Tổ chức giao lưu, tọa đàm điển hình tiên tiến cấp tỉnh", who: [{kind: province}],
         when: {every: year}}
    reports:
      - id: bao-cao
        what: Báo cáo kết quả thực hiện Kế hoạch tuyên truyền điển hình tiên tiến
        cycles: [annual]
        to: tw
        deadlines:
          - {who: [{kind: department}, {kind: newspaper}, {kind: broadcaster}], day: 18}
          - {who: [{kind: province}], day: 20}
    conferences:
    {conferences}
    themes:
      - {months: [1, 2], title: "Chào mừng {thanh-lap-dang} năm Ngày thành lập Đảng Cộng sản Việt Nam",
         anniversaries: [thanh-lap-dang, tet-nguyen-dan]}
      - {months: [4], title: Giỗ Tổ Hùng Vương, anniversaries: [gio-to-hung-vuong]}
      - {months: [4], title: "Chào mừng {giai-phong-mien-nam} năm ngày giải phóng miền Nam",
         anniversaries: [giai-phong-mien-nam, quoc-te-lao-dong]}
      - {months: [5], title: "Chào mừng {sinh-nhat-bac-ho} năm ngày sinh Chủ tịch Hồ Chí Minh",
         anniversaries: [sinh-nhat-bac-ho]}
      - {months: [6], title: "Chào mừng {loi-keu-goi-thi-dua} năm ngày truyền thống thi đua yêu nước",
         anniversaries: [loi-keu-goi-thi-dua]}
      - {months: [8, 9], title: "Chào mừng {cach-mang-thang-tam} năm Cách mạng tháng Tám và Quốc khánh",
         anniversaries: [cach-mang-thang-tam, quoc-khanh]}
      - {months: [12], title: "Chào mừng {thanh-lap-quan-doi} năm ngày thành lập Quân đội nhân dân Việt Nam",
         anniversaries: [thanh-lap-quan-doi]}
      - {months: all, title: Tiếp tục thực hiện phong trào thi đua "Cả nước chung tay vì người nghèo"}
    """)
CONFERENCE = """\
  - {{id: hoi-nghi-{pid}, title: "Hội nghị biểu dương điển hình tiên tiến {name}", level: tỉnh, held_by: [{pid}],
     attendees: [{{kind: department, under: {pid}}}], within: Q3/2025, on: 12/09/2025, start: "08:00",
     duration: half_day}}"""


def plan_yaml(unit_files: list[str]) -> str:
    conferences = "\n".join(CONFERENCE.format(pid=_slug(p.codename), name=_province_short(p.name)) for p in provinces())
    return PLAN.replace("{conferences}\n", conferences + "\n").replace("{unit_files}", ", ".join(unit_files))


def write(folder: Path, scale: float = 1.0) -> Path:
    """The unit files (units.yaml, units-2.yaml … beyond :data:`UNITS_PER_FILE` units) and plan.yaml in
    ``folder``; returns the plan's path."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for n, text in enumerate(units_yaml(scale), start=1):
        names.append("units.yaml" if n == 1 else f"units-{n}.yaml")
        (folder / names[-1]).write_text(text, encoding="utf-8")
    path = folder / "plan.yaml"
    path.write_text(plan_yaml(names), encoding="utf-8")
    return path
