"""Small utilities the rest of the stack builds on; no dependencies beyond the standard library.

``Configurable`` is the factory-constructor pattern behind pluggable implementations
(``Resolver``, ``AsyncHTTPClient``): ``Base()`` builds whichever subclass ``Base.configure``
selected.  The rest are helpers that Tornado 6 applications import from here.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import inspect
import re
import zlib
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, NoReturn, TypeVar

__all__ = [
    "ArgReplacer",
    "Configurable",
    "GzipDecompressor",
    "ObjectDict",
    "TimeoutError",
    "basestring_type",
    "bytes_type",
    "errno_from_exception",
    "exec_in",
    "import_object",
    "raise_exc_info",
    "re_unescape",
    "timedelta_to_seconds",
    "unicode_type",
]

# Python 2 compatibility names that Tornado 6 code still imports.
unicode_type = str
basestring_type = str
bytes_type = bytes

# Raised by gen.with_timeout and IOLoop.run_sync; the same class as asyncio's, so ``except``
# clauses written for either catch both (on Python 3.11+ it is also the builtin TimeoutError).
TimeoutError = asyncio.TimeoutError

_T = TypeVar("_T")


class ObjectDict(dict[str, Any]):
    """A dict whose keys can also be read and written as attributes (``d.key``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


class GzipDecompressor:
    """Streaming gzip decompression: like ``zlib.decompressobj``, but reads the gzip header and trailer.

    Feed chunks to :meth:`decompress`; call :meth:`flush` at the end of input, which also
    detects truncated data.
    """

    def __init__(self) -> None:
        # wbits 16+MAX_WBITS: expect a gzip wrapper, verify its CRC and length.
        self.decompressobj = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def decompress(self, value: bytes, max_length: int = 0) -> bytes:
        """Decompress a chunk and return the data now available.

        With ``max_length`` at most that many bytes are returned; the rest of the input is
        left in :attr:`unconsumed_tail`, which the caller passes back on the next call.
        """
        return self.decompressobj.decompress(value, max_length)

    @property
    def unconsumed_tail(self) -> bytes:
        """Input not yet processed because of ``max_length``."""
        return self.decompressobj.unconsumed_tail

    def flush(self) -> bytes:
        """Return the remaining buffered data; raises ``zlib.error`` if the stream was cut short."""
        data = self.decompressobj.flush()
        if not self.decompressobj.eof:
            raise zlib.error("incomplete gzip stream: the end of the data was not reached")
        return data


def import_object(name: str) -> Any:
    """Import an object by dotted name: ``import_object("a.b.c")`` is ``from a.b import c``.

    A bare module name imports the module.  A missing attribute raises ImportError, as a
    missing module does.
    """
    if not isinstance(name, str):
        raise TypeError(f"import_object() needs a dotted name, not {type(name).__name__}")
    if "." not in name:
        return importlib.import_module(name)
    module_name, _, attr = name.rpartition(".")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            raise ImportError(f"No module named {attr}") from None


def exec_in(code: Any, glob: dict[str, Any], loc: dict[str, Any] | None = None) -> None:
    """Run ``code`` (source text or a code object) in the namespaces ``glob`` and ``loc``.

    Source is compiled on its own: unlike a bare ``exec(str)``, it does not inherit this
    module's ``from __future__`` imports, so config files and templates see plain Python.
    """
    if isinstance(code, str):
        code = compile(code, "<string>", "exec", dont_inherit=True)
    exec(code, glob, loc)


def raise_exc_info(
    exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None],
) -> NoReturn:
    """Re-raise an exception from a ``sys.exc_info()`` tuple, keeping its traceback."""
    exc = exc_info[1]
    if exc is None:
        raise TypeError("raise_exc_info() needs an exc_info tuple with an exception")
    try:
        raise exc.with_traceback(exc_info[2])
    finally:
        # Break the frame -> traceback -> frame cycle.
        exc = None
        exc_info = (None, None, None)


def errno_from_exception(e: BaseException) -> int | None:
    """The errno of an exception: its ``errno`` attribute, else its first argument, else None."""
    errno = getattr(e, "errno", None)
    if errno is not None:
        return errno
    if e.args:
        return e.args[0]
    return None


_RE_ESCAPED = re.compile(r"\\(.?)", re.DOTALL)


def _unescape_one(m: re.Match[str]) -> str:
    ch = m.group(1)
    if not ch:
        raise ValueError("cannot unescape a trailing backslash")
    if ch.isalnum():
        raise ValueError(f"cannot unescape '\\\\{ch}': re.escape never produces it")
    return ch


def re_unescape(s: str) -> str:
    """Undo ``re.escape``.

    Raises ValueError for text re.escape cannot have produced, such as ``\\d``.
    """
    return _RE_ESCAPED.sub(_unescape_one, s)


def timedelta_to_seconds(td: datetime.timedelta) -> float:
    """``td.total_seconds()`` (kept for code written against older Pythons)."""
    return td.total_seconds()


class Configurable:
    """A base class whose constructor builds the configured implementation subclass.

    Subclasses define the classmethods :meth:`configurable_base` (the class that holds the
    configuration, usually the interface itself) and :meth:`configurable_default` (the
    implementation used when nothing was configured), and put their setup in
    :meth:`initialize` instead of ``__init__``.  ``Base.configure(Impl, **kwargs)`` then
    makes ``Base(...)`` return an ``Impl``, initialized with ``kwargs`` merged under the
    caller's keyword arguments.
    """

    # Stored on the configurable base only (looked up in its own __dict__, never inherited).
    __impl_class: type[Configurable] | None = None
    __impl_kwargs: dict[str, Any] | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        base = cls.configurable_base()
        init_kwargs: dict[str, Any] = {}
        if cls is base:
            impl = cls.configured_class()
            configured = base.__dict__.get("_Configurable__impl_kwargs")
            if configured:
                init_kwargs.update(configured)
        else:
            impl = cls
        init_kwargs.update(kwargs)
        if impl.configurable_base() is not base:
            # The implementation is itself the base of another configurable hierarchy.
            return impl(*args, **init_kwargs)
        instance = super().__new__(impl)
        instance.initialize(*args, **init_kwargs)
        return instance

    @classmethod
    def configurable_base(cls) -> type[Configurable]:
        """The class whose :meth:`configure` applies to this hierarchy; subclasses must override."""
        raise NotImplementedError(f"{cls.__name__} must define configurable_base()")

    @classmethod
    def configurable_default(cls) -> type[Configurable]:
        """The implementation used when :meth:`configure` was not called; subclasses must override."""
        raise NotImplementedError(f"{cls.__name__} must define configurable_default()")

    def _initialize(self) -> None:
        pass

    initialize: Callable[..., None] = _initialize
    """Set up a new instance; takes the constructor's arguments (instead of ``__init__``)."""

    @classmethod
    def configure(cls, impl: type[Configurable] | str | None, **kwargs: Any) -> None:
        """Choose the class (or dotted class name) that ``Base()`` builds, with default kwargs.

        ``None`` goes back to :meth:`configurable_default`.  The class must be a subclass
        of the one ``configure`` is called on (ValueError otherwise).
        """
        base = cls.configurable_base()
        if isinstance(impl, str):
            impl = import_object(impl)
        if impl is not None and not (isinstance(impl, type) and issubclass(impl, cls)):
            raise ValueError(f"Invalid subclass of {cls.__name__}: {impl!r}")
        base.__impl_class = impl
        base.__impl_kwargs = kwargs

    @classmethod
    def configured_class(cls) -> type[Configurable]:
        """The class ``Base()`` currently builds."""
        base = cls.configurable_base()
        impl = base.__dict__.get("_Configurable__impl_class")
        if impl is None:
            impl = base.__impl_class = cls.configurable_default()
        return impl

    @classmethod
    def _save_configuration(cls) -> tuple[type[Configurable] | None, dict[str, Any] | None]:
        base = cls.configurable_base()
        return (
            base.__dict__.get("_Configurable__impl_class"),
            base.__dict__.get("_Configurable__impl_kwargs"),
        )

    @classmethod
    def _restore_configuration(cls, saved: tuple[type[Configurable] | None, dict[str, Any] | None]) -> None:
        base = cls.configurable_base()
        base.__impl_class = saved[0]
        base.__impl_kwargs = saved[1]


class ArgReplacer:
    """Find and replace one named argument of ``func`` in an ``(args, kwargs)`` call.

    Used by decorators that intercept an argument (such as ``callback``) whether it was
    passed by position or by keyword.
    """

    def __init__(self, func: Callable[..., Any], name: str) -> None:
        self.name = name
        try:
            params = list(inspect.signature(func).parameters.values())
        except (TypeError, ValueError):
            params = []
        positional = [
            p.name
            for p in params
            if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ]
        self.arg_pos: int | None = positional.index(name) if name in positional else None

    def get_old_value(self, args: Sequence[Any], kwargs: dict[str, Any], default: Any = None) -> Any:
        """The argument's value in this call, or ``default`` when it was not passed."""
        if self.arg_pos is not None and len(args) > self.arg_pos:
            return args[self.arg_pos]
        return kwargs.get(self.name, default)

    def replace(
        self, new_value: Any, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[Any, Sequence[Any], dict[str, Any]]:
        """Return ``(old_value, args, kwargs)`` with the argument set to ``new_value``."""
        if self.arg_pos is not None and len(args) > self.arg_pos:
            old = args[self.arg_pos]
            new_args = list(args)
            new_args[self.arg_pos] = new_value
            return old, new_args, kwargs
        old = kwargs.get(self.name)
        new_kwargs = dict(kwargs)
        new_kwargs[self.name] = new_value
        return old, args, new_kwargs
