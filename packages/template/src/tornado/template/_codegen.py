"""Node tree to Python source.

The whole template (its ancestors, blocks and includes inlined) becomes one function that
appends text to a local list and joins it once.  Every generated line remembers where in
which template it came from, so compile and render errors can point at the template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._parse import Apply, Block, Control, Expr, Include, Node, ParseError, Stmt, TemplateFile, Text

# One origin per generated line: the chain of (kind, template name, line) from the outermost
# template down to the template line that produced it.  ``kind`` says how that template was
# entered ("" for the outermost, "include" or "block").
Origin = tuple[tuple[str, str, int], ...]
Resolve = Callable[[str, str, int], TemplateFile]

FUNC_NAME = "_tt_execute"


class CodeWriter:
    def __init__(self, resolve: Resolve | None) -> None:
        self._resolve = resolve
        self.lines: list[str] = []
        self.origins: list[Origin] = []
        self._indent = 1
        self._chain: list[tuple[str, str, int]] = []
        self._files: list[TemplateFile] = []
        self._escapers: dict[str, str] = {}
        self._named: dict[str, Block] = {}
        self._applies = 0

    # -- driving -------------------------------------------------------------------------

    def generate(self, tf: TemplateFile) -> tuple[str, list[Origin]]:
        ancestors = [tf]
        while ancestors[-1].extends is not None:
            child = ancestors[-1]
            assert child.extends is not None
            parent = self._load(child.extends, child.name, child.extends_line, "extends")
            if any(a is parent or a.name == parent.name for a in ancestors):
                raise ParseError(
                    f"{child.extends!r} extends itself (inheritance cycle)", child.name, child.extends_line
                )
            ancestors.append(parent)
        for f in reversed(ancestors):
            self._collect_blocks(f.body, [f.name])
        root = ancestors[-1]
        self._chain.append(("", root.name, 0))
        self._files.append(root)
        self._body(root.body)
        head_origin: Origin = (("", tf.name, 0),)
        head = [f"def {FUNC_NAME}():", "    _tt_buffer = []", "    _tt_append = _tt_buffer.append"]
        head += [f"    {var} = _tt_escaper({fn})" for fn, var in self._escapers.items()]
        tail = ['    return "".join(_tt_buffer).encode("utf-8")']
        lines = head + self.lines + tail
        origins = [head_origin] * len(head) + self.origins + [head_origin]
        return "\n".join(lines) + "\n", origins

    def _load(self, name: str, current: str, line: int, what: str) -> TemplateFile:
        if self._resolve is None:
            raise ParseError(f"{{% {what} %}} needs a template loader", current, line)
        return self._resolve(name, current, line)

    def _collect_blocks(self, body: list[Node], seen: list[str]) -> None:
        for node in body:
            if isinstance(node, Block):
                self._named[node.name] = node
                self._collect_blocks(node.body, seen)
            elif isinstance(node, Control):
                for _, _, sub in node.clauses:
                    self._collect_blocks(sub, seen)
            elif isinstance(node, Apply):
                self._collect_blocks(node.body, seen)
            elif isinstance(node, Include):
                included = self._load(node.name, seen[-1], node.line, "include")
                if included.name in seen:
                    continue  # reported with its line when the include is generated
                self._collect_blocks(included.body, [*seen, included.name])

    # -- emitting ------------------------------------------------------------------------

    def _write(self, code: str, line: int) -> None:
        chain = tuple(self._chain[:-1]) + ((self._chain[-1][0], self._files[-1].name, line),)
        pad = "    " * self._indent
        physical = code.split("\n")
        self.lines.append(
            f"{pad}{physical[0]}  # {self._files[-1].name}:{line}"
            if len(physical) == 1
            else pad + physical[0]
        )
        self.origins.append(chain)
        for k, extra in enumerate(physical[1:], 1):
            self.lines.append(extra)
            self.origins.append(chain[:-1] + ((chain[-1][0], chain[-1][1], line + k),))

    @contextmanager
    def _indented(self) -> Iterator[None]:
        self._indent += 1
        try:
            yield
        finally:
            self._indent -= 1

    @contextmanager
    def _enter(self, kind: str, tf: TemplateFile, line: int) -> Iterator[None]:
        outer = self._chain[-1]
        self._chain[-1] = (outer[0], outer[1], line)
        self._chain.append((kind, tf.name, 0))
        self._files.append(tf)
        try:
            yield
        finally:
            self._files.pop()
            self._chain.pop()
            self._chain[-1] = outer

    def _body(self, body: list[Node]) -> None:
        for node in body:
            self._node(node)

    def _suite(self, body: list[Node], line: int) -> None:
        with self._indented():
            before = len(self.lines)
            self._body(body)
            if len(self.lines) == before:
                self._write("pass", line)

    def _escaper_var(self, func: str) -> str:
        var = self._escapers.get(func)
        if var is None:
            var = self._escapers[func] = f"_tt_esc{len(self._escapers)}"
        return var

    def _node(self, node: Node) -> None:
        if isinstance(node, Text):
            self._write(f"_tt_append({node.value!r})", node.line)
        elif isinstance(node, Expr):
            autoescape = self._files[-1].autoescape
            wrap = "_tt_str" if node.raw or autoescape is None else self._escaper_var(autoescape)
            self._write(f"_tt_append({wrap}({node.code}))", node.line)
        elif isinstance(node, Stmt):
            self._write(node.code, node.line)
        elif isinstance(node, Control):
            for header, line, sub in node.clauses:
                self._write(f"{header}:", line)
                self._suite(sub, line)
        elif isinstance(node, Block):
            chosen = self._named.get(node.name, node)
            with self._enter("block", chosen.file, node.line):
                self._body(chosen.body)
        elif isinstance(node, Include):
            current = self._files[-1]
            included = self._load(node.name, current.name, node.line, "include")
            if any(f.name == included.name for f in self._files):
                raise ParseError(f"{node.name!r} includes itself (include cycle)", current.name, node.line)
            with self._enter("include", included, node.line):
                self._body(included.body)
        elif isinstance(node, Apply):
            self._apply(node)
        else:  # pragma: no cover - the parser produces no other nodes
            raise TypeError(f"unknown template node {node!r}")

    def _apply(self, node: Apply) -> None:
        # The body renders into a fresh buffer in the same function, so {% set %}, break and
        # continue inside it behave as anywhere else; the outer buffer comes back in finally.
        k = self._applies
        self._applies += 1
        saved, text = f"_tt_saved{k}", f"_tt_applied{k}"
        self._write(f"{saved} = (_tt_buffer, _tt_append)", node.line)
        self._write("_tt_buffer = []", node.line)
        self._write("_tt_append = _tt_buffer.append", node.line)
        self._write("try:", node.line)
        self._suite(node.body, node.line)
        self._write("finally:", node.line)
        with self._indented():
            self._write(f'{text} = "".join(_tt_buffer)', node.line)
            self._write(f"_tt_buffer, _tt_append = {saved}", node.line)
        self._write(f"_tt_append(_tt_str({node.func}({text})))", node.line)
