"""Keep the cyclic garbage collector out of bulk work.

Parsing and linting allocate hundreds of thousands of small objects and free almost none of
them: every allocation threshold crossed makes the collector walk the whole young (and now
and then the old) heap, which costs more than the work itself on a 10,000-line file (measured:
a parse of 0.13 s took 0.3-0.6 s with the collector on). The trees hold no reference cycles
that need collecting during the work, so the collector is paused for its duration, and what
the work leaves alive goes to the oldest generation, which is only walked by the rare full
collections.

`fast_init` makes building the frozen dataclasses of those trees (spans, values, tasks,
expression nodes) cheaper without changing what they are.
"""

from __future__ import annotations

import dataclasses
import gc
import inspect
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


_keep_frozen = False


def keep_survivors_frozen(enabled: bool = True) -> None:
    """For long-lived processes: what a paused block leaves alive stays in the permanent
    generation, which no collection walks (not even a full one).

    A server's heap is mostly its current trees; a full collection walks all of them for
    nothing (130 ms at 10,000 lines, measured in the middle of a keystroke). Acyclic trees are
    still freed by reference counting when replaced; the owner collects the rare cycles among
    frozen objects with `collect_frozen()` when it is idle.
    """
    global _keep_frozen
    _keep_frozen = enabled


def collect_frozen() -> None:
    """A full collection that includes the frozen objects, which are frozen again after."""
    gc.unfreeze()
    gc.collect()
    if _keep_frozen:
        gc.freeze()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the collector for the block (nested uses keep it paused until the outermost).

    What the block leaves alive goes straight to the oldest generation (`freeze` then
    `unfreeze` moves every tracked object there without walking any): otherwise the first
    allocation after the block would walk all of it as young objects, and the next
    collections again on the way up (about 10 ms for a 10,000-line file, each time). With
    `keep_survivors_frozen`, it stays in the permanent generation instead.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if not _keep_frozen:
            gc.unfreeze()
        gc.enable()


def without_gc(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate `function` to run with the collector paused."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return run


T = TypeVar("T")


class _Factory:
    """The default of a parameter whose field has a default factory (shown as dataclass does)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def fast_init(cls: type[T]) -> type[T]:
    """Give a frozen, slotted dataclass a faster `__init__` with the same signature.

    The `__init__` that `dataclass` writes for a frozen class stores each field with
    `object.__setattr__(self, name, value)` to get past the frozen `__setattr__`: about three
    times the cost of the class's own slot store, and a parse builds hundreds of thousands of
    nodes. This one calls each slot's descriptor directly; defaults, default factories and
    `__post_init__` behave as before, and instances are the same (frozen) objects.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not params.init or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} is not a frozen, slotted dataclass with an __init__")
    expected = inspect.signature(cls.__init__)
    namespace: dict[str, object] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for i, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        setter = f"_set_{i}"
        namespace[setter] = _slot(cls, f.name).__set__
        value = f.name
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{i}"] = f.default_factory
            if f.init:
                body.append(f"    if {value} is _FACTORY: {value} = _factory_{i}()")
            else:
                value = f"_factory_{i}()"
        elif not f.init:
            if f.default is dataclasses.MISSING:
                continue
            namespace[f"_default_{i}"] = f.default
            value = f"_default_{i}"
        body.append(f"    {setter}(self, {value})")
        if not f.init:
            continue
        param = f.name
        if f.default_factory is not dataclasses.MISSING:
            param += "=_FACTORY"
        elif f.default is not dataclasses.MISSING:
            namespace[f"_default_{i}"] = f.default
            param += f"=_default_{i}"
        (keyword if f.kw_only else positional).append(param)
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    args = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({args}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, namespace)  # our own text, built from the class's fields
    init = namespace["__init__"]
    assert isinstance(init, types.FunctionType)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = dict(getattr(cls.__init__, "__annotations__", {}))
    if _shape(inspect.signature(init)) != _shape(expected):
        raise TypeError(f"{cls.__name__}: cannot reproduce the dataclass __init__ signature")
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _slot(cls: type, name: str) -> types.MemberDescriptorType:
    for klass in cls.__mro__:
        found = vars(klass).get(name)
        if isinstance(found, types.MemberDescriptorType):
            return found
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


def _shape(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults of a signature (every default factory compares equal)."""
    found: list[tuple[str, object, object]] = []
    for p in signature.parameters.values():
        default = "<factory>" if repr(p.default) == "<factory>" else p.default
        found.append((p.name, p.kind, default))
    return found
