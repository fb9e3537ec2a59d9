"""The command line's own words in Vietnamese: typer's help panels, usage lines and click's error messages.

typer 0.29 carries its own copy of click (``typer._click``) whose messages are English f-strings, not
gettext; ``typer.core`` and ``typer.rich_utils`` mark theirs with gettext (the rich panel titles are read
once, at import). So the words are put into Vietnamese here, in one place, when ``cli/app.py`` imports
this module: the gettext-marked strings through a translation of their own (``WORDS``), the f-string
messages through patterns (``say``) applied wherever an error is formatted, the help option's text and
the type names in the help. Every command, present or added later, gets them; nothing depends on the
user's locale (LANG) and nothing outside typer is touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import typer.core
import typer.main
import typer.rich_utils as rich_utils
from typer import _click, _coercion, _param_types
from typer._click import exceptions as click_exceptions
from typer._click import formatting as click_formatting

# The strings typer marks with gettext (typer.core, typer.rich_utils).
WORDS: dict[str, str] = {
    "(deprecated) ": "(không còn dùng) ",
    "[default: {}]": "[mặc định: {}]",
    "[env var: {}]": "[biến môi trường: {}]",
    "[required]": "[bắt buộc]",
    "Arguments": "Tham số",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Error": "Lỗi",
    "Aborted.": "Đã dừng.",
    "Aborted!": "Đã dừng.",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]",
    "(dynamic)": "(tính khi chạy)",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
}

# typer.rich_utils reads these once, at its import: set again in Vietnamese.
_RICH_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}

USAGE = "Cách dùng: "
HELP_TEXT = "Hiện hướng dẫn này rồi thoát."
COMPLETION_HELP = {
    "--install-completion": "Cài gợi ý lệnh (tab) cho shell đang dùng.",
    "--show-completion": "In đoạn mã gợi ý lệnh cho shell đang dùng, để chép hoặc tự cài.",
}
METAVARS = {"[OPTIONS]": "[TÙY CHỌN]", "COMMAND [ARGS]...": "LỆNH [THAM SỐ]..."}
PARAM_TYPES = {"argument": "tham số", "option": "tùy chọn", "parameter": "giá trị"}
TYPE_NAMES = {
    "int": "số nguyên", "float": "số", "str": "chữ", "text": "chữ", "bool": "có/không", "path": "đường dẫn",
    "file": "tệp", "dir": "thư mục", "Path": "đường dẫn", "datetime": "ngày giờ", "date": "ngày", "UUID": "mã UUID",
}
PATH_LABELS = {"file": "Tệp", "dir": "Thư mục", "path": "Đường dẫn"}

# pydantic's validation errors (typer converts values with pydantic), by error type.
VALUE_ERRORS = {
    "int_parsing": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "float_parsing": "phải là một số",
    "bool_parsing": "phải là có/không (true/false, yes/no, 1/0)",
    "date_parsing": "phải là một ngày",
    "date_from_datetime_parsing": "phải là một ngày",
    "datetime_parsing": "phải là ngày giờ",
    "datetime_from_date_parsing": "phải là ngày giờ",
    "uuid_parsing": "phải là một mã UUID",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "enum": "phải là một trong: {expected}",
    "literal_error": "phải là một trong: {expected}",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
}

# The messages click and typer write as f-strings, most specific first; a group may itself be a message.
_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), t) for p, t in [
    (r"(?P<head>.*?)\.? Did you mean (?P<what>.+)\?$", "{head}. Có phải ý bạn là {what}?"),
    (r"No such option: (?P<name>.+)$", "Không có tùy chọn {name}."),
    (r"No such command (?P<name>.+)\.$", "Không có lệnh {name}."),
    (r"Missing command\.$", "Thiếu lệnh."),
    (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)$", "Thừa tham số: {args}."),
    (r"Option (?P<name>.+) requires an argument\.$", "Tùy chọn {name} cần một giá trị."),
    (r"Option (?P<name>.+) requires (?P<n>\d+) arguments\.$", "Tùy chọn {name} cần {n} giá trị."),
    (r"Option (?P<name>.+) does not take a value\.$", "Tùy chọn {name} không nhận giá trị."),
    (r"Argument (?P<name>.+) takes (?P<n>\d+) values\.$", "Tham số {name} cần {n} giá trị."),
    (r"(?P<label>file|dir|path) (?P<loc>.+) does not exist\.$", "{label} {loc} không tồn tại."),
    (r"(?P<label>file|dir|path) (?P<loc>.+) is a file\.$", "{label} {loc} là một tệp, không phải thư mục."),
    (r"(?P<label>file|dir|path) (?P<loc>.+) is a directory\.$", "{label} {loc} là một thư mục, không phải tệp."),
    (r"(?P<label>file|dir|path) (?P<loc>.+) is not readable\.$", "{label} {loc} không đọc được."),
    (r"(?P<label>file|dir|path) (?P<loc>.+) is not writable\.$", "{label} {loc} không ghi được."),
    (r"Value (?P<value>.+) is not a valid (?P<type>\w+)\.$", "{value} không phải là {type} hợp lệ."),
    (r"Value must be an iterable\.$", "cần một danh sách giá trị."),
    (r"unknown error$", "lỗi không rõ"),
]]


def word(message: str) -> str:
    """A gettext-marked string of typer, in Vietnamese (the string itself when it has no translation)."""
    return WORDS.get(message, message)


def say(message: str) -> str:
    """One of click's or typer's messages, in Vietnamese (unchanged when it is not one of theirs)."""
    for pattern, template in _RULES:
        m = pattern.match(message)
        if m is None:
            continue
        parts = {k: v for k, v in m.groupdict().items()}
        if "head" in parts:
            parts["head"] = say(parts["head"].rstrip(".") + ".").rstrip(".")
        if "label" in parts:
            parts["label"] = PATH_LABELS.get(parts["label"], parts["label"])
        if "type" in parts:
            parts["type"] = TYPE_NAMES.get(parts["type"], parts["type"])
        return template.format(**parts)
    return message


def value_error(exc: Any) -> str:
    """A pydantic validation error of a value given on the command line, in Vietnamese."""
    from typer._click.utils import _escape_control_characters

    errors = exc.errors()
    if not errors:
        return "giá trị không hợp lệ"
    first = errors[0]
    template = VALUE_ERRORS.get(str(first.get("type")))
    if template is None:
        return "giá trị không hợp lệ (" + _escape_control_characters(str(first.get("msg", ""))) + ")"
    try:
        return template.format(**(first.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split(":")[0]


def _hint(exc: click_exceptions.BadParameter) -> str | None:
    if exc.param_hint is not None:
        return click_exceptions._join_param_hints(exc.param_hint)
    if exc.param is not None:
        return click_exceptions._join_param_hints(exc.param.get_error_hint())
    return None


def _click_message(self: click_exceptions.ClickException) -> str:
    return say(self.message)


def _bad_parameter(self: click_exceptions.BadParameter) -> str:
    hint = _hint(self)
    if hint is None:
        return f"Giá trị không hợp lệ: {say(self.message)}"
    return f"Giá trị không hợp lệ cho {hint}: {say(self.message)}"


def _missing_parameter(self: click_exceptions.MissingParameter) -> str:
    hint = _hint(self)
    kind = self.param_type or (self.param.param_type_name if self.param is not None else "parameter")
    what = f"Thiếu {PARAM_TYPES.get(kind, kind)}" + (f" {hint}" if hint else "") + "."
    extra = self.param.get_missing_message(ctx=self.ctx) if isinstance(self.param, typer.core._TyperParameter) else None
    msg = ". ".join(say(m) for m in (self.message, extra) if m)
    return f"{what} {msg}" if msg else what


def _no_such_option(self: click_exceptions.NoSuchOption) -> str:
    message = say(self.message)
    if not self.possibilities:
        return message
    return f"{message.rstrip('.')} (có phải ý bạn là: {', '.join(sorted(self.possibilities))}?)"


def _file_error(self: click_exceptions.FileError) -> str:
    return f"Không mở được tệp {self.ui_filename!r}: {say(self.message)}"


def _show_click(self: click_exceptions.ClickException, file: Any = None) -> None:
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    echo(f"Lỗi: {self.format_message()}", file=file or get_text_stderr(), color=self.show_color)


def _show_usage(self: click_exceptions.UsageError, file: Any = None) -> None:
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    file = file or get_text_stderr()
    color = None
    if self.ctx is not None:
        color = self.ctx.color
        hint = ""
        if self.ctx.command.get_help_option(self.ctx) is not None:
            hint = f"Xem hướng dẫn: '{self.ctx.command_path} {self.ctx.help_option_names[0]}'\n"
        echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
    echo(f"Lỗi: {self.format_message()}", file=file, color=color)


def _wrap(owner: type, name: str, after: Callable[[Any, Any], Any]) -> None:
    """Replace ``owner.name`` by a method that calls the original and passes its result through ``after``."""
    original = owner.__dict__[name]
    if getattr(original, "_plancal_words", False):
        return

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return after(self, original(self, *args, **kwargs))

    method._plancal_words = True  # type: ignore[attr-defined]
    method.__doc__ = original.__doc__
    setattr(owner, name, method)


def _help_option(self: Any, option: Any) -> Any:
    if option is not None:
        option.help = HELP_TEXT
    return option


def _usage_pieces(self: Any, pieces: list[str]) -> list[str]:
    return [METAVARS.get(p, p) for p in pieces]


def _type_label(label: str) -> str:
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    listed = re.fullmatch(r"list\[(.*)\]", inner)
    if listed:
        return f"<danh sách {TYPE_NAMES.get(listed.group(1), listed.group(1))}>"
    return f"<{TYPE_NAMES.get(inner, inner)}>" if inner in TYPE_NAMES else label


def _display_type(self: Any, label: str | None) -> str | None:
    if label is None:
        return None
    if getattr(self, "is_flag", False) and label.strip("<>.") == "bool":
        return None  # a flag takes no value: no type to show
    return _type_label(label.removesuffix("...")) + ("..." if label.endswith("...") else "")


def _completion_arguments(original: Callable[[], tuple[Any, Any]]) -> Callable[[], tuple[Any, Any]]:
    def arguments() -> tuple[Any, Any]:
        params = original()
        for param in params:
            for opt in param.opts:
                if opt in COMPLETION_HELP:
                    param.help = COMPLETION_HELP[opt]
        return params

    arguments._plancal_words = True  # type: ignore[attr-defined]
    return arguments


def _write_usage(original: Callable[..., None]) -> Callable[..., None]:
    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, USAGE if prefix is None else prefix)

    write_usage._plancal_words = True  # type: ignore[attr-defined]
    return write_usage


def install() -> None:
    """Put typer's and click's words into Vietnamese (idempotent; run once when ``cli/app.py`` is imported)."""
    for module in (typer.core, rich_utils):
        module._ = word  # type: ignore[attr-defined]
    for name, english in _RICH_CONSTANTS.items():
        setattr(rich_utils, name, word(english))
    rich_utils.OptionHighlighter.highlights = [h.replace("Usage: ", USAGE) for h in rich_utils.OptionHighlighter.highlights]

    click_exceptions.ClickException.format_message = _click_message  # type: ignore[method-assign, assignment]
    click_exceptions.ClickException.show = _show_click  # type: ignore[method-assign]
    click_exceptions.UsageError.show = _show_usage  # type: ignore[method-assign]
    click_exceptions.BadParameter.format_message = _bad_parameter  # type: ignore[method-assign]
    click_exceptions.MissingParameter.format_message = _missing_parameter  # type: ignore[method-assign]
    click_exceptions.NoSuchOption.format_message = _no_such_option  # type: ignore[method-assign]
    click_exceptions.FileError.format_message = _file_error  # type: ignore[method-assign]
    for module in (_coercion, _param_types):
        module.get_error_msg = value_error  # type: ignore[attr-defined]

    _wrap(_click.core.Command, "get_help_option", _help_option)
    for command_cls in (_click.core.Command, typer.core.TyperGroup):
        if "collect_usage_pieces" in command_cls.__dict__:
            _wrap(command_cls, "collect_usage_pieces", _usage_pieces)
    for param_cls in (typer.core._TyperParameter, typer.core.TyperOption):
        for name in ("display_type", "display_type_rich"):
            if name in param_cls.__dict__:
                _wrap(param_cls, name, _display_type)
    if not getattr(click_formatting.HelpFormatter.write_usage, "_plancal_words", False):
        click_formatting.HelpFormatter.write_usage = _write_usage(  # type: ignore[method-assign]
            click_formatting.HelpFormatter.write_usage)
    if not getattr(typer.main.get_install_completion_arguments, "_plancal_words", False):
        typer.main.get_install_completion_arguments = _completion_arguments(typer.main.get_install_completion_arguments)


install()
