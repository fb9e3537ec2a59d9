"""Every word the command line prints is Vietnamese: the help of every command and group, and usage errors."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.core
import typer.main
import typer.rich_utils
from typer.testing import CliRunner

from plancal.cli import app
from plancal.cli.words import WORDS, say
from tests.conftest import ROOT

# typer's and click's English, as they print it today (the words a user would see if a translation were missing)
LEAKS = ["Usage", "Options", "Commands", "Arguments", "Show this message", "[required]", "default:", "No such",
         "Missing", "Invalid value", "Error", "Try '", "for help", "Did you mean", "Possible options", "Aborted",
         "Got unexpected", "requires an argument", "Input should", "[OPTIONS]", "COMMAND", "[ARGS]", "<text>",
         "<str>", "<int>", "<bool>", "<path>", "list[", "completion for the current shell"]


def leaks(text: str) -> list[str]:
    return [word for word in LEAKS if word in text]


def walk(command: typer.core.TyperGroup | object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += walk(sub, (*path, name))
    return paths


COMMANDS = walk(typer.main.get_command(app))


def test_the_walk_finds_every_group_and_command() -> None:
    assert {("units",), ("units", "list"), ("agenda",), ("mail", "status"), ("feeds", "lint"), ()} <= set(COMMANDS)
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "plancal")
def test_help_is_vietnamese(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"}, prog_name="plancal")
    assert result.exit_code == 0, result.output
    assert leaks(result.output) == [], result.output
    assert "Cách dùng: plancal" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
    assert "╭─ Tùy chọn" in result.output
    if path == () or path in {("units",), ("db",), ("feeds",), ("mail",)}:
        assert "╭─ Lệnh" in result.output and "LỆNH [THAM SỐ]..." in result.output


def test_help_shows_required_defaults_and_types_in_vietnamese() -> None:
    submit = CliRunner().invoke(app, ["submit", "--help"], env={"COLUMNS": "100"})
    assert "[bắt buộc]" in submit.output and "<chữ>" in submit.output
    status = CliRunner().invoke(app, ["mail", "status", "--help"], env={"COLUMNS": "100"})
    assert "<số nguyên>" in status.output
    lint = CliRunner().invoke(app, ["feeds", "lint", "--help"], env={"COLUMNS": "100"})
    assert "╭─ Tham số" in lint.output


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "PLANCAL_HOME": str(ROOT / "calendar" / "_never_written")}
    return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "vietnamese"), [
    (["feeds", "url"], "Thiếu tham số 'unit'."),
    (["agenda", "--fro", "1/4/2021"], "Không có tùy chọn --fro (có phải ý bạn là: --format, --from"),
    (["agenda", "--bogus"], "Không có tùy chọn --bogus."),
    (["mail", "status", "--days", "mười"], "Giá trị không hợp lệ cho '--days': phải là một số nguyên"),
    (["agenda", "--format", "xlsx"], "Giá trị không hợp lệ cho '--format'"),
    (["units", "lst"], "Không có lệnh 'lst'. Có phải ý bạn là 'list'?"),
    (["khong-co"], "Không có lệnh 'khong-co'."),
    (["feeds", "url", "a", "b"], "Thừa tham số: b."),
    (["agenda", "--unit"], "Tùy chọn '--unit' cần một giá trị."),
    (["submit", "--plan", "p"], "Thiếu tùy chọn '--duty'."),
])
def test_usage_errors_are_vietnamese_on_stderr_with_status_2(args: list[str], vietnamese: str) -> None:
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert vietnamese in result.stderr and "Lỗi" in result.stderr
    assert leaks(result.stderr) == [] and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_command_shows_the_vietnamese_help() -> None:
    for args in ([], ["mail"]):
        result = cli(*args)
        assert result.returncode == 2
        text = result.stdout + result.stderr
        assert "Cách dùng:" in text and "╭─ Lệnh" in text and leaks(text) == [] and "Traceback" not in text


def test_every_string_typer_marks_for_translation_has_vietnamese() -> None:
    """typer marks its words with gettext; a typer upgrade that adds one fails here until it is translated."""
    marked: set[str] = set()
    for module in (typer.core, typer.rich_utils):
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                marked.add(node.args[0].value)
    assert marked, "no gettext-marked strings found: typer changed how it marks them"
    assert sorted(marked - WORDS.keys()) == []
    assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Tùy chọn" and typer.rich_utils.REQUIRED_LONG_STRING == "[bắt buộc]"


def test_click_messages_read_in_vietnamese_and_others_pass_through() -> None:
    assert say("Option '--to' does not take a value.") == "Tùy chọn '--to' không nhận giá trị."
    assert say("file 'a.yaml' does not exist.") == "Tệp 'a.yaml' không tồn tại."
    assert say("Option '--x' requires 2 arguments.") == "Tùy chọn '--x' cần 2 giá trị."
    assert say("không có đơn vị 'x'") == "không có đơn vị 'x'"
    assert not re.search(r"[A-Z][a-z]+ [a-z]+ [a-z]+", say("No such command 'x'. Did you mean 'y'?"))
