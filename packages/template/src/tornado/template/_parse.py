"""Template text to a tree of nodes; one pass, no regular expressions on the hot path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WHITESPACE_MODES = ("all", "single", "oneline")

_SPACES = re.compile(r"[\t ]+")
_NEWLINE_RUN = re.compile(r"\s*\n\s*")
_ANY_SPACE = re.compile(r"\s+")


class ParseError(Exception):
    """A template that cannot be compiled; carries the template name and line."""

    def __init__(self, message: str, filename: str | None = None, lineno: int = 0) -> None:
        super().__init__(message, filename, lineno)
        self.message = message
        self.filename = filename
        self.lineno = lineno

    def __str__(self) -> str:
        if self.filename is None:
            return self.message
        return f"{self.message} at {self.filename}:{self.lineno}"


def filter_whitespace(mode: str, text: str) -> str:
    """Collapse whitespace in literal text the way ``mode`` asks.

    ``all`` keeps it, ``single`` folds runs to one space or one newline, ``oneline``
    folds every run to one space.
    """
    if mode == "all":
        return text
    if mode == "single":
        return _NEWLINE_RUN.sub("\n", _SPACES.sub(" ", text))
    if mode == "oneline":
        return _ANY_SPACE.sub(" ", text)
    raise ValueError(f"invalid whitespace mode {mode!r}; expected one of {', '.join(WHITESPACE_MODES)}")


@dataclass
class Text:
    value: str
    line: int


@dataclass
class Expr:
    code: str
    line: int
    raw: bool


@dataclass
class Stmt:
    code: str
    line: int


@dataclass
class Control:
    """A Python compound statement: each clause is (header, line, body)."""

    kind: str
    clauses: list[tuple[str, int, list[Node]]]


@dataclass
class Block:
    name: str
    line: int
    body: list[Node]
    file: TemplateFile


@dataclass
class Include:
    name: str
    line: int


@dataclass
class Apply:
    func: str
    line: int
    body: list[Node]


Node = Text | Expr | Stmt | Control | Block | Include | Apply


@dataclass
class TemplateFile:
    """One parsed template source; ``autoescape`` is the file-wide setting after directives."""

    name: str
    autoescape: str | None
    body: list[Node] = field(default_factory=list)
    extends: str | None = None
    extends_line: int = 0


_CLOSERS = {"{": "}}", "%": "%}", "#": "#}"}
_COMPOUND = ("if", "for", "while", "try", "with")
_INTERMEDIATE = {
    "else": ("if", "for", "while", "try"),
    "elif": ("if",),
    "except": ("try",),
    "finally": ("try",),
}
_LOOPS = ("for", "while")


@dataclass
class _Frame:
    kind: str
    line: int
    arg: str
    clauses: list[tuple[str, int, list[Node]]]

    @property
    def body(self) -> list[Node]:
        return self.clauses[-1][2]


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s


def parse(text: str, name: str, whitespace: str, autoescape: str | None) -> TemplateFile:
    """Parse template source into a :class:`TemplateFile`; raises ParseError with file and line."""
    tf = TemplateFile(name=name, autoescape=autoescape)
    stack: list[_Frame] = []
    seen_blocks: set[str] = set()
    pieces: list[str] = []
    piece_line = 1

    def body() -> list[Node]:
        return stack[-1].body if stack else tf.body

    def flush() -> None:
        if pieces:
            value = filter_whitespace(whitespace, "".join(pieces))
            pieces.clear()
            if value:
                body().append(Text(value, piece_line))

    def fail(msg: str, at: int) -> ParseError:
        return ParseError(msg, name, at)

    pos, line, n = 0, 1, len(text)
    while pos < n:
        i = text.find("{", pos)
        # Skip single braces and, in runs like "{{{", use the innermost pair.
        while i != -1 and (
            i + 1 >= n
            or text[i + 1] not in "{%#"
            or (text[i + 1] == "{" and i + 2 < n and text[i + 2] == "{")
        ):
            i = text.find("{", i + 1)
        if i == -1:
            if not pieces:
                piece_line = line
            pieces.append(text[pos:])
            break
        if i > pos:
            if not pieces:
                piece_line = line
            pieces.append(text[pos:i])
            line += text.count("\n", pos, i)
        kind = text[i + 1]
        if i + 2 < n and text[i + 2] == "!":
            # "{{!", "{%!" and "{#!" stand for the literal opening characters.
            if not pieces:
                piece_line = line
            pieces.append(text[i : i + 2])
            pos = i + 3
            continue
        closer = _CLOSERS[kind]
        j = text.find(closer, i + 2)
        if j == -1:
            raise fail(f"Missing end marker {closer!r} for {text[i : i + 2]!r}", line)
        contents = text[i + 2 : j].strip()
        start_line = line
        line += text.count("\n", i, j)
        pos = j + 2
        if kind == "#":
            continue
        flush()
        if kind == "{":
            if not contents:
                raise fail("Empty expression", start_line)
            body().append(Expr(contents, start_line, raw=False))
            continue
        if not contents:
            raise fail("Empty block tag ({% %})", start_line)
        parts = contents.split(None, 1)
        op = parts[0]
        arg = parts[1].strip() if len(parts) > 1 else ""
        if op in _INTERMEDIATE:
            allowed = _INTERMEDIATE[op]
            if not stack or stack[-1].kind not in allowed:
                raise fail(f"{op} outside {'/'.join(allowed)} block", start_line)
            stack[-1].clauses.append((contents, start_line, []))
        elif op == "end":
            if arg:
                raise fail(f"unexpected text after end: {arg!r}", start_line)
            if not stack:
                raise fail("Extra {% end %} block", start_line)
            frame = stack.pop()
            node: Node
            if frame.kind == "block":
                node = Block(frame.arg, frame.line, frame.body, tf)
            elif frame.kind == "apply":
                node = Apply(frame.arg, frame.line, frame.body)
            else:
                node = Control(frame.kind, frame.clauses)
            body().append(node)
        elif op in _COMPOUND:
            stack.append(_Frame(op, start_line, arg, [(contents, start_line, [])]))
        elif op in ("block", "apply"):
            if not arg:
                raise fail(f"{op} missing {'name' if op == 'block' else 'function'}", start_line)
            if op == "block":
                if not arg.isidentifier():
                    raise fail(f"invalid block name {arg!r}", start_line)
                if arg in seen_blocks:
                    raise fail(f"block {arg!r} defined twice", start_line)
                seen_blocks.add(arg)
            stack.append(_Frame(op, start_line, arg, [(contents, start_line, [])]))
        elif op == "extends":
            if not arg:
                raise fail("extends missing file path", start_line)
            if stack:
                raise fail("extends must be at the top level of a template", start_line)
            if tf.extends is not None:
                raise fail("a template can extend only one other template", start_line)
            tf.extends, tf.extends_line = _unquote(arg), start_line
        elif op == "include":
            if not arg:
                raise fail("include missing file path", start_line)
            body().append(Include(_unquote(arg), start_line))
        elif op == "set":
            if not arg:
                raise fail("set missing statement", start_line)
            body().append(Stmt(arg, start_line))
        elif op in ("import", "from"):
            body().append(Stmt(contents, start_line))
        elif op in ("break", "continue"):
            if not any(f.kind in _LOOPS for f in stack):
                raise fail(f"{op} outside for/while loop", start_line)
            body().append(Stmt(op, start_line))
        elif op in ("raw", "module"):
            if not arg:
                raise fail(f"{op} missing expression", start_line)
            body().append(Expr(arg if op == "raw" else "modules." + arg, start_line, raw=True))
        elif op == "autoescape":
            if not arg:
                raise fail("autoescape missing function name (or None)", start_line)
            if arg != "None" and not arg.isidentifier():
                raise fail(f"autoescape expects a function name or None, not {arg!r}", start_line)
            tf.autoescape = None if arg == "None" else arg
        elif op == "whitespace":
            if arg not in WHITESPACE_MODES:
                raise fail(
                    f"invalid whitespace mode {arg!r}; expected one of {', '.join(WHITESPACE_MODES)}",
                    start_line,
                )
            whitespace = arg
        elif op == "comment":
            pass
        else:
            raise fail(f"unknown operator: {op!r}", start_line)
    flush()
    if stack:
        frame = stack[-1]
        raise fail(f"Missing {{% end %}} block for {frame.kind}", frame.line)
    return tf
