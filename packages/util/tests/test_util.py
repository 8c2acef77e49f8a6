"""Tests for tornado.util."""

from __future__ import annotations

import asyncio
import datetime
import errno
import gzip
import re
import sys
import zlib
from typing import Any

import pytest
from tornado.util import (
    ArgReplacer,
    Configurable,
    GzipDecompressor,
    ObjectDict,
    TimeoutError,
    basestring_type,
    bytes_type,
    errno_from_exception,
    exec_in,
    import_object,
    raise_exc_info,
    re_unescape,
    timedelta_to_seconds,
    unicode_type,
)

# -- ObjectDict ---------------------------------------------------------------------


def test_object_dict_attribute_access() -> None:
    d = ObjectDict(a=1)
    assert d.a == 1
    d.b = 2
    assert d["b"] == 2
    assert isinstance(d, dict)
    with pytest.raises(AttributeError, match="missing"):
        d.missing  # noqa: B018
    assert getattr(d, "missing", None) is None


# -- import_object ------------------------------------------------------------------


def test_import_object_module_and_attribute() -> None:
    assert import_object("os.path") is sys.modules["os.path"]
    assert import_object("os.path.join") is sys.modules["os.path"].join
    assert import_object("zlib") is zlib
    assert import_object("tornado.util.ObjectDict") is ObjectDict


def test_import_object_missing_names() -> None:
    with pytest.raises(ImportError, match="No module named missing_thing"):
        import_object("os.missing_thing")
    with pytest.raises(ImportError):
        import_object("no_such_module_anywhere")


# -- small helpers ------------------------------------------------------------------


def test_errno_from_exception() -> None:
    assert errno_from_exception(OSError(errno.ECONNRESET, "reset")) == errno.ECONNRESET
    assert errno_from_exception(Exception(errno.EPIPE)) == errno.EPIPE
    assert errno_from_exception(Exception()) is None


def test_raise_exc_info_keeps_traceback() -> None:
    def fail() -> None:
        raise KeyError("k")

    try:
        fail()
    except KeyError:
        info = sys.exc_info()
    with pytest.raises(KeyError) as caught:
        raise_exc_info(info)
    names = []
    tb = caught.value.__traceback__
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert "fail" in names
    with pytest.raises(TypeError):
        raise_exc_info((None, None, None))


@pytest.mark.parametrize("text", ["a.b*c", "x[y]{2}", "tab\there", "new\nline", "$^|?+()", "plain", "é-ü"])
def test_re_unescape_inverts_re_escape(text: str) -> None:
    assert re_unescape(re.escape(text)) == text


@pytest.mark.parametrize("bad", [r"\d", r"a\w", "ends\\"])
def test_re_unescape_rejects_what_escape_cannot_produce(bad: str) -> None:
    with pytest.raises(ValueError):
        re_unescape(bad)


def test_compat_names() -> None:
    assert unicode_type is str and basestring_type is str
    assert timedelta_to_seconds(datetime.timedelta(minutes=1, microseconds=500000)) == 60.5
    assert TimeoutError is asyncio.TimeoutError


# -- GzipDecompressor ---------------------------------------------------------------


def test_gzip_decompressor_streams_chunks() -> None:
    data = b"hello gzip " * 1000
    blob = gzip.compress(data)
    d = GzipDecompressor()
    out = b"".join(d.decompress(blob[i : i + 7]) for i in range(0, len(blob), 7))
    assert out + d.flush() == data


def test_gzip_decompressor_max_length_leaves_tail() -> None:
    data = bytes(range(256)) * 64
    d = GzipDecompressor()
    first = d.decompress(gzip.compress(data), 100)
    assert len(first) == 100
    out = first
    while d.unconsumed_tail:
        out += d.decompress(d.unconsumed_tail, 100)
    assert out + d.flush() == data


def test_gzip_decompressor_detects_truncation_and_bad_data() -> None:
    blob = gzip.compress(b"x" * 5000)
    d = GzipDecompressor()
    d.decompress(blob[:-6])
    with pytest.raises(zlib.error):
        d.flush()
    with pytest.raises(zlib.error):
        GzipDecompressor().decompress(zlib.compress(b"not gzip framed"))


# -- Configurable -------------------------------------------------------------------


class Base(Configurable):
    @classmethod
    def configurable_base(cls) -> type[Configurable]:
        return Base

    @classmethod
    def configurable_default(cls) -> type[Configurable]:
        return ImplA

    def initialize(self, pos: Any = None, a: int = 1, b: int = 2) -> None:
        self.pos, self.a, self.b = pos, a, b


class ImplA(Base):
    pass


class ImplB(Base):
    def initialize(self, pos: Any = None, a: int = 1, b: int = 2, c: int = 3) -> None:
        super().initialize(pos, a=a, b=b)
        self.c = c


class SubBase(Base):
    """A sub-hierarchy with its own configuration."""

    @classmethod
    def configurable_base(cls) -> type[Configurable]:
        return SubBase

    @classmethod
    def configurable_default(cls) -> type[Configurable]:
        return SubImpl


class SubImpl(SubBase):
    pass


@pytest.fixture(autouse=True)
def _restore_config() -> Any:
    saved, saved_sub = Base._save_configuration(), SubBase._save_configuration()
    yield
    Base._restore_configuration(saved)
    SubBase._restore_configuration(saved_sub)


def test_default_implementation() -> None:
    obj = Base("p", a=5)
    assert type(obj) is ImplA
    assert (obj.pos, obj.a, obj.b) == ("p", 5, 2)
    assert Base.configured_class() is ImplA


def test_configure_class_and_kwargs() -> None:
    Base.configure(ImplB, b=20, c=30)
    obj = Base(a=7, c=31)
    assert isinstance(obj, ImplB) and isinstance(obj, Base)
    assert (obj.a, obj.b, obj.c) == (7, 20, 31)  # caller's kwargs win over configured ones
    # Constructing an implementation directly ignores the configuration.
    direct = ImplA()
    assert type(direct) is ImplA and direct.b == 2
    Base.configure(None)
    assert type(Base()) is ImplA


def test_configure_by_name_and_bad_subclass() -> None:
    Base.configure(f"{__name__}.ImplB")
    assert Base.configured_class() is ImplB
    with pytest.raises(ValueError, match="Invalid subclass of Base"):
        Base.configure(dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Base.configure(f"{__name__}.test_default_implementation")


def test_sub_hierarchy_has_its_own_configuration() -> None:
    Base.configure(SubBase)
    obj = Base(a=9)
    assert type(obj) is SubImpl and obj.a == 9
    assert SubBase.configured_class() is SubImpl
    assert Base.configured_class() is SubBase


def test_missing_hooks_name_the_method() -> None:
    class Incomplete(Configurable):
        pass

    with pytest.raises(NotImplementedError, match="configurable_base"):
        Incomplete()


# -- ArgReplacer --------------------------------------------------------------------


def test_arg_replacer_positional_and_keyword() -> None:
    def f(a: int, callback: Any = None, *, other: int = 0) -> None:
        pass

    r = ArgReplacer(f, "callback")
    assert r.get_old_value((1, "cb"), {}) == "cb"
    assert r.get_old_value((1,), {"callback": "kw"}) == "kw"
    assert r.get_old_value((1,), {}, default="d") == "d"
    old, args, kwargs = r.replace("new", (1, "cb"), {})
    assert (old, list(args), kwargs) == ("cb", [1, "new"], {})
    old, args, kwargs = r.replace("new", (1,), {})
    assert (old, tuple(args), kwargs) == (None, (1,), {"callback": "new"})


# -- exec_in and the Python 2 names ------------------------------------------------------


def test_exec_in_runs_source_and_code_in_the_given_namespaces() -> None:
    glob: dict[str, Any] = {"base": 40}
    loc: dict[str, Any] = {}
    exec_in("answer = base + 2", glob, loc)
    assert loc == {"answer": 42} and "answer" not in glob
    exec_in(compile("base += 1", "<cfg>", "exec"), glob)
    assert glob["base"] == 41


def test_exec_in_source_does_not_inherit_this_modules_future_imports() -> None:
    # tornado.util uses "from __future__ import annotations"; the executed code must not.
    ns: dict[str, Any] = {}
    exec_in("def f(x: int) -> None: pass", ns)
    assert ns["f"].__annotations__ == {"x": int, "return": None}


def test_python2_type_names() -> None:
    assert (unicode_type, basestring_type, bytes_type) == (str, str, bytes)
