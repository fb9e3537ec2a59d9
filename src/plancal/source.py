"""Source files (plans, unit directories): read within limits, decoded, parsed once with libyaml.

Every input goes through the same gate, so that no file can crash, hang or exhaust plancal:

- :func:`read_bytes` reads only regular files of at most :data:`MAX_FILE_BYTES` (``/dev/zero``, a
  folder or a huge export is refused before it is read);
- :func:`decode` reads UTF-8 (with or without Excel's BOM) and UTF-16 with a BOM; any other bytes get a
  message saying which encoding to save in;
- :func:`parse` scans the YAML event stream first — nesting depth, alias count, the size the document
  would have once aliases are expanded, scalar length, explicit tags, control characters — and only
  then builds the node tree (kept for line numbers) and the Python data; duplicate keys are errors
  naming both lines.

YAML 1.2 habits: dates stay text (so 31/2 and 2021-02-31 get plancal's own messages) and only
true/false are booleans (``on:`` is a key, not True; ``no`` is not False). Safe loading only.
The limits are written down in docs/limits.md.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from plancal.errors import PlancalError, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A plan or unit file larger than this is refused before it is read (the largest real plan is 25 KB)."""
MAX_DEPTH = 32
"""Nesting levels of mappings and lists (real plans use at most 7)."""
MAX_ALIASES = 200
"""``*alias`` references in one file (real plans use at most 11)."""
MAX_NODES = 250_000
"""Values in the document once every alias is expanded (an alias bomb blows far past this)."""
MAX_SCALAR_CHARS = 20_000
"""Characters in one value (a long note is a few hundred)."""
MAX_NUMBER_DIGITS = 15
"""Digits in a plain number: nothing in a plan counts past a few thousand."""

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                             list("tTfF"))

_ALLOWED_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"}
_NUMBER = re.compile(r"^[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_:]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
                     r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)$")
_DIGITS = re.compile(r"[0-9a-fA-F]")
# Bidirectional overrides and isolates: invisible, and they reorder what a reader sees.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bad_character(text: str, *, multiline: bool = True) -> str | None:
    """The first character no plancal text may hold (NUL, ESC and other control characters,
    bidirectional overrides, a stray BOM), as ``U+XXXX``; None when the text is clean.
    Tabs and (when ``multiline``) newlines are allowed."""
    for ch in text:
        if ch == "\t" or (multiline and ch == "\n"):
            continue
        if ch in _BIDI or ch == "\ufeff" or unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def _fail(error: type[PlancalError], message: str, source: str, line: int | None = None,
          hint: str | None = None) -> PlancalError:
    return error([Problem(message, file=source, line=line, hint=hint)])


def read_bytes(path: Path, error: type[PlancalError], what: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES. ``what`` names the file for the user
    ("tệp kế hoạch", "tệp đơn vị")."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _fail(error, f"{what} {source} không phải là một tệp thông thường", source,
                            hint="chỉ ra một tệp .yaml hoặc .csv, không phải thư mục hay thiết bị")
            raw = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise _fail(error, f"{what} {source} không phải là một tệp thông thường (là một thư mục)", source,
                    hint="chỉ ra một tệp .yaml hoặc .csv trong thư mục đó") from None
    except OSError as exc:
        raise _fail(error, f"không đọc được {what} {source}: {exc.strerror or exc}", source,
                    hint="kiểm tra đường dẫn tệp") from None
    except ValueError:  # a NUL in the path
        raise _fail(error, f"đường dẫn {what} chứa ký tự không hợp lệ (NUL)", source.replace("\0", "\\0"),
                    hint="sửa lại đường dẫn tệp") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(error, f"{what} lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB", source,
                    hint="tách thành nhiều tệp nhỏ hơn (xem docs/limits.md)")
    return raw


def decode(raw: bytes, source: str, error: type[PlancalError]) -> str:
    """Text of a file saved as UTF-8 (Excel's BOM allowed) or UTF-16 with a BOM."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF32_LE):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _fail(error, f"tệp không phải UTF-8 (byte 0x{raw[exc.start]:02x} ở vị trí {exc.start}; có thể tệp "
                    "được lưu bằng bảng mã Windows-1258/TCVN3)", source, line,
                    hint="mở tệp và lưu lại với bảng mã UTF-8 (Excel: Lưu thành → CSV UTF-8)") from None
    if "\0" in text:
        line = text[:text.index("\0")].count("\n") + 1
        raise _fail(error, "tệp chứa ký tự NUL (có thể là UTF-16 không có BOM)", source, line,
                    hint="lưu lại tệp với bảng mã UTF-8")
    return text


def _scan(text: str, source: str, error: type[PlancalError]) -> None:
    """Refuse, from the event stream and before any node is built, what would exhaust the parser:
    deep nesting, alias bombs, huge values, explicit tags, control characters."""
    # stack of [expanded size, height] per open collection, with its anchor
    stack: list[list[int]] = []
    anchors_of: list[str | None] = []
    anchors: dict[str, tuple[int, int]] = {}
    aliases = 0
    total = 0

    def where(event: yaml.Event) -> int | None:
        return int(event.start_mark.line) + 1 if event.start_mark is not None else None

    def add(size: int, height: int) -> None:
        if stack:
            stack[-1][0] += size
            stack[-1][1] = max(stack[-1][1], height + 1)

    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if event.tag is not None and event.tag not in _ALLOWED_TAGS:
                    raise _fail(error, f"thẻ YAML '{event.tag}' không được dùng", source, where(event),
                                "bỏ thẻ (phần bắt đầu bằng '!') đi")
                stack.append([1, 0])
                anchors_of.append(event.anchor)
                total += 1
                if len(stack) > MAX_DEPTH:
                    raise _fail(error, f"lồng nhau quá {MAX_DEPTH} cấp", source, where(event),
                                "kiểm tra thụt lề; tệp kế hoạch không cần lồng sâu như vậy (docs/limits.md)")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                size, height = stack.pop()
                anchor = anchors_of.pop()
                if anchor is not None:
                    anchors[anchor] = (size, height)
                add(size, height)
            elif isinstance(event, yaml.ScalarEvent):
                value = event.value
                if event.tag is not None and event.tag not in _ALLOWED_TAGS:
                    raise _fail(error, f"thẻ YAML '{event.tag}' không được dùng", source, where(event),
                                "bỏ thẻ (phần bắt đầu bằng '!') đi; muốn ghi văn bản thì đặt trong dấu nháy")
                if len(value) > MAX_SCALAR_CHARS:
                    raise _fail(error, f"giá trị dài {len(value)} ký tự, quá giới hạn {MAX_SCALAR_CHARS}", source,
                                where(event), "rút gọn nội dung (xem docs/limits.md)")
                bad = bad_character(value)
                if bad is not None:
                    raise _fail(error, f"giá trị chứa ký tự điều khiển {bad}", source, where(event),
                                "xóa ký tự này (thường do sao chép từ phần mềm khác)")
                if not event.style and event.implicit[0] and _NUMBER.match(value) \
                        and len(_DIGITS.findall(value)) > MAX_NUMBER_DIGITS:
                    raise _fail(error, f"số '{value[:20]}…' quá lớn", source, where(event),
                                "kiểm tra lại con số; muốn ghi văn bản thì đặt trong dấu nháy")
                total += 1
                if event.anchor is not None:
                    anchors[event.anchor] = (1, 0)
                add(1, 0)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _fail(error, f"dùng quá {MAX_ALIASES} tham chiếu (*alias)", source, where(event),
                                "viết thẳng nội dung thay cho tham chiếu (docs/limits.md)")
                size, height = anchors.get(event.anchor or "", (1, 0))
                if len(stack) + height > MAX_DEPTH:
                    raise _fail(error, f"tham chiếu *{event.anchor} làm lồng nhau quá {MAX_DEPTH} cấp", source,
                                where(event), "viết thẳng nội dung thay cho tham chiếu")
                total += size
                add(size, height)
            else:
                continue
            if total > MAX_NODES:
                raise _fail(error, f"tài liệu có quá {MAX_NODES} giá trị (tính cả các tham chiếu *alias)", source,
                            where(event), "tách kế hoạch hoặc bớt tham chiếu lồng nhau (docs/limits.md)")
    except yaml.YAMLError:
        return  # the full parse reports it, with its own line


def _duplicate_keys(root: yaml.Node, source: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                todo.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                if key.value in first:
                    line0, line1 = first[key.value].start_mark.line + 1, key.start_mark.line + 1
                    problems.append(Problem(
                        f"khóa '{key.value}' bị khai hai lần: {source}:{line0} và {source}:{line1} "
                        "(khóa sau sẽ xóa mất khóa trước)", file=source, line=line1,
                        hint="giữ một khóa và gộp nội dung của hai chỗ vào đó"))
                else:
                    first[key.value] = key
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return problems


def parse(text: str, source: str, error: type[PlancalError]) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the Python data, within the limits above.
    Raises ``error`` (a PlancalError subclass) with file and line."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: only text built in memory can hold one
        raise _fail(error, f"văn bản chứa ký tự không hợp lệ U+{ord(text[exc.start]):04X}", source,
                    text[:exc.start].count("\n") + 1) from None
    _scan(text, source, error)
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            line = text[:exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
            raise _fail(error, f"tệp chứa ký tự không được phép U+{int(exc.character):04X}", source, line,
                        "xóa ký tự này (thường do sao chép từ phần mềm khác)") from None
        except yaml.YAMLError as exc:
            raise _fail(error, f"YAML không hợp lệ: {getattr(exc, 'problem', None) or exc}", source, line_of(exc),
                        "kiểm tra thụt lề và dấu ':' ở dòng này") from None
        if node is None:
            return None, None
        problems = _duplicate_keys(node, source)
        if problems:
            raise error(problems)
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise _fail(error, f"YAML không hợp lệ: {getattr(exc, 'problem', None) or exc}", source,
                        line_of(exc) or node.start_mark.line + 1) from None
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise _fail(error, f"YAML không đọc được thành dữ liệu: {exc}", source, node.start_mark.line + 1,
                        "kiểm tra các giá trị đặc biệt (thẻ !!, số rất lớn)") from None
    finally:
        loader.dispose()
    return node, data


def line_of(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None)
    return mark.line + 1 if mark is not None else None
