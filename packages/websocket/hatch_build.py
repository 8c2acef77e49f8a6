"""Hatchling build hook: compile the optional C masking helpers (src/.../_speedups.c).

The extension is built next to the Python sources, so an editable install uses it too, and a
wheel ships it.  When it cannot be built (no C compiler, or TORNADO_WEBSOCKET_NO_SPEEDUPS is
set) the package stays pure Python and ``tornado.websocket`` masks with its Python code.
"""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "tornado.websocket._speedups"
SOURCE = "src/tornado/websocket/_speedups.c"


def build_in_place(root: str) -> str:
    """Compile the extension into src/tornado/websocket/; its path relative to ``root``."""
    from setuptools import Distribution, Extension

    here = os.getcwd()
    os.chdir(root)
    try:
        dist = Distribution(
            {
                "name": "tornado-websocket",
                "ext_modules": [Extension(MODULE, [SOURCE], extra_compile_args=["-O2"])],
                "package_dir": {"": "src"},
            }
        )
        cmd: Any = dist.get_command_obj("build_ext")
        cmd.inplace = True
        cmd.ensure_finalized()
        cmd.run()
        return os.path.relpath(cmd.get_ext_fullpath(MODULE), root)
    finally:
        os.chdir(here)


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("TORNADO_WEBSOCKET_NO_SPEEDUPS"):
            return
        try:
            built = build_in_place(self.root)
        except Exception as e:  # a missing compiler is not an error: the Python path works
            self.app.display_warning(f"tornado-websocket: C speedups not built ({e}); using pure Python")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][os.path.join(self.root, built)] = built.removeprefix("src/")
