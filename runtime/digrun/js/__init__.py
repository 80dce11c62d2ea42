"""digrun.js: the `${...}` evaluation of Digdag, with JavaScript's exact semantics, sandboxed.

`render(text, params, timezone=...)` is what Digdag does with a string containing `$`: scan
it for `${...}` (see `digrun.js.template`), evaluate each expression as JavaScript over the
parameters and write the values into the text. The parameters are the variables object of
Digdag's `with (this) {...}` block: they shadow the JavaScript globals (`Math`, `JSON`,
`moment`, ...). `timezone` is the workflow time zone: the JavaScript default zone, so
`moment(session_time).format()` and `new Date(...)` use it (with daylight saving time).

What an expression can use: ECMAScript 5 expressions and function expressions over the
parameters; the built-ins of `digrun.js.builtins` (strings, arrays, numbers, `Math`, `JSON`,
the Java String methods Digdag's engine exposes such as `replaceAll`), `Date`
(`digrun.js.dates`) and Moment.js 2.21.0 without moment-timezone (`digrun.js.moment`).

Errors raise `EvalError`, whose message is Digdag's:
`Failed to evaluate a variable <the whole text> (ReferenceError: "foo" is not defined)` —
the engine's error class and message (`TypeError: Cannot read property "b" from undefined`,
`SyntaxError: ...`). Something digrun does not implement is an `EvalError` too, naming it:
`Failed to evaluate a variable ${s.includes('a')} (digrun does not implement the string
method `includes`)` — never a value that might differ from Digdag's.

Sandbox: an expression reaches no file, network, process or Python object; only the values
above. Work is bounded (evaluation steps, call depth, string and array sizes): an expression
that exceeds a bound fails with an `EvalError` instead of hanging or exhausting memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diglang.expr.parse import parse_expression
from digrun.js.interp import Env, Interp
from digrun.js.template import render_value, scan, syntax_problem
from digrun.js.values import (
    JSObject,
    JSThrow,
    Unsupported,
    Value,
    from_js,
    py_string,
    to_js,
)

__all__ = ["EvalError", "evaluate", "from_js", "render", "to_js"]


class EvalError(Exception):
    """A template failed: `message` is Digdag's text for it.

    `error` is the JavaScript error class (`ReferenceError`, `TypeError`, `SyntaxError`,
    `RangeError`, ...), None when digrun does not implement what the expression uses, or
    `InternalError` for a bug in digrun; `detail` is the part in parentheses.
    """

    def __init__(self, text: str, error: str | None, detail: str) -> None:
        self.text = text
        self.error = error
        self.detail = detail
        self.message = f"Failed to evaluate a variable {text} ({detail})"
        super().__init__(self.message)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise EvalError("", None, f"unknown time zone `{timezone}`") from None


def _variables(params: Mapping[str, Any]) -> JSObject:
    value = to_js(params)
    assert isinstance(value, JSObject)
    return value


def render(
    text: str, params: Mapping[str, Any], *, timezone: str, now: datetime | None = None
) -> str:
    """`text` with every `${...}` replaced by its value, as Digdag renders it.

    `params` are JSON-like values (the evaluated parameters); `now` fixes the clock of
    `moment()`/`new Date()` (an aware datetime; default: the real time). Raises `EvalError`.
    """
    if "${" not in text:
        return text.replace("$$", "$")
    parts = scan(text)
    for part in parts:
        if part.expr:
            problem = syntax_problem(part.text)
            if problem is not None:
                if problem == "expression is nested too deeply":
                    raise EvalError(text, None, f"digrun does not implement {problem}")
                raise EvalError(text, "SyntaxError", f"SyntaxError: {problem}")
    if not any(part.expr for part in parts):
        return "".join(part.text for part in parts)
    env = Env(_zone(timezone), timezone, now)
    interp = Interp(_variables(params), env)
    out: list[str] = []
    for part in parts:
        if not part.expr:
            out.append(part.text)
            continue
        node = parse_expression(part.text).node
        assert node is not None
        value = _run(text, interp, node)
        out.append(_guard(text, lambda value=value: render_value(interp, value)))
    return py_string("".join(out))


def evaluate(
    expression: str,
    params: Mapping[str, Any],
    *,
    timezone: str,
    now: datetime | None = None,
) -> Any:
    """The value of one expression as JSON-like data (`from_js`); raises `EvalError`."""
    problem = syntax_problem(expression)
    if problem is not None:
        raise EvalError(expression, "SyntaxError", f"SyntaxError: {problem}")
    node = parse_expression(expression).node
    assert node is not None
    interp = Interp(_variables(params), Env(_zone(timezone), timezone, now))
    value = _run(expression, interp, node)
    return _guard(expression, lambda: from_js(value))


def _run(text: str, interp: Interp, node: Any) -> Value:
    value: Value = _guard(text, lambda: interp.eval(node, None))
    return value


def _guard(text: str, action: Any) -> Any:
    try:
        return action()
    except JSThrow as exc:
        raise EvalError(text, exc.name, f"{exc.name}: {py_string(exc.message)}") from None
    except Unsupported as exc:
        raise EvalError(text, None, f"digrun does not implement {exc}") from None
    except RecursionError:
        detail = "RangeError: Maximum call stack size exceeded"
        raise EvalError(text, "RangeError", detail) from None
    except MemoryError:
        raise EvalError(text, None, "digrun ran out of memory evaluating it") from None
    except (ArithmeticError, LookupError, ValueError, TypeError, AttributeError) as exc:
        # a bug in digrun, not in the expression: still an EvalError, never a traceback
        detail = f"internal error in digrun's JavaScript evaluator ({exc!r}); please report it"
        raise EvalError(text, "InternalError", detail) from None
