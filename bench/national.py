"""A national-scale unit directory and plan for the benchmarks: 34 provinces, ~3,300 communes,
departments, newspapers — about 8,000 units in the two-level government of 1 July 2025."""

from __future__ import annotations

import textwrap
from pathlib import Path

DEPARTMENTS = ("noi-vu", "tai-chinh", "tttt", "giao-duc", "y-te", "van-hoa", "nong-nghiep", "xay-dung",
               "cong-thuong", "tu-phap", "khcn", "lao-dong", "gtvt", "tnmt", "ke-hoach", "ngoai-vu", "thanh-tra",
               "dan-toc", "mttq", "doan-tn", "hoi-phu-nu", "hoi-nong-dan", "cong-doan", "cuu-chien-binh",
               "bao", "dai-ptth", "tuyen-giao", "bhxh", "cong-an", "quan-su", "kho-bac", "thue", "hai-quan",
               "ngan-hang", "vien-kiem-sat", "toa-an", "bo-doi-bien-phong", "thu-vien", "bao-tang", "cdc")


def units_yaml(communes_per_province: int = 97, departments: int = 40) -> str:
    rows = ["units:", '  - {id: tw, name: "Ban Thi đua - Khen thưởng Trung ương", kind: central, emails: [tw@btdkt.gov.vn]}']
    for p in range(1, 35):
        pid = f"t{p:02d}"
        rows.append(f'  - {{id: {pid}, name: "UBND tỉnh số {p}", kind: province, parent: tw, emails: [{pid}@gov.vn]}}')
        for d in DEPARTMENTS[:departments]:
            rows.append(f'  - {{id: {pid}-{d}, name: "Sở {d} tỉnh {p}", kind: department, parent: {pid}, '
                        f'emails: [{d}@{pid}.gov.vn]}}')
        for c in range(1, communes_per_province + 1):
            cid = f"{pid}-x{c:03d}"
            rows.append(f'  - {{id: {cid}, name: "UBND xã số {c} tỉnh {p}", kind: commune, parent: {pid}, '
                        f'emails: [{cid}@gov.vn]}}')
    return "\n".join(rows) + "\n"


PLAN = textwrap.dedent("""\
    id: quoc-gia-2025
    number: 1/KH-BTĐKT
    issuer: tw
    place: Hà Nội
    issued: 01/01/2025
    title: Kế hoạch tuyên truyền điển hình tiên tiến năm 2025 (quy mô toàn quốc)
    period: 2025
    standing_agency: tw
    units: [units.yaml]
    recipients: [{kind: province}, {kind: department}, {kind: commune}]
    sub_plans: {who: [{kind: province}, {kind: department}, {kind: commune}], days: 30}
    duties:
      - {id: bai-viet, what: Gửi bài viết tuyên truyền, who: [{kind: commune}], quota: {min: 2, unit: bài},
         to: tw, when: {every: month, day: 25, before: true}}
      - {id: gioi-thieu, what: Giới thiệu điển hình tiên tiến, who: [{kind: department}], to: tw,
         when: {every: quarter, month: last, day: 10, before: true}}
      - {id: giao-luu, what: Tổ chức giao lưu điển hình, who: [{kind: province}], when: {every: year}}
    reports:
      - id: bao-cao
        what: Báo cáo kết quả thực hiện Kế hoạch
        to: tw
        deadlines:
          - {who: [{kind: commune}], day: 16}
          - {who: [{kind: department}], day: 18}
          - {who: [{kind: province}], day: 20}
    themes:
      - {months: [5], title: "Chào mừng {sinh-nhat-bac-ho} năm ngày sinh Chủ tịch Hồ Chí Minh",
         anniversaries: [sinh-nhat-bac-ho]}
      - {months: [4], title: Giỗ Tổ Hùng Vương, anniversaries: [gio-to-hung-vuong]}
    """)


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.yaml").write_text(units_yaml(), encoding="utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path
