"""The evaluator: diglang expression nodes run with ECMAScript 5 semantics, sandboxed.

`Interp(this_object, env)` evaluates the expressions of one template (Digdag compiles a whole
string into one function, so an assignment in one `${...}` is seen by the next ones). Names
resolve as in Digdag's `with (this) {...}` block: function scopes, then the variables object
(its own keys, then what every object inherits: `hasOwnProperty`, `toString`, ...), then
the names assigned during this template, then the globals (`builtins.GLOBALS`).

Limits, so that no expression can hang or exhaust memory: `MAX_STEPS` evaluation steps per
template, `MAX_DEPTH` nested function calls (a `RangeError` like the engine's stack
overflow), strings up to `values.MAX_STRING` characters and arrays up to `MAX_ARRAY`
elements. Nothing here can reach files, the network or the host: the only values an
expression sees are the parameters and the built-ins implemented in this package.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from diglang.expr import nodes as n
from diglang.expr.evaluate import number_to_string
from digrun.js.values import (
    INDEX,
    UNDEFINED,
    ArrayExtra,
    Function,
    JSArray,
    JSObject,
    JSThrow,
    Obj,
    Undefined,
    Unsupported,
    Value,
    checked,
    is_object,
    js_string,
    to_int32,
    to_number,
    to_primitive,
    to_string,
    to_uint32,
    truthy,
    type_of,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["MAX_ARRAY", "MAX_DEPTH", "MAX_STEPS", "Closure", "Env", "Interp", "Scope"]

MAX_STEPS = 1_000_000
MAX_DEPTH = 200
MAX_ARRAY = 10_000_000

if sys.getrecursionlimit() < 8000:
    sys.setrecursionlimit(8000)  # MAX_DEPTH nested JavaScript calls need ~20 frames each


@dataclass
class Env:
    """What the runtime environment provides: the workflow time zone and the clock."""

    zone: ZoneInfo
    zone_name: str
    now: datetime | None = None  # aware; None = the real clock, read when first needed
    _now_ms: float | None = field(default=None, repr=False)

    def now_ms(self) -> float:
        """Milliseconds since the epoch, fixed for the whole template."""
        if self._now_ms is None:
            if self.now is None:
                import time

                self._now_ms = float(time.time_ns() // 1_000_000)
            else:
                self._now_ms = float(round(self.now.timestamp() * 1000))
        return self._now_ms


class Scope:
    """A function's variables; `this` is the function's `this` value."""

    __slots__ = ("parent", "this", "vars")

    def __init__(self, vars: dict[str, Value], parent: Scope | None, this: Value) -> None:
        self.vars = vars
        self.parent = parent
        self.this = this


class _Global:
    """`this` of a plain function call: the global object (not modelled)."""


GLOBAL_THIS = _Global()
# Names the code Digdag generates around the expressions declares or leaks: `var __t, __p,
# __j, print` and `arguments` in the template function; `m`, `all`, `match` are globals
# assigned by `template()`'s scanner.
_TEMPLATE_LOCALS = frozenset({"__t", "__p", "__j", "print", "arguments"})
_LEAKED_GLOBALS = frozenset({"m", "all", "match"})


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        self.value = value


class Closure(Function):
    """A function expression with the scope it was created in."""

    __slots__ = ("node", "scope")

    def __init__(self, node: n.FunctionExpr, scope: Scope | None) -> None:
        super().__init__(node.name.name if node.name else "")
        self.node = node
        self.scope = scope

    def call(self, interp: Interp, this: Value, args: list[Value]) -> Value:
        return interp.call_closure(self, this, args)

    def construct(self, interp: Interp, args: list[Value]) -> Value:
        raise Unsupported("`new` with a function expression")


class Arguments(Obj):
    """A function's `arguments` object (read-only here)."""

    __slots__ = ("items",)
    class_name = "Arguments"

    def __init__(self, items: list[Value]) -> None:
        self.items = items

    def get(self, key: str) -> Value:
        if key == "length":
            return float(len(self.items))
        if INDEX.fullmatch(key):
            i = int(key)
            return self.items[i] if i < len(self.items) else UNDEFINED
        return super().get(key)

    def keys(self) -> list[str]:
        return [str(i) for i in range(len(self.items))]

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        return "[object Arguments]"


def describe(node: n.Expr) -> str:
    """How the engine names a callee in `... is not a function` (best effort)."""
    if isinstance(node, n.Identifier):
        return node.name
    if isinstance(node, n.Member):
        return f"{describe(node.object)}.{node.property.name}"
    if isinstance(node, n.This):
        return "this"
    return "(intermediate value)"


class Interp:
    """Evaluates the expressions of one template over a variables object."""

    def __init__(self, this_object: JSObject, env: Env) -> None:
        from digrun.js.builtins import GLOBALS

        self.this_object = this_object
        self.env = env
        self.assigned: dict[str, Value] = {}
        self.globals = GLOBALS
        self.steps = 0
        self.depth = 0

    # ------------------------------------------------------------------ names

    def lookup(self, name: str, scope: Scope | None) -> tuple[Value, Value]:
        """(value, this for a call) of the identifier `name`."""
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name], UNDEFINED
            scope = scope.parent
        props = self.this_object.props
        if name in props:
            return props[name], self.this_object
        from digrun.js.builtins import OBJECT_PROTO

        if name in OBJECT_PROTO:
            return OBJECT_PROTO[name], self.this_object
        if name in _TEMPLATE_LOCALS:
            raise Unsupported(f"`{name}` (a variable of Digdag's template function)")
        if name in self.assigned:
            return self.assigned[name], UNDEFINED
        if name in self.globals:
            value = self.globals[name]
            if value is None:
                raise Unsupported(f"the global `{name}`")
            return value, UNDEFINED
        if name in _LEAKED_GLOBALS:
            raise Unsupported(f"`{name}` (a global leaked by Digdag's template scanner)")
        raise JSThrow("ReferenceError", f'"{name}" is not defined')

    def declared(self, name: str, scope: Scope | None) -> bool:
        try:
            self.lookup(name, scope)
        except JSThrow as exc:
            if exc.name == "ReferenceError":
                return False
            raise
        return True

    def assign_name(self, name: str, value: Value, scope: Scope | None) -> None:
        while scope is not None:
            if name in scope.vars:
                scope.vars[name] = value
                return
            scope = scope.parent
        from digrun.js.builtins import OBJECT_PROTO

        props = self.this_object.props
        if name in props or name in OBJECT_PROTO:
            props[name] = value
            return
        if name in _TEMPLATE_LOCALS or name in _LEAKED_GLOBALS:
            raise Unsupported(f"assigning `{name}`")
        if name in ("undefined", "NaN", "Infinity"):
            return  # read-only globals: the assignment is silently ignored
        self.assigned[name] = value

    # ------------------------------------------------------------- evaluation

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unsupported(f"an expression taking more than {MAX_STEPS:,} evaluation steps")

    def eval(self, node: n.Expr, scope: Scope | None) -> Value:
        """The value of `node`."""
        self.tick()
        kind = type(node)
        if kind is n.Identifier:
            assert isinstance(node, n.Identifier)
            return self.lookup(node.name, scope)[0]
        if kind is n.StringLit:
            assert isinstance(node, n.StringLit)
            return js_string(node.value)
        if kind is n.NumberLit:
            assert isinstance(node, n.NumberLit)
            return float(node.value)
        if kind is n.Member:
            assert isinstance(node, n.Member)
            return self.get(self.eval(node.object, scope), node.property.name)
        if kind is n.Call:
            assert isinstance(node, n.Call)
            return self._call(node, scope)
        if kind is n.Binary:
            assert isinstance(node, n.Binary)
            return self.binary(node.op, self.eval(node.left, scope), self.eval(node.right, scope))
        if kind is n.BooleanLit:
            assert isinstance(node, n.BooleanLit)
            return bool(node.value)
        if kind is n.NullLit:
            return None
        if kind is n.Logical:
            assert isinstance(node, n.Logical)
            left = self.eval(node.left, scope)
            if (node.op == "&&") == truthy(left):
                return self.eval(node.right, scope)
            return left
        if kind is n.Conditional:
            assert isinstance(node, n.Conditional)
            test = truthy(self.eval(node.test, scope))
            return self.eval(node.consequent if test else node.alternate, scope)
        if kind is n.Index:
            assert isinstance(node, n.Index)
            target = self.eval(node.object, scope)
            key = self.eval(node.index, scope)
            return self.get(target, self.key(key))
        if kind is n.Unary:
            assert isinstance(node, n.Unary)
            return self._unary(node, scope)
        if kind is n.ArrayLit:
            assert isinstance(node, n.ArrayLit)
            return JSArray([UNDEFINED if e is None else self.eval(e, scope) for e in node.elements])
        if kind is n.ObjectLit:
            assert isinstance(node, n.ObjectLit)
            return self._object(node, scope)
        if kind is n.Sequence:
            assert isinstance(node, n.Sequence)
            result: Value = UNDEFINED
            for expr in node.expressions:
                result = self.eval(expr, scope)
            return result
        if kind is n.This:
            this = scope.this if scope is not None else self.this_object
            if isinstance(this, _Global):
                raise Unsupported("`this` in a plain function call (the global object)")
            if not is_object(this):
                raise Unsupported("`this` of a primitive value (a wrapper object)")
            return this
        if kind is n.FunctionExpr:
            assert isinstance(node, n.FunctionExpr)
            return self._function(node, scope)
        if kind is n.RegexLit:
            assert isinstance(node, n.RegexLit)
            from digrun.js.regexp import RegExp

            return RegExp.create(node.pattern, node.flags)
        if kind is n.Assign:
            assert isinstance(node, n.Assign)
            return self._assign(node, scope)
        if kind is n.Update:
            assert isinstance(node, n.Update)
            return self._update(node, scope)
        if kind is n.New:
            assert isinstance(node, n.New)
            return self._new(node, scope)
        if kind is n.TemplateLit:
            raise JSThrow("SyntaxError", "template literals are not ECMAScript 5")
        raise Unsupported(f"the expression `{type(node).__name__}`")

    def key(self, value: Value) -> str:
        """A property key (ToString of the key value)."""
        if isinstance(value, str):
            return value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return number_to_string(value)
        return to_string(value, self)

    # ------------------------------------------------------------- properties

    def get(self, target: Value, key: str) -> Value:
        """`target[key]`."""
        from digrun.js.builtins import get_property

        return get_property(self, target, key)

    def put(self, target: Value, key: str, value: Value) -> None:
        """`target[key] = value`."""
        if target is None or isinstance(target, Undefined):
            what = "null" if target is None else "undefined"
            raise JSThrow("TypeError", f'Cannot set property "{key}" of {what}')
        if isinstance(target, JSObject):
            if key == "__proto__":
                raise Unsupported("assigning `__proto__`")
            target.props[key] = value
            return
        if isinstance(target, JSArray):
            if INDEX.fullmatch(key) and int(key) < 2**32 - 1:
                i = int(key)
                if i >= MAX_ARRAY:
                    raise Unsupported(f"an array longer than {MAX_ARRAY:,} elements")
                items = target.items
                if i >= len(items):
                    items.extend([UNDEFINED] * (i + 1 - len(items)))
                items[i] = value
                return
            if key == "length":
                length = to_number(value, self)
                if length != to_uint32(length) or length >= MAX_ARRAY:
                    raise JSThrow("RangeError", "Invalid array length")
                size = int(length)
                del target.items[size:]
                target.items.extend([UNDEFINED] * (size - len(target.items)))
                return
            if isinstance(target, ArrayExtra):
                target.extra[key] = value
                return
            raise Unsupported("a named property on an array")
        if isinstance(target, Obj):
            target.put(key, value)
            return
        # primitives: the assignment goes to a temporary wrapper and is lost

    # ------------------------------------------------------------------ calls

    def _reference(self, node: n.Member | n.Index, scope: Scope | None) -> tuple[Value, str]:
        """The object and the property key that `a.b` or `a[b]` names (`b` evaluated second)."""
        obj = self.eval(node.object, scope)
        if isinstance(node, n.Member):
            return obj, node.property.name
        return obj, self.key(self.eval(node.index, scope))

    def _call(self, node: n.Call, scope: Scope | None) -> Value:
        callee = node.callee
        this: Value
        if isinstance(callee, n.Member | n.Index):
            target, key = self._reference(callee, scope)
            function = self.get(target, key)
            this = target
        elif isinstance(callee, n.Identifier):
            function, this = self.lookup(callee.name, scope)
        else:
            function = self.eval(callee, scope)
            this = UNDEFINED
        args = [self.eval(arg, scope) for arg in node.arguments]
        if not isinstance(function, Function):
            raise JSThrow("TypeError", f"{describe(callee)} is not a function")
        return self.call(function, this, args)

    def call(self, function: Function, this: Value, args: list[Value]) -> Value:
        """Call `function` (any function: built-in or closure)."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise JSThrow("RangeError", "Maximum call stack size exceeded")
            return function.call(self, this, args)
        finally:
            self.depth -= 1

    def _new(self, node: n.New, scope: Scope | None) -> Value:
        constructor = self.eval(node.callee, scope)
        args = [self.eval(arg, scope) for arg in node.arguments or ()]
        if not isinstance(constructor, Function):
            raise JSThrow("TypeError", f"{describe(node.callee)} is not a constructor function")
        return constructor.construct(self, args)

    def _function(self, node: n.FunctionExpr, scope: Scope | None) -> Closure:
        if node.name is None:
            return Closure(node, scope)
        # a named function expression sees its own name
        own = Scope({}, scope, scope.this if scope is not None else self.this_object)
        closure = Closure(node, own)
        own.vars[node.name.name] = closure
        return closure

    def call_closure(self, closure: Closure, this: Value, args: list[Value]) -> Value:
        node = closure.node
        if this is None or isinstance(this, Undefined):
            this = GLOBAL_THIS  # type: ignore[assignment]
        variables: dict[str, Value] = {"arguments": Arguments(args)}
        for i, param in enumerate(node.params):
            variables[param.name] = args[i] if i < len(args) else UNDEFINED
        scope = Scope(variables, closure.scope, this)
        _hoist(node.body, scope, self)
        try:
            for statement in node.body:
                self._statement(statement, scope)
        except _Return as ret:
            return ret.value
        return UNDEFINED

    def _statement(self, statement: n.Statement, scope: Scope) -> None:
        if isinstance(statement, n.Return):
            value = UNDEFINED if statement.value is None else self.eval(statement.value, scope)
            raise _Return(value)
        if isinstance(statement, n.VarDecl):
            for decl in statement.declarations:
                if decl.init is not None:
                    scope.vars[decl.name.name] = self.eval(decl.init, scope)
            return
        if isinstance(statement, n.ExprStatement):
            expr = statement.expression
            if _is_declaration(statement):
                return  # hoisted
            self.eval(expr, scope)
            return
        raise Unsupported(f"the statement `{type(statement).__name__}`")

    # -------------------------------------------------------------- operators

    def binary(self, op: str, left: Value, right: Value) -> Value:
        """`left op right` for the binary (non-logical) operators."""
        if op == "+":
            return self.add(left, right)
        if op in ("-", "*", "/", "%"):
            return arithmetic(op, to_number(left, self), to_number(right, self))
        if op == "===":
            return strict_equals(left, right)
        if op == "!==":
            return not strict_equals(left, right)
        if op == "==":
            return self.loose_equals(left, right)
        if op == "!=":
            return not self.loose_equals(left, right)
        if op == "<":
            return self.less(left, right, True) is True
        if op == ">":
            return self.less(right, left, False) is True
        if op == "<=":
            return self.less(right, left, False) is False
        if op == ">=":
            return self.less(left, right, True) is False
        if op in ("&", "|", "^"):
            a, b = to_int32(left, self), to_int32(right, self)
            result = a & b if op == "&" else a | b if op == "|" else a ^ b
            return float(result)
        if op in ("<<", ">>", ">>>"):
            shift = to_uint32(right, self) & 31
            if op == ">>>":
                return float(to_uint32(left, self) >> shift)
            if op == ">>":
                return float(to_int32(left, self) >> shift)
            return float(to_int32(float((to_int32(left, self) << shift) & 0xFFFFFFFF)))
        if op == "in":
            return self._in(left, right)
        if op == "instanceof":
            return self._instanceof(left, right)
        raise Unsupported(f"operator {op}")

    def add(self, left: Value, right: Value) -> Value:
        a = to_primitive(left, "default", self)
        b = to_primitive(right, "default", self)
        if isinstance(a, str) or isinstance(b, str):
            return checked(to_string(a, self) + to_string(b, self))
        return to_number(a) + to_number(b)

    def less(self, a: Value, b: Value, left_first: bool) -> bool | None:
        """The abstract relational comparison `a < b` (None when undefined: NaN)."""
        if left_first:
            pa = to_primitive(a, "number", self)
            pb = to_primitive(b, "number", self)
        else:
            pb = to_primitive(b, "number", self)
            pa = to_primitive(a, "number", self)
        if isinstance(pa, str) and isinstance(pb, str):
            return pa < pb  # code-unit order: the strings are in UTF-16 form
        x, y = to_number(pa), to_number(pb)
        if x != x or y != y:
            return None
        return x < y

    def loose_equals(self, a: Value, b: Value) -> bool:
        """`==` (ES5 §11.9.3)."""
        nullish_a = a is None or isinstance(a, Undefined)
        nullish_b = b is None or isinstance(b, Undefined)
        if nullish_a or nullish_b:
            return nullish_a and nullish_b
        if type(a) is type(b) or (is_object(a) and is_object(b)):
            return strict_equals(a, b)
        if isinstance(a, bool):
            return self.loose_equals(1.0 if a else 0.0, b)
        if isinstance(b, bool):
            return self.loose_equals(a, 1.0 if b else 0.0)
        if isinstance(a, float) and isinstance(b, str):
            return a == to_number(b)
        if isinstance(a, str) and isinstance(b, float):
            return to_number(a) == b
        if is_object(a) and isinstance(b, str | float):
            return self.loose_equals(to_primitive(a, "default", self), b)
        if is_object(b) and isinstance(a, str | float):
            return self.loose_equals(a, to_primitive(b, "default", self))
        return False

    def _in(self, key: Value, target: Value) -> bool:
        if not is_object(target):
            raise JSThrow("TypeError", f"Cannot use 'in' operator to search for '{to_string(key)}'")
        name = self.key(key)
        if isinstance(target, JSObject):
            from digrun.js.builtins import OBJECT_PROTO

            return name in target.props or name in OBJECT_PROTO
        if isinstance(target, JSArray):
            if INDEX.fullmatch(name):
                return int(name) < len(target.items)
            from digrun.js.builtins import ARRAY_PROTO, OBJECT_PROTO

            return name == "length" or name in ARRAY_PROTO or name in OBJECT_PROTO
        raise Unsupported("`in` on a built-in object")

    def _instanceof(self, value: Value, constructor: Value) -> bool:
        from digrun.js.builtins import instance_of

        if not isinstance(constructor, Function):
            raise JSThrow("TypeError", "Right-hand-side of instanceof is not callable")
        return instance_of(value, constructor)

    def _unary(self, node: n.Unary, scope: Scope | None) -> Value:
        op = node.op
        operand = node.operand
        if (
            op == "typeof"
            and isinstance(operand, n.Identifier)
            and not self.declared(operand.name, scope)
        ):
            return "undefined"
        if op == "delete":
            return self._delete(node.operand, scope)
        value = self.eval(node.operand, scope)
        if op == "!":
            return not truthy(value)
        if op == "-":
            return -to_number(value, self)
        if op == "+":
            return to_number(value, self)
        if op == "typeof":
            return type_of(value)
        if op == "void":
            return UNDEFINED
        if op == "~":
            return float(~to_int32(value, self))
        raise Unsupported(f"operator {op}")

    def _delete(self, target: n.Expr, scope: Scope | None) -> Value:
        if isinstance(target, n.Member | n.Index):
            obj, key = self._reference(target, scope)
            if obj is None or isinstance(obj, Undefined):
                what = "null" if obj is None else "undefined"
                raise JSThrow("TypeError", f'Cannot delete property "{key}" of {what}')
            if isinstance(obj, JSObject):
                obj.props.pop(key, None)
                return True
            if isinstance(obj, JSArray) and INDEX.fullmatch(key):
                if int(key) < len(obj.items):
                    raise Unsupported("deleting an array element (it leaves a hole)")
                return True
            raise Unsupported("`delete` on this value")
        if isinstance(target, n.Identifier):
            raise Unsupported("`delete` of a variable")
        self.eval(target, scope)
        return True

    def _object(self, node: n.ObjectLit, scope: Scope | None) -> JSObject:
        props: dict[str, Value] = {}
        for prop in node.properties:
            key = prop.key
            if isinstance(key, n.Name):
                name = key.name
            elif isinstance(key, n.StringLit):
                name = js_string(key.value)
            else:
                name = number_to_string(float(key.value))
            if name == "__proto__":
                raise Unsupported("`__proto__` in an object literal")
            props[name] = self.eval(prop.value, scope)
        return JSObject(props)

    # ------------------------------------------------------------ assignment

    def _assign(self, node: n.Assign, scope: Scope | None) -> Value:
        target = node.target
        op = node.op
        if isinstance(target, n.Identifier):
            if op == "=":
                value = self.eval(node.value, scope)
            else:
                old = self.lookup(target.name, scope)[0]
                value = self.binary(op[:-1], old, self.eval(node.value, scope))
            self.assign_name(target.name, value, scope)
            return value
        if isinstance(target, n.Member | n.Index):
            obj, key = self._reference(target, scope)
            if op == "=":
                value = self.eval(node.value, scope)
            else:
                value = self.binary(op[:-1], self.get(obj, key), self.eval(node.value, scope))
            self.put(obj, key, value)
            return value
        raise JSThrow("ReferenceError", "Invalid left hand side for assignment")

    def _update(self, node: n.Update, scope: Scope | None) -> Value:
        target = node.operand
        delta = 1.0 if node.op == "++" else -1.0
        if isinstance(target, n.Identifier):
            old = to_number(self.lookup(target.name, scope)[0], self)
            self.assign_name(target.name, old + delta, scope)
        elif isinstance(target, n.Member | n.Index):
            obj, key = self._reference(target, scope)
            old = to_number(self.get(obj, key), self)
            self.put(obj, key, old + delta)
        else:
            raise JSThrow("ReferenceError", "Invalid left hand side for assignment")
        return old + delta if node.prefix else old


def _is_declaration(statement: n.ExprStatement) -> bool:
    expr = statement.expression
    return (
        isinstance(expr, n.FunctionExpr)
        and expr.name is not None
        and expr.span.start == statement.span.start
    )


def _hoist(body: tuple[n.Statement, ...], scope: Scope, interp: Interp) -> None:
    """Declare the `var`s (undefined) and function declarations of a function body."""
    stack: list[n.Node] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, n.FunctionExpr):
            continue
        if isinstance(node, n.ExprStatement) and _is_declaration(node):
            expr = node.expression
            assert isinstance(expr, n.FunctionExpr) and expr.name is not None
            scope.vars[expr.name.name] = Closure(expr, scope)
            continue
        if isinstance(node, n.VarDeclarator):
            scope.vars.setdefault(node.name.name, UNDEFINED)
        stack.extend(n.children(node))


def strict_equals(a: Value, b: Value) -> bool:
    """`===`."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b
    if type(a) is not type(b) and not (is_object(a) and is_object(b)):
        return False
    if is_object(a):
        return a is b
    return a == b or (isinstance(a, Undefined) and isinstance(b, Undefined))


def arithmetic(op: str, x: float, y: float) -> float:
    """`- * / %` on numbers."""
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            if x == 0 or x != x:
                return math.nan
            negative = (x < 0) != (math.copysign(1.0, y) < 0)
            return -math.inf if negative else math.inf
        return x / y
    if x != x or y != y or math.isinf(x) or y == 0:
        return math.nan
    if math.isinf(y) or x == 0:
        return x
    return math.fmod(x, y)
