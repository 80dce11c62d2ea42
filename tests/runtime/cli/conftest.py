"""Fixtures of the `digrun` command tests (see `cli_helpers.py`)."""

from .cli_helpers import cli_env, project

__all__ = ["cli_env", "project"]
