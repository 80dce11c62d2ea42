"""Client settings: the documented shape is read; anything else keeps the defaults."""

from __future__ import annotations

from diglsp.settings import Settings


def test_initialization_options_and_configuration_section() -> None:
    options = {
        "lint": {"select": ["unknown-operator"], "ignore": ["missing-file"], "debounceMs": 40},
        "inlayHints": {"schedule": False, "values": True},
    }
    for data in (options, {"digdag": options}):
        settings = Settings.parse(data)
        assert settings.select == ["unknown-operator"]
        assert settings.ignore == ["missing-file"]
        assert settings.debounce_ms == 40
        assert (settings.schedule_hints, settings.value_hints) == (False, True)
        config = settings.overrides()
        assert config is not None
        assert config.enabled("unknown-operator") and not config.enabled("missing-file")
        assert not config.enabled("undefined-variable")


def test_ill_typed_values_keep_defaults() -> None:
    default = Settings()
    for data in (
        None,
        42,
        [],
        {"lint": "x"},
        {"lint": {"select": "unknown-operator", "ignore": [1], "debounceMs": True}},
        {"lint": {"debounceMs": -5}},
        {"lint": {"debounceMs": 10**9}},
        {"inlayHints": {"schedule": "no"}},
        {"digdag": None},
    ):
        assert Settings.parse(data) == default, data
    assert default.overrides() is None  # the config files decide


def test_the_vscode_extension_declares_exactly_what_the_server_reads() -> None:
    import json
    from pathlib import Path

    package = Path(__file__).parents[2] / "vscode-extension" / "package.json"
    contributed = json.loads(package.read_text(encoding="utf-8"))["contributes"]["configuration"]
    sections = contributed if isinstance(contributed, list) else [contributed]
    declared = {k: v for s in sections for k, v in s["properties"].items()}
    # what the client only uses itself: how to start the server, and tracing
    server_side = {
        k.removeprefix("digdag."): v["default"]
        for k, v in declared.items()
        if not k.startswith(("digdag.server.", "digdag.trace."))
    }
    read = {
        "lint.select": "select",
        "lint.ignore": "ignore",
        "lint.debounceMs": "debounce_ms",
        "inlayHints.schedule": "schedule_hints",
        "inlayHints.values": "value_hints",
    }
    assert server_side.keys() == read.keys()
    defaults = Settings()
    for key, field in read.items():
        assert server_side[key] == getattr(defaults, field), key
    # and a value of each declared setting reaches the server
    section: dict = {}
    changed = {
        "select": ["x"], "ignore": ["y"], "debounceMs": 7, "schedule": False, "values": False
    }  # fmt: skip
    for key in read:
        group, name = key.split(".")
        section.setdefault(group, {})[name] = changed[name]
    settings = Settings.parse({"digdag": section})
    assert [getattr(settings, f) for f in read.values()] == [["x"], ["y"], 7, False, False]
