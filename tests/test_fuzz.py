"""Seeded fuzzing of the real plans and their unit files: every mutant either loads and expands, or
raises a PlancalError whose every problem names a file (and a line, once the file could be read) —
never another exception, never a hang. A few mutants also go through the real ``plancal check``
command: exit status 1 and no traceback.

The mutators are general (they know YAML, not plancal's format): delete, duplicate or swap lines,
duplicate keys, swap a value's type, huge numbers, deep nesting, aliases, control and bidi characters,
truncation, other encodings.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from plancal.errors import PlancalError
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from tests.conftest import PLANS

SEED = 20250610
MUTANTS = 300
THROUGH_CLI = 8
DEADLINE = 5.0
"""Seconds one mutant may take in-process: a hang detector, not a benchmark (real plans take < 0.2 s)."""

# Problems about a whole file, found before it could be read, carry no line.
_FILE_LEVEL = ("không đọc được", "không phải là một tệp thông thường", "lớn hơn")

Mutator = Callable[[random.Random, str], str]


def _lines(rng: random.Random, text: str) -> tuple[list[str], int]:
    lines = text.split("\n")
    return lines, rng.randrange(len(lines))


def delete_line(rng: random.Random, text: str) -> str:
    lines, i = _lines(rng, text)
    del lines[i]
    return "\n".join(lines)


def duplicate_line(rng: random.Random, text: str) -> str:
    lines, i = _lines(rng, text)
    lines.insert(i, lines[i])
    return "\n".join(lines)


def swap_lines(rng: random.Random, text: str) -> str:
    lines, i = _lines(rng, text)
    j = rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def duplicate_top_key(rng: random.Random, text: str) -> str:
    keys = [m.group(0) for m in re.finditer(r"^[a-z_]+:.*$", text, re.M)]
    return text + "\n" + rng.choice(keys) + "\n" if keys else text


_VALUE = re.compile(r"(:\s+|-\s+|\[|,\s*)([^\s\[\]{},:#][^\n\[\]{},#]*)")


def _replace_value(rng: random.Random, text: str, new: Callable[[str], str]) -> str:
    matches = list(_VALUE.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[:m.start(2)] + new(m.group(2)) + text[m.end(2):]


def swap_type(rng: random.Random, text: str) -> str:
    options = ["[]", "{}", "null", "true", "0", "-1", "1.5", "[a, b]", "{a: 1}", '""', "'  '", "~", "99/99/2021",
               "29/02/2021", "31/12/2099", "01/01/1800", "Q5/2021", "13/2021", "2021-2090", "@nobody"]
    return _replace_value(rng, text, lambda _: rng.choice(options))


def huge_number(rng: random.Random, text: str) -> str:
    options = ["9" * 4300, "9" * 4301, str(10**18), str(-(10**12)), "1e999", "-0", "0x7fffffffffffffff",
               "99999999999", "100000"]
    return _replace_value(rng, text, lambda _: rng.choice(options))


def deep_nesting(rng: random.Random, text: str) -> str:
    n = rng.choice([40, 1000, 30_000])
    return _replace_value(rng, text, lambda _: "[" * n + "]" * n)


def alias(rng: random.Random, text: str) -> str:
    choice = rng.randrange(3)
    if choice == 0:  # a bomb
        bomb = "".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}" if i else "x"] * 9) + "]\n" for i in range(9))
        return bomb + text
    if choice == 1:  # an unknown alias
        return _replace_value(rng, text, lambda _: "*nowhere")
    return _replace_value(rng, text, lambda v: f"&a {v}") + "\nextra: *a\n"


def control_character(rng: random.Random, text: str) -> str:
    ch = rng.choice(["\\0", "\\e", "\\x1b[31m", "\\x7f", "\\u202e", "\\ufeff", "\\x85", "\\t", "\\r"])
    raw = rng.choice(["\x00", "\x1b", "\x07", "\u202e", "\ufeff", "\x85"])
    if rng.random() < 0.5:
        return _replace_value(rng, text, lambda v: '"' + v.replace('"', "").replace("\\", "") + ch + '"')
    i = rng.randrange(len(text))
    return text[:i] + raw + text[i:]


def long_text(rng: random.Random, text: str) -> str:
    n = rng.choice([81, 301, 5001, 20_001, 140_000])
    return _replace_value(rng, text, lambda v: "x" * n)


def truncate(rng: random.Random, text: str) -> str:
    return text[:rng.randrange(len(text))]


MUTATORS: list[Mutator] = [delete_line, duplicate_line, swap_lines, duplicate_top_key, swap_type, huge_number,
                           deep_nesting, alias, control_character, long_text, truncate]


def encode(rng: random.Random, text: str) -> bytes:
    roll = rng.random()
    if roll < 0.85:
        return text.encode("utf-8", errors="surrogatepass")
    encoding = rng.choice(["utf-8-sig", "utf-16", "utf-16-le", "cp1258", "latin-1"])
    data = text.encode(encoding, errors="replace")
    if rng.random() < 0.3:  # cut in the middle of a multi-byte character
        data = data[:rng.randrange(len(data))]
    return data


def mutant(rng: random.Random, folder: Path, number: int) -> Path:
    """Copy one real plan with its unit files into ``folder``, mutate the plan or one unit file."""
    plans = sorted(PLANS.glob("*.yaml"))
    source = rng.choice(plans)
    target = folder / f"m{number:03d}"
    shutil.copytree(PLANS / "units", target / "units")
    plan_path = target / source.name
    units = sorted((target / "units").glob("*.yaml"))
    victim = rng.choice(units) if rng.random() < 0.25 else plan_path
    text = source.read_text(encoding="utf-8") if victim == plan_path else victim.read_text(encoding="utf-8")
    for _ in range(rng.choice([1, 1, 2, 3])):
        text = rng.choice(MUTATORS)(rng, text)
    if victim != plan_path:
        shutil.copy(source, plan_path)
    victim.write_bytes(encode(rng, text))
    return plan_path


def check_in_process(path: Path) -> PlancalError | None:
    try:
        expand(load_plan(path))
    except PlancalError as exc:
        return exc
    return None


def assert_well_reported(error: PlancalError, path: Path) -> None:
    assert error.problems, path
    for p in error.problems:
        assert p.file, (path, p)
        if not p.message.startswith(_FILE_LEVEL) and not any(s in p.message for s in _FILE_LEVEL):
            assert p.line is not None, (path, p)


@pytest.fixture(scope="module")
def mutants(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("fuzz")
    return [mutant(rng, folder, n) for n in range(MUTANTS)]


def test_mutants_load_or_fail_with_located_problems(mutants: list[Path]) -> None:
    failed = 0
    for path in mutants:
        started = time.monotonic()
        error = check_in_process(path)
        elapsed = time.monotonic() - started
        assert elapsed < DEADLINE, (path, elapsed)
        if error is not None:
            failed += 1
            assert_well_reported(error, path)
    # the mutators really break things, and not everything: both outcomes are exercised
    assert 0.3 * len(mutants) < failed < len(mutants), failed


def test_mutants_through_the_real_cli(mutants: list[Path]) -> None:
    rng = random.Random(SEED + 1)
    chosen = rng.sample(mutants, THROUGH_CLI)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                          str(Path(__file__).resolve().parents[1])])}
    for path in chosen:
        expected = 1 if check_in_process(path) is not None else 0
        run = subprocess.run([sys.executable, "-c", "from plancal.cli import main; main()", "check", str(path)],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
        assert "Traceback" not in run.stderr, run.stderr
        assert run.returncode == expected, (path, run.returncode, run.stderr[-2000:])
        if expected:
            assert str(path.parent) in run.stderr
