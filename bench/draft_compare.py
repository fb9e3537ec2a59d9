"""Compare the drafts of the five source plans with their hand encodings in plans/.

For each seed in ../shared/seeds, ``plancal.draft.draft_document`` drafts a plan against the same unit
files the hand encoding uses; both plans are then expanded with the core expander
(``plancal.schedule.expand``) and compared on their *dated items*.

Fair matching (kind-independent):
- A dated item is an actionable occurrence that has a due date: kinds sub_plan, duty, report,
  consolidation, conference, preparation (``ongoing`` items have no due date and are not counted).
- Its key is (unit id, effective due date): who must act, and by when. The kind, the id and the wording
  are ignored, so a hand "duty" and a drafted "conference" for the same unit and day match, and the
  drafter is not rewarded for guessing ids.
- Keys are matched as multisets: a hand key that occurs 3 times is recovered at most 3 times.
- "recovered" = hand items matched by a draft item with the same key; "added" = draft items left over;
  "invented" = added items whose source line in the document holds no time phrase the grammar reads as
  a date (a date that does not come from the text). The drafter never sets a date on its own, so this
  should be zero; the script checks rather than assumes it.
- Hand items dated by a deployment setting (the hand files say "deployment setting", "assumed" or
  "do cơ quan thường trực đặt" next to them) cannot be recovered without inventing a date; they are
  counted in the total and also shown separately ("deployment-set").

Run: PYTHONPATH=src:. python bench/draft_compare.py
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from plancal.draft import draft_document
from plancal.draft.document import read_lines
from plancal.draft.timephrase import Context, scan
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
if not SEEDS.exists():
    SEEDS = Path("/work/shared/seeds")
DATED = {"sub_plan", "duty", "report", "consolidation", "conference", "preparation"}
_DEPLOY = re.compile(r"deployment setting|assumed|do cơ quan thường trực đặt", re.I)


def dated(occurrences):  # type: ignore[no-untyped-def]
    return [o for o in occurrences if o.kind in DATED]


def deployment_set(hand_path: Path) -> set[str]:
    """Ids of hand items whose date the hand file itself calls a deployment setting."""
    lines = hand_path.read_text(encoding="utf-8").split("\n")
    out: set[str] = set()
    header = "\n".join(lines[:12])
    for i, line in enumerate(lines):
        m = re.match(r"\s*-\s+id:\s*([\w-]+)|\s*-\s+\{id:\s*([\w-]+)", line)
        if not m:
            continue
        ident = m.group(1) or m.group(2)
        ctx = [line]
        j = i - 1
        while j >= 0 and lines[j].lstrip().startswith("#"):
            ctx.append(lines[j])
            j -= 1
        k = i + 1
        indent = len(line) - len(line.lstrip())
        while k < len(lines) and (not lines[k].strip() or len(lines[k]) - len(lines[k].lstrip()) > indent):
            ctx.append(lines[k])
            k += 1
        text = "\n".join(ctx)
        if _DEPLOY.search(text) or ("days_before" in text and "days_before" in header and _DEPLOY.search(header)):
            out.add(ident)
    text = "\n".join(lines)
    if re.search(r"reports:", text) and _DEPLOY.search(text.split("reports:")[0][-800:]):
        out.add("reports")
    return out


def compare(seed: Path, hand_path: Path) -> dict[str, object]:
    hand = load_plan(hand_path)
    work = Path(tempfile.mkdtemp(prefix="draft-"))
    try:
        for unit_file in hand.plan.units:
            shutil.copy(hand_path.parent / unit_file, work / Path(unit_file).name)
        units = [Path(u).name for u in hand.plan.units]
        draft = draft_document(seed, work, units=units)
        out = work / "draft.yaml"
        out.write_text(draft.yaml_text, encoding="utf-8")
        drafted = load_plan(out)
        h_items, d_items = dated(expand(hand)), dated(expand(drafted))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    deploy = deployment_set(hand_path)
    hand_keys = Counter((o.unit_id, o.due_effective) for o in h_items)
    draft_keys = Counter((o.unit_id, o.due_effective) for o in d_items)
    common = hand_keys & draft_keys
    recovered = sum(common.values())

    def is_deploy(o) -> bool:  # type: ignore[no-untyped-def]
        base = o.source_id.split(".")[-1]
        return base in deploy or o.source_id in deploy or (o.kind in ("report", "consolidation") and "reports" in deploy)

    n_deploy = sum(1 for o in h_items if is_deploy(o))
    stated = Counter((o.unit_id, o.due_effective) for o in h_items if not is_deploy(o))
    recovered_stated = sum((stated & draft_keys).values())
    added = draft_keys - hand_keys
    lines = read_lines(seed)
    sources = {}
    for item in draft.items:
        data = item.data
        sources[data.get("id")] = item.line
    invented = 0
    issued = drafted.plan.issued
    for o in d_items:
        key = (o.unit_id, o.due_effective)
        if added[key] <= 0:
            continue
        line = sources.get(o.source_id.split(".")[0]) if o.kind != "sub_plan" else None
        if o.kind == "sub_plan":
            continue  # due by defaults.sub_plan_days, the format's deployment default (no date in the draft)
        text = " ".join(lines[(line or 1) - 1:(line or 1) + 3])
        if not any(r.when and not r.when.get("ongoing") for r in scan(text, Context(issued))) and \
                not re.search(r"\d+\s*\w*\s*/\s*(tháng|quý|năm)|mỗi (tháng|quý|năm)", text):
            invented += 1
    return {"hand": len(h_items), "recovered": recovered, "deploy": n_deploy, "stated": len(h_items) - n_deploy,
            "recovered_stated": recovered_stated, "added": sum(added.values()), "invented": invented,
            "review": len(draft.review)}


def main() -> int:
    pairs = []
    for hand_path in sorted((ROOT / "plans").glob("0*.yaml")):
        seed = next(SEEDS.glob(hand_path.name[:3] + "_*.txt"), None)
        if seed is not None:
            pairs.append((seed, hand_path))
    print(f"{'plan':<34}{'hand':>6}{'same':>6}{'%':>6}{'deploy':>8}{'stated':>8}{'same':>6}{'%':>6}"
          f"{'added':>7}{'invent':>8}{'review':>8}")
    tot = Counter()
    for seed, hand_path in pairs:
        r = compare(seed, hand_path)
        tot.update({k: v for k, v in r.items() if isinstance(v, int)})
        pct = 100 * r["recovered"] / max(1, r["hand"])  # type: ignore[operator]
        spct = 100 * r["recovered_stated"] / max(1, r["stated"])  # type: ignore[operator]
        print(f"{hand_path.stem:<34}{r['hand']:>6}{r['recovered']:>6}{pct:>6.0f}{r['deploy']:>8}{r['stated']:>8}"
              f"{r['recovered_stated']:>6}{spct:>6.0f}{r['added']:>7}{r['invented']:>8}{r['review']:>8}")
    print(f"{'total':<34}{tot['hand']:>6}{tot['recovered']:>6}{100 * tot['recovered'] / max(1, tot['hand']):>6.0f}"
          f"{tot['deploy']:>8}{tot['stated']:>8}{tot['recovered_stated']:>6}"
          f"{100 * tot['recovered_stated'] / max(1, tot['stated']):>6.0f}{tot['added']:>7}{tot['invented']:>8}"
          f"{tot['review']:>8}")
    print("hand: dated items of the hand encoding; same: recovered with identical (unit, effective due date);"
          " deploy: hand items dated by a deployment setting; stated: the others; added: draft items the hand"
          " encoding lacks; invent: added items without a date in their source text; review: sentences left"
          " for review")
    return 0


if __name__ == "__main__":
    sys.exit(main())
