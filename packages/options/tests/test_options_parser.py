"""Tests for defining options, reading them and parsing the command line."""

from __future__ import annotations

import sys

import pytest
from tornado import options as options_module
from tornado.options import Error, OptionParser


def test_define_and_read_defaults(parser: OptionParser) -> None:
    parser.define("port", default=8888, type=int, help="port")
    parser.define("name")
    assert parser.port == 8888
    assert parser["port"] == 8888
    assert parser.name is None


def test_container_protocol(parser: OptionParser) -> None:
    parser.define("port", default=1, group="server")
    parser.define("host", default="h", group="server")
    parser.define("debug", default=False, group="app")
    assert "port" in parser
    assert "nope" not in parser
    assert 5 not in parser
    assert set(parser) == {"help", "port", "host", "debug"}
    assert len(parser) == 4
    assert ("port", 1) in parser.items()
    assert parser.as_dict() == {"help": None, "port": 1, "host": "h", "debug": False}
    assert parser.group_dict("server") == {"port": 1, "host": "h"}
    assert parser.group_dict("app") == {"debug": False}
    assert {"server", "app"} <= parser.groups()


def test_unknown_names(parser: OptionParser) -> None:
    with pytest.raises(AttributeError, match="nope"):
        parser.nope  # noqa: B018
    with pytest.raises(KeyError):
        parser["nope"]
    with pytest.raises(Error, match="nope"):
        parser.nope = 3
    with pytest.raises(Error, match="nope"):
        parser["nope"] = 3


def test_dash_and_underscore_are_interchangeable(parser: OptionParser) -> None:
    parser.define("log_file", default="a")
    parser.define("max-conns", default=1)
    assert parser["log-file"] == "a"
    assert parser.max_conns == 1
    assert "max_conns" in parser
    parser.parse_command_line(["prog", "--log-file=b", "--max_conns=5"])
    assert parser.log_file == "b"
    assert parser["max-conns"] == 5
    assert set(parser) == {"help", "log_file", "max-conns"}


def test_set_by_attribute_and_item_checks_type(parser: OptionParser) -> None:
    parser.define("port", default=1)
    parser.port = 2
    assert parser.port == 2
    parser["port"] = 3
    assert parser.port == 3
    with pytest.raises(Error, match="'port'.*int.*str"):
        parser.port = "4"
    with pytest.raises(Error, match="'port'.*int.*bool"):
        parser.port = True


def test_group_defaults_to_defining_file(parser: OptionParser) -> None:
    parser.define("x", default=1)
    assert parser.group_dict(__file__) == {"x": 1}


def test_global_define_group_is_callers_file() -> None:
    options_module.define("test_options_global_group_probe", default=3)
    assert options_module.options.group_dict(__file__) == {"test_options_global_group_probe": 3}


def test_redefinition_is_an_error(parser: OptionParser) -> None:
    parser.define("port", default=1)
    with pytest.raises(Error, match="'port' already defined in .*test_options_parser.py"):
        parser.define("port", default=2)
    with pytest.raises(Error, match="already defined"):
        parser.define("help")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"default": "80", "type": int}, "'port' expects int, got str '80'.*default"),
        ({"default": 1.5, "type": int}, "'port' expects int, got float"),
        ({"default": 8, "type": str}, "'port' expects str, got int"),
        ({"default": 1, "multiple": True}, "'port' takes multiple values.*got int"),
        ({"default": [1, "2"], "multiple": True}, "'port' expects int, got str"),
        ({"type": "int"}, "'port': type must be a class"),
        ({"callback": 5}, "'port': callback must be callable"),
    ],
)
def test_bad_definitions(parser: OptionParser, kwargs: dict, message: str) -> None:
    with pytest.raises(Error, match=message):
        parser.define("port", **kwargs)
    assert "port" not in parser


@pytest.mark.parametrize("name", ["", "-x", "a=b", "_private", 5])
def test_bad_names(parser: OptionParser, name: object) -> None:
    with pytest.raises(Error, match="Option name"):
        parser.define(name)  # type: ignore[arg-type]


def test_type_inference(parser: OptionParser) -> None:
    parser.define("a", default=1)
    parser.define("b", default=1.5)
    parser.define("c", default=[2, 3], multiple=True)
    parser.define("d")
    parser.define("e", multiple=True)
    parser.parse_command_line(["prog", "--a=7", "--b=2", "--c=4,5", "--d=x", "--e=p,q"])
    assert parser.as_dict() == {"help": None, "a": 7, "b": 2.0, "c": [4, 5], "d": "x", "e": ["p", "q"]}


def test_float_accepts_int_default(parser: OptionParser) -> None:
    parser.define("ratio", default=1, type=float)
    assert parser.ratio == 1.0
    assert isinstance(parser.ratio, float)


def test_multiple_default_is_not_shared(parser: OptionParser) -> None:
    default = [1, 2]
    parser.define("ports", default=default, multiple=True)
    parser.ports.append(3)
    assert default == [1, 2]


# -- command line ---------------------------------------------------------------


def test_returns_remaining_positional_args(parser: OptionParser) -> None:
    parser.define("port", default=1)
    rest = parser.parse_command_line(["prog", "--port=2", "file1", "--port=3", "file2"])
    assert rest == ["file1", "--port=3", "file2"]
    assert parser.port == 2


def test_double_dash_ends_options(parser: OptionParser) -> None:
    parser.define("port", default=1)
    assert parser.parse_command_line(["prog", "--port=2", "--", "--port=3"]) == ["--port=3"]
    assert parser.port == 2
    assert parser.parse_command_line(["prog", "-", "x"]) == ["-", "x"]
    assert parser.parse_command_line(["prog"]) == []


def test_single_dash_prefix_works(parser: OptionParser) -> None:
    parser.define("port", default=1)
    parser.parse_command_line(["prog", "-port=9"])
    assert parser.port == 9


def test_defaults_to_sys_argv(parser: OptionParser, monkeypatch: pytest.MonkeyPatch) -> None:
    parser.define("port", default=1)
    monkeypatch.setattr(sys, "argv", ["prog", "--port=42", "rest"])
    assert parser.parse_command_line() == ["rest"]
    assert parser.port == 42


def test_args_must_be_a_list_of_str(parser: OptionParser) -> None:
    with pytest.raises(TypeError, match="list of str"):
        parser.parse_command_line("--port=1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of str"):
        parser.parse_command_line(["prog", 1])  # type: ignore[list-item]


def test_bool_flag_alone_means_true(parser: OptionParser) -> None:
    parser.define("debug", default=False)
    parser.parse_command_line(["prog", "--debug"])
    assert parser.debug is True
    parser.parse_command_line(["prog", "--debug=no"])
    assert parser.debug is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("1", True),
        ("Yes", True),
        ("on", True),
        ("False", False),
        ("0", False),
        ("off", False),
    ],
)
def test_bool_spellings(parser: OptionParser, text: str, value: bool) -> None:
    parser.define("debug", type=bool)
    parser.parse_command_line(["prog", f"--debug={text}"])
    assert parser.debug is value


def test_bad_bool(parser: OptionParser) -> None:
    parser.define("debug", type=bool)
    with pytest.raises(Error, match="'debug': bad bool value 'maybe'"):
        parser.parse_command_line(["prog", "--debug=maybe"])


def test_value_required_for_non_bool(parser: OptionParser) -> None:
    parser.define("port", default=1)
    with pytest.raises(Error, match="'port' requires a value: use --port=VALUE"):
        parser.parse_command_line(["prog", "--port", "80"])


def test_unknown_option(parser: OptionParser) -> None:
    with pytest.raises(Error, match="Unrecognized command line option: 'nope'"):
        parser.parse_command_line(["prog", "--nope=1"])


def test_bad_int_value(parser: OptionParser) -> None:
    parser.define("port", default=80)
    with pytest.raises(Error, match="'port': bad int value 'abc'"):
        parser.parse_command_line(["prog", "--port=abc"])
    assert parser.port == 80


def test_float_and_str(parser: OptionParser) -> None:
    parser.define("ratio", type=float)
    parser.define("name", type=str)
    parser.parse_command_line(["prog", "--ratio=0.25", "--name=a=b c"])
    assert parser.ratio == 0.25
    assert parser.name == "a=b c"
    with pytest.raises(Error, match="'ratio': bad float value"):
        parser.parse_command_line(["prog", "--ratio=x"])


def test_custom_type_constructed_from_string(parser: OptionParser) -> None:
    class Path(str):
        pass

    parser.define("root", type=Path)
    parser.parse_command_line(["prog", "--root=/srv"])
    assert type(parser.root) is Path
    assert parser.root == "/srv"


# -- multiple -------------------------------------------------------------------


def test_multiple_comma_list_and_ranges(parser: OptionParser) -> None:
    parser.define("ports", type=int, multiple=True)
    parser.define("names", type=str, multiple=True)
    parser.parse_command_line(["prog", "--ports=80, 8000:8002,9000", "--names=a,b , c"])
    assert parser.ports == [80, 8000, 8001, 8002, 9000]
    assert parser.names == ["a", "b", "c"]
    parser.parse_command_line(["prog", "--ports="])
    assert parser.ports == []


def test_multiple_errors(parser: OptionParser) -> None:
    parser.define("ports", type=int, multiple=True)
    with pytest.raises(Error, match="'ports'.*backwards"):
        parser.parse_command_line(["prog", "--ports=5:3"])
    with pytest.raises(Error, match="'ports'.*'1,x'"):
        parser.parse_command_line(["prog", "--ports=1,x"])
    with pytest.raises(Error, match="requires a value"):
        parser.parse_command_line(["prog", "--ports"])


def test_multiple_floats_have_no_ranges(parser: OptionParser) -> None:
    parser.define("ratios", type=float, multiple=True)
    parser.parse_command_line(["prog", "--ratios=0.5,1"])
    assert parser.ratios == [0.5, 1.0]
    with pytest.raises(Error, match="'ratios'"):
        parser.parse_command_line(["prog", "--ratios=1:3"])


# -- callbacks ---------------------------------------------------------------------


def test_option_callback_runs_on_every_set(parser: OptionParser) -> None:
    seen: list[object] = []
    parser.define("port", default=1, callback=seen.append)
    assert seen == []
    parser.parse_command_line(["prog", "--port=2"])
    parser.port = 3
    parser["port"] = 4
    assert seen == [2, 3, 4]


def test_parse_callbacks_run_after_final_parse_only(parser: OptionParser) -> None:
    parser.define("port", default=1)
    seen: list[int] = []
    parser.add_parse_callback(lambda: seen.append(parser.port))
    parser.parse_command_line(["prog", "--port=2"], final=False)
    assert seen == []
    parser.parse_command_line(["prog", "--port=3"])
    assert seen == [3]
    parser.run_parse_callbacks()
    assert seen == [3, 3]


def test_add_parse_callback_needs_callable(parser: OptionParser) -> None:
    with pytest.raises(TypeError, match="callable"):
        parser.add_parse_callback(5)  # type: ignore[arg-type]


# -- the global instance ---------------------------------------------------------------


def test_module_functions_use_the_global_parser(
    monkeypatch: pytest.MonkeyPatch, root_logger: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert isinstance(options_module.options, OptionParser)
    options_module.define("test_options_global_port", default=1, type=int, help="probe option")
    seen: list[int] = []
    options_module.add_parse_callback(lambda: seen.append(options_module.options.test_options_global_port))
    rest = options_module.parse_command_line(["prog", "--test_options_global_port=5", "--logging=none", "x"])
    assert rest == ["x"]
    assert options_module.options.test_options_global_port == 5
    assert seen == [5]
    options_module.print_help()
    assert "--test_options_global_port=INT" in capsys.readouterr().err
    # The global parser knows the logging options.
    assert "log_file_prefix" in options_module.options


# -- mockable() --------------------------------------------------------------------------


def test_mockable_lets_mock_patch_object_set_and_restore(parser: OptionParser) -> None:
    from unittest import mock

    parser.define("port", default=8888, type=int)
    mockable = parser.mockable()
    with mock.patch.object(mockable, "port", 9000):
        assert parser.port == 9000
        with mock.patch.object(mockable, "port", 9001):
            assert parser.port == 9001
        assert parser.port == 9000
    assert parser.port == 8888


def test_mockable_checks_names_and_types(parser: OptionParser) -> None:
    from unittest import mock

    parser.define("port", default=8888, type=int)
    with pytest.raises(AttributeError, match="nope"):
        with mock.patch.object(parser.mockable(), "nope", 1):
            pass
    with pytest.raises(Error, match="port"):
        parser.mockable().port = "not a number"
    assert parser.port == 8888
    with pytest.raises(AttributeError, match="not set through"):
        del parser.mockable().port
