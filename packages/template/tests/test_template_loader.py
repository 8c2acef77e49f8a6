"""Loader, DictLoader, BaseLoader: caching, reset, path resolution and refusal."""

from __future__ import annotations

import threading

import pytest
from tornado.template import BaseLoader, DictLoader, Loader, ParseError, Template


def write(root, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_loader_reads_files_utf8(tmp_path) -> None:
    write(tmp_path, "a.html", "caf\u00e9 {{ x }}")
    assert Loader(tmp_path).load("a.html").generate(x=1) == "caf\u00e9 1".encode()


def test_loader_caches_until_reset(tmp_path) -> None:
    write(tmp_path, "a.html", "one")
    ld = Loader(str(tmp_path))
    first = ld.load("a.html")
    write(tmp_path, "a.html", "two")
    assert ld.load("a.html") is first
    assert ld.load("a.html").generate() == b"one"
    ld.reset()
    assert ld.load("a.html") is not first
    assert ld.load("a.html").generate() == b"two"


def test_equivalent_names_share_the_cache(tmp_path) -> None:
    write(tmp_path, "d/a.html", "x")
    ld = Loader(tmp_path)
    assert ld.load("d/a.html") is ld.load("./d/../d/a.html")
    assert ld.load("a.html", parent_path="d/other.html") is ld.load("d/a.html")


@pytest.mark.parametrize("name", ["../x.html", "a/../../x.html", "/etc/passwd", "..", "\\windows"])
def test_paths_outside_the_root_are_refused(tmp_path, name: str) -> None:
    (tmp_path / "root").mkdir()
    write(tmp_path, "x.html", "secret")
    ld = Loader(tmp_path / "root")
    with pytest.raises(ValueError, match="outside the loader root|absolute"):
        ld.load(name)


def test_include_escaping_the_root_is_refused(tmp_path) -> None:
    write(tmp_path, "root/a.html", "{% include '../../secret.html' %}")
    write(tmp_path, "secret.html", "secret")
    with pytest.raises(ParseError, match="outside the loader root") as info:
        Loader(tmp_path / "root").load("a.html")
    assert info.value.filename == "a.html"


def test_relative_parent_may_climb_back_inside_the_root(tmp_path) -> None:
    write(tmp_path, "sub/page.html", "{% include '../top.html' %}")
    write(tmp_path, "top.html", "top")
    assert Loader(tmp_path).load("sub/page.html").generate() == b"top"


def test_missing_file_raises_filenotfound(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        Loader(tmp_path).load("nope.html")


def test_loader_root_must_be_a_directory(tmp_path) -> None:
    with pytest.raises(ValueError, match="root_directory"):
        Loader(tmp_path / "missing")
    with pytest.raises(TypeError, match="root_directory"):
        Loader(3)  # type: ignore[arg-type]


def test_loader_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="whitespace"):
        DictLoader({}, whitespace="compact")
    with pytest.raises(TypeError, match="namespace"):
        DictLoader({}, namespace=[1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mapping"):
        DictLoader(["a"])  # type: ignore[arg-type]


def test_dictloader_missing_name() -> None:
    with pytest.raises(KeyError, match="nope"):
        DictLoader({}).load("nope.html")


def test_template_name_type_checked() -> None:
    with pytest.raises(TypeError, match="template name"):
        DictLoader({}).load(5)  # type: ignore[arg-type]


def test_base_loader_subclass_supplies_text() -> None:
    class Upper(BaseLoader):
        def _create_template(self, name: str) -> Template:
            return Template("{{ n }}:" + name.upper(), name=name, loader=self)

    ld = Upper()
    assert ld.load("x.txt").generate(n=1) == b"1:X.TXT"
    assert ld.load("x.txt") is ld.load("x.txt")


def test_base_loader_without_source_fails() -> None:
    with pytest.raises(NotImplementedError):
        BaseLoader().load("a.html")


def test_concurrent_loads_compile_once() -> None:
    created: list[str] = []

    class Counting(DictLoader):
        def _create_template(self, name: str) -> Template:
            created.append(name)
            return super()._create_template(name)

    ld = Counting({"a.html": "{% for i in range(3) %}{{ i }}{% end %}"})
    results: list[Template] = []
    threads = [threading.Thread(target=lambda: results.append(ld.load("a.html"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert created == ["a.html"]
    assert len({id(r) for r in results}) == 1
