"""The operators digrun knows, by name: control flow here, I/O operators in `_io.py`."""

from __future__ import annotations

from digrun.operator import Operator
from digrun.operators import (
    call,
    echo,
    fail,
    for_each,
    for_range,
    if_,
    loop,
    notify,
    require,
    wait,
)
from digrun.operators._io import IO_OPERATORS

CONTROL_OPERATORS: tuple[Operator, ...] = (
    call.OPERATOR,
    echo.OPERATOR,
    fail.OPERATOR,
    for_each.OPERATOR,
    for_range.OPERATOR,
    if_.OPERATOR,
    loop.OPERATOR,
    notify.OPERATOR,
    require.OPERATOR,
    wait.OPERATOR,
)


def operators() -> dict[str, Operator]:
    """Every operator by name."""
    return {op.name: op for op in (*CONTROL_OPERATORS, *IO_OPERATORS)}
