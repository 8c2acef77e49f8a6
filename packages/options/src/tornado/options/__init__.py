"""Global options for a server, set from the command line or a Python config file.

Any module may ``define`` the options it needs; the program's main module then parses
once and everyone reads ``options.<name>``::

    from tornado.options import define, options, parse_command_line

    define("port", default=8888, help="run on the given port", type=int)
    define("mysql_host", default="127.0.0.1:3306", help="blog database host")

    parse_command_line()          # e.g. python server.py --port=8000 --logging=debug
    print(options.port)

Rules: values are given as ``--name=value``; a bool option alone (``--debug``) means True;
``-`` and ``_`` are interchangeable in names; ``--help`` prints every option grouped by the
module that defined it and exits. Unknown options, bad values, names defined twice and
defaults of the wrong type raise :class:`Error`. In a config file (Python code), names that
are not defined options are ignored, because such files often hold helper variables and
imports; pass ``strict=True`` to :meth:`OptionParser.parse_config_file` to reject them.
"""

from __future__ import annotations

import builtins
import datetime
import os
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from tornado.log import LogFormatter, define_logging_options, enable_pretty_logging
from tornado.options._values import Error, parse_multiple, parser_for

__all__ = [
    "Error",
    "LogFormatter",
    "OptionParser",
    "add_parse_callback",
    "define",
    "define_logging_options",
    "enable_pretty_logging",
    "options",
    "parse_command_line",
    "parse_config_file",
    "print_help",
]

_TYPE_NAMES = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    datetime.datetime: "datetime",
    datetime.timedelta: "timedelta",
}


def _normalize(name: str) -> str:
    return name.replace("-", "_")


class _Option:
    """One defined option: its metadata and current value."""

    __slots__ = (
        "name",
        "type",
        "help",
        "metavar",
        "multiple",
        "file_name",
        "group",
        "callback",
        "default",
        "_value",
    )

    def __init__(
        self,
        name: str,
        default: Any,
        type_: type,
        help: str | None,
        metavar: str | None,
        multiple: bool,
        file_name: str,
        group: str,
        callback: Callable[[Any], None] | None,
    ) -> None:
        self.name = name
        self.type = type_
        self.help = help
        self.metavar = metavar
        self.multiple = multiple
        self.file_name = file_name
        self.group = group
        self.callback = callback
        self.default = default
        self._value: Any = _UNSET

    def value(self) -> Any:
        if self._value is _UNSET:
            return list(self.default) if self.multiple and self.default is not None else self.default
        return self._value

    def check(self, value: Any) -> Any:
        """Validate an already-typed value (from code or a config file); return it normalized."""
        if value is None:
            return None
        if self.multiple:
            if not isinstance(value, (list, tuple)):
                raise Error(
                    f"Option {self.name!r} takes multiple values: expected a list of "
                    f"{self._type_name()}, got {type(value).__name__}"
                )
            return [self._check_one(v) for v in value]
        return self._check_one(value)

    def _check_one(self, value: Any) -> Any:
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if self.type is int and isinstance(value, bool):
            raise Error(f"Option {self.name!r} expects int, got bool {value!r}")
        if not isinstance(value, self.type):
            raise Error(
                f"Option {self.name!r} expects {self._type_name()}, got {type(value).__name__} {value!r}"
            )
        return value

    def parse(self, text: str) -> Any:
        """Convert command-line text to this option's type."""
        try:
            if self.multiple:
                return parse_multiple(text, self.type)
            return parser_for(self.type)(text)
        except (ValueError, TypeError) as e:
            raise Error(f"Option {self.name!r}: bad {self._type_name()} value {text!r}: {e}") from None

    def set(self, value: Any) -> None:
        self._value = value
        if self.callback is not None:
            self.callback(value)

    def _type_name(self) -> str:
        return _TYPE_NAMES.get(self.type, getattr(self.type, "__name__", repr(self.type)))


_UNSET: Any = object()


def _caller_file() -> str:
    """The file of the first frame outside this package: the module that called define()."""
    frame = sys._getframe(1)
    here = os.path.dirname(os.path.normcase(os.path.abspath(__file__)))
    while frame is not None:
        fn = frame.f_code.co_filename
        if os.path.dirname(os.path.normcase(os.path.abspath(fn))) != here:
            return fn
        frame = frame.f_back  # type: ignore[assignment]
    return ""


class OptionParser:
    """A set of defined options and their values.

    The module-level :data:`options` is the process-wide instance; make a fresh
    ``OptionParser()`` for tests or for a tool that must not share the global options.
    """

    _options: dict[str, _Option]
    _parse_callbacks: list[Callable[[], None]]

    def __init__(self) -> None:
        object.__setattr__(self, "_options", {})
        object.__setattr__(self, "_parse_callbacks", [])
        self.define(
            "help",
            type=bool,
            help="show this help information and exit",
            group="",
            callback=self._help_callback,
        )

    # -- definition ------------------------------------------------------------

    def define(
        self,
        name: str,
        default: Any = None,
        type: type | None = None,
        help: str | None = None,
        metavar: str | None = None,
        multiple: bool = False,
        group: str | None = None,
        callback: Callable[[Any], None] | None = None,
    ) -> None:
        """Define a new option.

        ``type`` defaults to the type of ``default`` (str when there is no default).
        ``multiple=True`` makes the value a list, given on the command line as a comma list.
        ``group`` (default: the defining file) is the heading in ``--help``.
        ``callback(value)`` runs every time the option is set.
        """
        if not isinstance(name, str) or not name or name.startswith("-") or "=" in name:
            raise Error(f"Option name must be a non-empty str without leading '-' or '=', got {name!r}")
        key = _normalize(name)
        if key.startswith("_"):
            raise Error(f"Option name {name!r} must not start with '_' or '-'")
        options = self._options
        if key in options:
            raise Error(f"Option {name!r} already defined in {options[key].file_name}")
        if type is None:
            if multiple:
                first = default[0] if isinstance(default, (list, tuple)) and default else None
                type = first.__class__ if first is not None else str
            else:
                type = default.__class__ if default is not None else str
        if not isinstance(type, builtins.type):
            raise Error(f"Option {name!r}: type must be a class such as int or str, got {type!r}")
        if callback is not None and not callable(callback):
            raise Error(f"Option {name!r}: callback must be callable, got {callback!r}")
        file_name = _caller_file()
        opt = _Option(
            name,
            None,
            type,
            help,
            metavar,
            multiple,
            file_name,
            group if group is not None else file_name,
            callback,
        )
        try:
            opt.default = opt.check(default)
        except Error as e:
            raise Error(f"{e} (as its default)") from None
        options[key] = opt

    # -- access -----------------------------------------------------------------

    def _get(self, name: str) -> _Option:
        try:
            return self._options[_normalize(name)]
        except KeyError:
            raise AttributeError(f"Unrecognized option {name!r}") from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._get(name).value()

    def __setattr__(self, name: str, value: Any) -> None:
        if _normalize(name) not in self._options:
            raise Error(f"Unrecognized option {name!r}")
        opt = self._get(name)
        opt.set(opt.check(value))

    def __getitem__(self, name: str) -> Any:
        if _normalize(name) not in self._options:
            raise KeyError(name)
        return self._get(name).value()

    def __setitem__(self, name: str, value: Any) -> None:
        self.__setattr__(name, value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _normalize(name) in self._options

    def __iter__(self) -> Iterator[str]:
        return (opt.name for opt in self._options.values())

    def __len__(self) -> int:
        return len(self._options)

    def items(self) -> list[tuple[str, Any]]:
        """(name, value) pairs for every option."""
        return [(opt.name, opt.value()) for opt in self._options.values()]

    def as_dict(self) -> dict[str, Any]:
        """Every option's current value, keyed by the name it was defined with."""
        return dict(self.items())

    def groups(self) -> set[str]:
        """The group names (defining files unless given) of all options."""
        return {opt.group for opt in self._options.values()}

    def group_dict(self, group: str) -> dict[str, Any]:
        """The values of the options in one group, e.g. to pass as application settings."""
        return {opt.name: opt.value() for opt in self._options.values() if opt.group == group}

    def mockable(self) -> _Mockable:
        """A view of these options that ``unittest.mock.patch.object`` can patch.

        ``patch.object`` cannot restore attributes of an object that intercepts
        ``__setattr__`` (as this one does); the view saves each value it replaces and puts it
        back when the patch deletes the attribute::

            with mock.patch.object(options.mockable(), "port", 9000):
                ...
        """
        return _Mockable(self)

    # -- parsing -----------------------------------------------------------------

    def parse_command_line(self, args: list[str] | None = None, final: bool = True) -> list[str]:
        """Set options from ``--name=value`` arguments; return the positional arguments left.

        ``args[0]`` is the program name (as in ``sys.argv``, the default). Parsing stops at
        the first argument that does not start with ``-``, or after ``--``. With
        ``final=True`` the parse callbacks run afterwards.
        """
        if args is None:
            args = sys.argv
        if isinstance(args, str) or not all(isinstance(a, str) for a in args):
            raise TypeError("parse_command_line() args must be a list of str, like sys.argv")
        remaining: list[str] = []
        for i in range(1, len(args)):
            arg = args[i]
            if not arg.startswith("-") or arg == "-":
                remaining = args[i:]
                break
            if arg == "--":
                remaining = args[i + 1 :]
                break
            name, equals, text = arg.lstrip("-").partition("=")
            if _normalize(name) not in self._options:
                raise Error(f"Unrecognized command line option: {name!r} (see --help)")
            opt = self._get(name)
            if not equals:
                if opt.type is not bool or opt.multiple:
                    raise Error(f"Option {opt.name!r} requires a value: use --{opt.name}=VALUE")
                value: Any = True
            else:
                value = opt.parse(text)
            opt.set(value)
        if final:
            self.run_parse_callbacks()
        return list(remaining)

    def parse_config_file(
        self, path: str | os.PathLike[str], final: bool = True, strict: bool = False
    ) -> None:
        """Set options from a Python file: each top-level name that is a defined option.

        String values are parsed as on the command line; other values must already have the
        option's type. Other names are ignored unless ``strict`` (then public names that are
        not modules, functions or classes raise :class:`Error`).
        """
        path = os.fspath(path)
        namespace: dict[str, Any] = {"__file__": os.path.abspath(path)}
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            raise Error(f"Cannot read config file {path!r}: {e.strerror or e}") from None
        exec(compile(source, path, "exec"), namespace)
        for key, value in namespace.items():
            if key.startswith("_"):
                continue
            if _normalize(key) not in self._options:
                if strict and not _is_helper(value):
                    raise Error(f"Unrecognized option {key!r} in config file {path!r}")
                continue
            opt = self._get(key)
            try:
                if isinstance(value, str) and not (opt.type is str and not opt.multiple):
                    value = opt.parse(value)
                else:
                    value = opt.check(value)
            except Error as e:
                raise Error(f"{e} (in config file {path!r})") from None
            opt.set(value)
        if final:
            self.run_parse_callbacks()

    def add_parse_callback(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` after each final parse (e.g. to configure logging)."""
        if not callable(callback):
            raise TypeError(f"add_parse_callback() needs a callable, got {callback!r}")
        self._parse_callbacks.append(callback)

    def run_parse_callbacks(self) -> None:
        for callback in list(self._parse_callbacks):
            callback()

    # -- help ---------------------------------------------------------------------

    def print_help(self, file: TextIO | None = None) -> None:
        """Print every option, grouped by defining module (or ``group``), to ``file``."""
        out = file if file is not None else sys.stderr
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program"
        print(f"Usage: {prog} [OPTIONS]", file=out)
        print("\nOptions:\n", file=out)
        by_group: dict[str, list[_Option]] = {}
        for opt in self._options.values():
            by_group.setdefault(opt.group, []).append(opt)
        for group in sorted(by_group):
            if group:
                print(f"\n{_group_title(group)} options:\n", file=out)
            for opt in sorted(by_group[group], key=lambda o: o.name):
                usage = f"--{opt.name}"
                if opt.type is not bool or opt.multiple:
                    metavar = opt.metavar or opt._type_name().upper()
                    usage += f"={metavar}" + (",..." if opt.multiple else "")
                text = opt.help or ""
                if opt.default is not None and opt.default != "":
                    text += f" (default {_format_default(opt.default)})"
                if len(usage) > 30:
                    print(f"  {usage}", file=out)
                    usage = ""
                print(f"  {usage:<30} {text}".rstrip(), file=out)
        print(file=out)

    def _help_callback(self, value: bool) -> None:
        if value:
            self.print_help()
            sys.exit(0)


class _Mockable:
    """The attribute protocol ``mock.patch.object`` expects, in front of an OptionParser."""

    def __init__(self, options: OptionParser) -> None:
        self.__dict__["_parser"] = options
        self.__dict__["_saved"] = {}  # name -> values replaced, innermost patch last

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)

    def __setattr__(self, name: str, value: Any) -> None:
        previous = getattr(self._parser, name)  # an unknown name fails here, before any change
        setattr(self._parser, name, value)
        self._saved.setdefault(name, []).append(previous)

    def __delattr__(self, name: str) -> None:
        saved = self._saved.get(name)
        if not saved:
            raise AttributeError(f"option {name!r} was not set through this mockable()")
        setattr(self._parser, name, saved.pop())


def _is_helper(value: Any) -> bool:
    return isinstance(value, (types.ModuleType, types.FunctionType, type))


def _group_title(group: str) -> str:
    if os.sep in group or group.endswith(".py"):
        cwd = os.getcwd()
        try:
            rel = os.path.relpath(group, cwd)
        except ValueError:
            return group
        return rel if not rel.startswith("..") else group
    return group


def _format_default(default: Any) -> str:
    if isinstance(default, list):
        return ",".join(str(v) for v in default)
    return str(default)


#: The process-wide options; ``define``/``parse_*`` below act on it.
options = OptionParser()


def define(
    name: str,
    default: Any = None,
    type: type | None = None,
    help: str | None = None,
    metavar: str | None = None,
    multiple: bool = False,
    group: str | None = None,
    callback: Callable[[Any], None] | None = None,
) -> None:
    """Define an option on the global :data:`options`; see :meth:`OptionParser.define`."""
    options.define(
        name,
        default=default,
        type=type,
        help=help,
        metavar=metavar,
        multiple=multiple,
        group=group,
        callback=callback,
    )


def parse_command_line(args: list[str] | None = None, final: bool = True) -> list[str]:
    """Parse the global options from ``args`` (default ``sys.argv``); return positional args."""
    return options.parse_command_line(args, final=final)


def parse_config_file(path: str | os.PathLike[str], final: bool = True, strict: bool = False) -> None:
    """Parse the global options from a Python config file."""
    options.parse_config_file(path, final=final, strict=strict)


def print_help(file: TextIO | None = None) -> None:
    """Print help for the global options (stderr by default)."""
    options.print_help(file)


def add_parse_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` after each final parse of the global options."""
    options.add_parse_callback(callback)


define_logging_options(options)
