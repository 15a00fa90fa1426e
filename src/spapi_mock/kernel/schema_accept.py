"""Quick checks that accept, without jsonschema, the values a JSON schema certainly accepts.

jsonschema (and fastjsonschema) answer every value; a check compiled here answers only "surely
valid" (True) or "ask the validator" (False), and is made only for schemas whose every keyword
it knows how to check: a Draft 4 keyword it does not know (pattern, allOf, uniqueItems, ...), a
format the validator might check, or a reference it cannot follow leave it unmade (None). False
is never "invalid": a value of a type it is not sure of (a float for an integer, None for a
nullable field) goes to the validator, which gives the verdict and words the problem.

Used where every value is checked and nearly all are valid: a large fixture set's records (a
100k-order set checks half a million objects) and the request path's parameters and bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft4Validator

Check = Callable[[Any], bool]

# The keywords checked here; every other keyword Draft 4 validates leaves the schema to the
# validator (exclusiveMinimum and exclusiveMaximum change what minimum and maximum mean).
_CHECKED = frozenset(
    {"$ref", "type", "enum", "format", "minLength", "maxLength", "minimum", "maximum"}
    | {"items", "minItems", "maxItems", "properties", "required", "additionalProperties"}
)
_NOT_CHECKED = frozenset(Draft4Validator.VALIDATORS) - _CHECKED | {"exclusiveMinimum", "exclusiveMaximum"}
# OpenAPI formats no validator here checks (jsonschema's format checker nor fastjsonschema's).
_UNCHECKED_FORMATS = frozenset({"double", "float", "int32", "int64"}) - set(Draft4Validator.FORMAT_CHECKER.checkers)
# What a parsed JSON value of each type is (bool is not an integer here, though it is an int).
_CLASSES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "object": (dict,), "array": (list,)}
_REFERENCE = "#/components/schemas/"


class _Unchecked(Exception):
    """The schema (or one it refers to) holds something no check here decides."""


def accepting(schema: Any, schemas: Mapping[str, Any] | None = None) -> Check | None:
    """A check true only of values ``schema`` accepts (False: ask the validator), or None when
    the schema uses what this does not check. ``schemas``: what ``#/components/schemas/NAME``
    references name."""
    try:
        return _Compiler(schemas or {}).check(schema)[0]
    except _Unchecked:
        return None


class _Compiler:
    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self._schemas = schemas
        self._named: dict[str, tuple[Check, type | None]] = {}

    def check(self, schema: Any) -> tuple[Check, type | None]:
        """(the check, the one class a value need be when that is all it checks)."""
        if type(schema) is not dict or not _NOT_CHECKED.isdisjoint(schema):
            raise _Unchecked
        if "$ref" in schema:  # Draft 4: a reference stands for the whole schema
            return self._named_check(schema["$ref"])
        if "format" in schema and schema["format"] not in _UNCHECKED_FORMATS:
            raise _Unchecked
        kind = schema.get("type")
        if kind is None and "enum" in schema:
            kind = "string"
        if type(kind) is not str or kind not in _CLASSES:
            raise _Unchecked
        if "enum" in schema:
            return _enum_check(schema, kind), None
        if kind == "string":
            return _sized(schema, str, "minLength", "maxLength")
        if kind in ("integer", "number"):
            return _bounded(schema, _CLASSES[kind])
        if kind == "boolean":
            return _is(bool), bool
        if kind == "array":
            return self._array_check(schema)
        return self._object_check(schema), None

    def _named_check(self, reference: Any) -> tuple[Check, type | None]:
        if type(reference) is not str or not reference.startswith(_REFERENCE):
            raise _Unchecked
        name = reference[len(_REFERENCE) :]
        if name not in self._named:
            if name not in self._schemas:
                raise _Unchecked
            # A schema may refer to itself: the name stands for its check before it is made.
            made: list[Check] = []
            self._named[name] = (lambda value: made[0](value), None)
            check, only_class = self.check(self._schemas[name])
            made.append(check)
            self._named[name] = (check, only_class)
        return self._named[name]

    def _array_check(self, schema: dict) -> tuple[Check, None]:
        low, high = _limits(schema, "minItems", "maxItems")
        if "items" not in schema:
            item = None
        elif type(schema["items"]) is dict:
            item = self.check(schema["items"])[0]
        else:
            raise _Unchecked  # a list of schemas, one per position

        def accepts(value: Any) -> bool:
            return (
                value.__class__ is list
                and low <= len(value)
                and (high is None or len(value) <= high)
                and (item is None or all(map(item, value)))
            )

        return accepts, None

    def _object_check(self, schema: dict) -> Check:
        properties, required = schema.get("properties", {}), schema.get("required", [])
        others = schema.get("additionalProperties", True)
        if type(properties) is not dict or type(others) is not bool:
            raise _Unchecked
        if type(required) is not list or not all(type(name) is str for name in required):
            raise _Unchecked
        checks = {name: self.check(subschema) for name, subschema in properties.items()}
        # A property that need only be of one class is checked inline, without a call.
        classes = {name: only_class for name, (_, only_class) in checks.items() if only_class is not None}
        calls = {name: check for name, (check, only_class) in checks.items() if only_class is None}
        class_of, call_of = classes.get, calls.get

        def accepts(value: Any) -> bool:
            if value.__class__ is not dict:
                return False
            for name in required:
                if name not in value:
                    return False
            for name, field in value.items():
                wanted = class_of(name)
                if wanted is not None:
                    if field.__class__ is not wanted:
                        return False
                    continue
                check = call_of(name)
                if check is None:
                    if not others:
                        return False
                elif not check(field):
                    return False
            return True

        return accepts


def _is(wanted: type) -> Check:
    return lambda value: value.__class__ is wanted


def _enum_check(schema: dict, kind: str) -> Check:
    members = schema["enum"]
    # Members of other types compare by JSON equality (1 and true differ), left to the validator.
    if kind != "string" or type(members) is not list or not all(type(member) is str for member in members):
        raise _Unchecked
    if set(schema) & {"minLength", "maxLength"}:
        raise _Unchecked
    allowed = frozenset(members)
    return lambda value: value.__class__ is str and value in allowed


def _sized(schema: dict, wanted: type, low_name: str, high_name: str) -> tuple[Check, type | None]:
    low, high = _limits(schema, low_name, high_name)
    if low == 0 and high is None:
        return _is(wanted), wanted
    return (lambda value: value.__class__ is wanted and low <= len(value) and (high is None or len(value) <= high)), None


def _bounded(schema: dict, classes: tuple[type, ...]) -> tuple[Check, type | None]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if not all(bound is None or type(bound) in (int, float) for bound in (low, high)):
        raise _Unchecked
    if low is None and high is None and len(classes) == 1:
        return _is(classes[0]), classes[0]
    return (lambda value: value.__class__ in classes and (low is None or value >= low) and (high is None or value <= high)), None


def _limits(schema: dict, low_name: str, high_name: str) -> tuple[int, int | None]:
    low, high = schema.get(low_name, 0), schema.get(high_name)
    if type(low) is not int or (high is not None and type(high) is not int):
        raise _Unchecked
    return low, high
