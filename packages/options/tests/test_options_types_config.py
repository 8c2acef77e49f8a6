"""Tests for datetime/timedelta values, config files and --help output."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from tornado.options import Error, OptionParser

# -- datetime / timedelta -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-09-10 14:30:05", datetime.datetime(2010, 9, 10, 14, 30, 5)),
        ("2010-09-10T14:30", datetime.datetime(2010, 9, 10, 14, 30)),
        ("2010-09-10", datetime.datetime(2010, 9, 10)),
        ("20100910", datetime.datetime(2010, 9, 10)),
        ("20100910 14:30:05", datetime.datetime(2010, 9, 10, 14, 30, 5)),
        ("Fri Sep 10 14:30:05 2010", datetime.datetime(2010, 9, 10, 14, 30, 5)),
        ("10 Sep 2010", datetime.datetime(2010, 9, 10)),
        ("14:30", datetime.datetime(1900, 1, 1, 14, 30)),
    ],
)
def test_datetime_formats(parser: OptionParser, text: str, expected: datetime.datetime) -> None:
    parser.define("when", type=datetime.datetime)
    parser.parse_command_line(["prog", f"--when={text}"])
    assert parser.when == expected


def test_datetime_with_offset(parser: OptionParser) -> None:
    parser.define("when", type=datetime.datetime)
    parser.parse_command_line(["prog", "--when=2010-09-10T14:30:00+02:00"])
    assert parser.when.utcoffset() == datetime.timedelta(hours=2)


def test_bad_datetime(parser: OptionParser) -> None:
    parser.define("when", type=datetime.datetime)
    with pytest.raises(Error, match="'when': bad datetime value 'next tuesday'"):
        parser.parse_command_line(["prog", "--when=next tuesday"])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5s", 5),
        ("5", 5),
        ("2h", 7200),
        ("1.5 minutes", 90),
        ("1h 30m", 5400),
        ("1d,2h", 93600),
        ("250ms", 0.25),
        ("1 week", 604800),
        (".5 hours", 1800),
        ("-3 sec", -3),
        ("10 us", 0.00001),
    ],
)
def test_timedelta_forms(parser: OptionParser, text: str, seconds: float) -> None:
    parser.define("delay", type=datetime.timedelta)
    parser.parse_command_line(["prog", f"--delay={text}"])
    assert parser.delay == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5 parsecs", "h", "5s!", "1..2s"])
def test_bad_timedelta(parser: OptionParser, text: str) -> None:
    parser.define("delay", type=datetime.timedelta)
    with pytest.raises(Error, match="'delay': bad timedelta value"):
        parser.parse_command_line(["prog", f"--delay={text}"])


def test_timedelta_default_type_checked(parser: OptionParser) -> None:
    parser.define("delay", default=datetime.timedelta(seconds=1))
    assert parser.delay == datetime.timedelta(seconds=1)
    with pytest.raises(Error, match="'other' expects timedelta, got int"):
        parser.define("other", default=5, type=datetime.timedelta)


def test_multiple_timedeltas(parser: OptionParser) -> None:
    parser.define("delays", type=datetime.timedelta, multiple=True)
    parser.parse_command_line(["prog", "--delays=1s,2m"])
    assert parser.delays == [datetime.timedelta(seconds=1), datetime.timedelta(minutes=2)]


# -- config files -------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "server.conf"
    path.write_text(text)
    return path


def test_config_file_sets_defined_options(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    parser.define("debug", default=False)
    parser.define("ports", type=int, multiple=True)
    parser.define("delay", type=datetime.timedelta)
    parser.define("name", type=str)
    parser.define("log_file", type=str)
    path = _write(
        tmp_path,
        "import os\n"
        "port = 8000\n"
        "debug = True\n"
        "ports = [1, 2]\n"
        "delay = '2h'\n"
        "name = '1:3'\n"
        "log_file = os.path.join(os.path.dirname(__file__), 'x.log')\n",
    )
    parser.parse_config_file(path)
    assert parser.port == 8000
    assert parser.debug is True
    assert parser.ports == [1, 2]
    assert parser.delay == datetime.timedelta(hours=2)
    assert parser.name == "1:3"
    assert parser.log_file == str(tmp_path / "x.log")


def test_config_file_strings_are_parsed_like_the_command_line(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    parser.define("ports", type=int, multiple=True)
    parser.parse_config_file(_write(tmp_path, "port = '81'\nports = '1:3'\n"))
    assert parser.port == 81
    assert parser.ports == [1, 2, 3]


def test_config_file_ignores_unknown_names_by_default(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    parser.parse_config_file(_write(tmp_path, "base = '/srv'\nport = 2\n"))
    assert parser.port == 2
    assert "base" not in parser


def test_config_file_strict_rejects_unknown_names(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    path = _write(tmp_path, "import os\ndef helper(): pass\nclass K: pass\n_private = 1\nprot = 2\n")
    with pytest.raises(Error, match="Unrecognized option 'prot' in config file"):
        parser.parse_config_file(path, strict=True)
    parser.parse_config_file(_write(tmp_path, "import os\ndef helper(): pass\nport = 3\n"), strict=True)
    assert parser.port == 3


def test_config_file_wrong_value_type(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    with pytest.raises(Error, match="'port' expects int, got float.*in config file"):
        parser.parse_config_file(_write(tmp_path, "port = 1.5\n"))
    with pytest.raises(Error, match="'port': bad int value 'abc'.*in config file"):
        parser.parse_config_file(_write(tmp_path, "port = 'abc'\n"))


def test_config_file_missing(parser: OptionParser, tmp_path: Path) -> None:
    with pytest.raises(Error, match="Cannot read config file .*missing.conf"):
        parser.parse_config_file(tmp_path / "missing.conf")


def test_config_file_runs_callbacks(parser: OptionParser, tmp_path: Path) -> None:
    seen: list[object] = []
    parser.define("port", default=1, callback=seen.append)
    parser.add_parse_callback(lambda: seen.append("parsed"))
    path = _write(tmp_path, "port = 2\n")
    parser.parse_config_file(path, final=False)
    assert seen == [2]
    parser.parse_config_file(str(path))
    assert seen == [2, 2, "parsed"]


def test_config_then_command_line_overrides(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1)
    parser.define("host", default="a")
    parser.parse_config_file(_write(tmp_path, "port = 2\nhost = 'b'\n"), final=False)
    parser.parse_command_line(["prog", "--port=3"])
    assert (parser.port, parser.host) == (3, "b")


# -- help ----------------------------------------------------------------------


def test_print_help_groups_and_describes_options(
    parser: OptionParser, capsys: pytest.CaptureFixture[str]
) -> None:
    parser.define("port", default=8888, help="run on the given port")
    parser.define("ports", type=int, multiple=True, help="more ports")
    parser.define("debug", default=False, help="debug mode")
    parser.define("mysql_host", default="127.0.0.1:3306", metavar="HOST:PORT", help="db", group="database")
    parser.print_help()
    err = capsys.readouterr().err
    assert err.startswith("Usage: ")
    assert "database options:" in err
    assert "test_options_types_config.py options:" in err
    assert err.index("database options:") < err.index("--mysql_host=HOST:PORT")
    assert "--port=INT" in err
    assert "run on the given port (default 8888)" in err
    assert "--ports=INT,..." in err
    assert "--debug " in err and "--debug=" not in err
    assert "--help" in err
    # Each option is listed under its own group heading.
    heading = ""
    under: dict[str, str] = {}
    for line in err.splitlines():
        if line.endswith(" options:"):
            heading = line
        elif line.strip().startswith("--"):
            under[line.split()[0].split("=")[0]] = heading
    assert under["--mysql_host"] == "database options:"
    assert under["--port"] == under["--debug"]
    assert under["--port"].endswith("test_options_types_config.py options:")


def test_print_help_to_a_file(parser: OptionParser, tmp_path: Path) -> None:
    parser.define("port", default=1, help="the port")
    with open(tmp_path / "help.txt", "w") as f:
        parser.print_help(f)
    assert "the port" in (tmp_path / "help.txt").read_text()


def test_help_flag_prints_and_exits(parser: OptionParser, capsys: pytest.CaptureFixture[str]) -> None:
    parser.define("port", default=1, help="the port")
    with pytest.raises(SystemExit) as exc:
        parser.parse_command_line(["prog", "--help"])
    assert exc.value.code == 0
    assert "the port" in capsys.readouterr().err
