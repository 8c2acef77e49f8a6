"""Where templates live when the application sets no ``template_path``: next to user code.

Tornado's rule is "the directory of the file containing the handler's class". Reading it
from the class (its module's ``__file__``), once when the class is created, instead of
walking call frames keeps it right however tornado.web itself is split into files, and
costs nothing per request.
"""

from __future__ import annotations

import os
import sys


def module_directory(module_name: str) -> str | None:
    """The directory of the file that defines module ``module_name``; None for tornado.web's own
    modules (their templates are never the user's) and for modules without a file."""
    if module_name == "tornado.web" or module_name.startswith("tornado.web."):
        return None
    filename = getattr(sys.modules.get(module_name), "__file__", None)
    if not filename:
        return None
    return os.path.dirname(os.path.abspath(filename))


def class_directory(cls: type) -> str | None:
    """The directory for ``cls``: its own module's, else the nearest base class's that has one."""
    own = module_directory(cls.__module__)
    if own is not None:
        return own
    for base in cls.__mro__[1:]:
        found = base.__dict__.get("_source_dir")
        if found:
            return str(found)
    return None
