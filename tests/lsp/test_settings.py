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
