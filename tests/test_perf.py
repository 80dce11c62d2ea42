"""`diglang.perf`: the faster frozen-dataclass `__init__` is the same constructor."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from diglang.expr import nodes as n
from diglang.nodes import Task
from diglang.perf import fast_init
from diglang.source import Span
from diglang.values import Mapping, Scalar, Template


@dataclass(frozen=True, slots=True, eq=False)
class _Plain:
    a: int
    b: str = "x"
    c: dict[str, int] = field(default_factory=dict, repr=False)
    d: int = field(default=3, init=False)
    e: int = field(default=4, kw_only=True)

    def __post_init__(self) -> None:
        self.c["seen"] = self.a


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class _Fast:
    a: int
    b: str = "x"
    c: dict[str, int] = field(default_factory=dict, repr=False)
    d: int = field(default=3, init=False)
    e: int = field(default=4, kw_only=True)

    def __post_init__(self) -> None:
        self.c["seen"] = self.a


def test_same_signature_defaults_factories_and_post_init() -> None:
    assert str(inspect.signature(_Fast)) == str(inspect.signature(_Plain))
    fast, plain = _Fast(1), _Plain(1)
    for name in ("a", "b", "c", "d", "e"):
        assert getattr(fast, name) == getattr(plain, name)
    assert _Fast(2, "y", e=5).e == 5
    assert _Fast(1).c is not _Fast(1).c  # a new dict each time
    given: dict[str, int] = {}
    assert _Fast(7, c=given).c is given and given == {"seen": 7}
    with pytest.raises(TypeError):
        _Fast()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Fast(1, "y", {}, 5)  # type: ignore[call-arg]


def test_instances_stay_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _Fast(1).a = 2  # type: ignore[misc]
    span = Span(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 0  # type: ignore[misc]
    assert span == Span(1, 2) and hash(span) == hash(Span(1, 2))


def test_tree_classes_construct_as_before() -> None:
    source_span = Span(0, 3)
    scalar = Scalar(source_span, None, "abc")  # type: ignore[arg-type]
    assert (scalar.style, scalar.tag) == ("plain", None)
    template = Template(source_span, None, "${a}", "double", None, ())  # type: ignore[arg-type]
    assert template.exprs == () and template.style == "double"
    mapping = Mapping(source_span, None, ())  # type: ignore[arg-type]
    assert mapping.flow is False and mapping.keys() == []
    ident = n.Identifier(Span(2, 3), "a")
    assert n.shift(ident, 10) == n.Identifier(Span(12, 13), "a")
    assert "retry" in inspect.signature(Task).parameters


def test_refuses_what_it_cannot_reproduce() -> None:
    @dataclass
    class Mutable:
        a: int

    with pytest.raises(TypeError):
        fast_init(Mutable)


def test_survivors_stay_frozen_for_servers_until_collected() -> None:
    import gc

    from diglang.perf import collect_frozen, gc_paused, keep_survivors_frozen

    gc.unfreeze()
    keep_survivors_frozen()
    try:
        with gc_paused():
            kept = [[i] for i in range(1000)]
        assert gc.get_freeze_count() >= len(kept)
        collect_frozen()  # a full collection, then frozen again
        assert gc.get_freeze_count() >= len(kept)
    finally:
        keep_survivors_frozen(False)
        gc.unfreeze()
    with gc_paused():
        kept = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0  # the default: survivors go to the oldest generation
