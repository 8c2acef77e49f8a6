"""aiohttp's standard hello world (one route, web.Response(text=...)): the same server as hello."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).with_name("aiohttp_hello.py")), run_name="__main__")
