"""Request validation messages that name the parameter or body field, as SP-API's do.

Connexion reports a bad query parameter with jsonschema's bare message ("0 is less than the
minimum of 1", followed by a dump of the schema) and a bad body field as "'carrierCode' is a
required property - 'packageDetail'"; a client needs to know which parameter or field.
"""

from __future__ import annotations

import functools

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, ParameterValidator
from connexion.validators.json import JSONRequestBodyValidator
from jsonschema import Draft4Validator, ValidationError

from spapi_mock.kernel import untrusted_json


class NamedParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        # Connexion's own deep-copies the parameter's definition and builds a validator for it
        # on every request; the definitions are the spec's, fixed for the app's life.
        if value is None or (is_nullable(param) and is_null(value)):
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        validator = _schema_validator(param)
        if validator is _ANY_STRING:
            if isinstance(value, str):
                return None
            validator = Draft4Validator(param.get("schema", param), format_checker=Draft4Validator.FORMAT_CHECKER)
        try:
            validator.validate(value)
        except ValidationError as exception:
            return f"Invalid {param['name']}: {str(exception).splitlines()[0]}"
        return None


_validators: dict[int, tuple[dict, Draft4Validator | object]] = {}
# A schema any string meets (most path and query parameters): no validator needed for a string.
_ANY_STRING = object()
_ANNOTATIONS = {"description", "example", "examples", "title", "x-example"}


def _schema_validator(param: dict) -> Draft4Validator | object:
    cached = _validators.get(id(param))
    if cached is None or cached[0] is not param:
        schema = param.get("schema", param)
        if {key for key in schema if key not in _ANNOTATIONS} == {"type"} and schema["type"] == "string":
            validator = _ANY_STRING
        else:
            validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        cached = _validators[id(param)] = (param, validator)
    return cached[1]


class NamedFieldBodyValidator(JSONRequestBodyValidator):
    # Connexion builds a new schema validator per use; one instance of this class serves every
    # request of an operation on the compiled path (http/compiled.py), so it builds one.
    @functools.cached_property
    def _validator(self):
        return super()._validator

    async def _parse(self, stream, scope):
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError as error:
            raise BadRequestProblem(
                detail=f"The request body is not valid JSON: byte {error.start} is not {self._encoding.upper()} text"
            ) from None
        try:
            body = untrusted_json.loads(text)
        except untrusted_json.UntrustedJsonError as error:
            raise BadRequestProblem(detail=str(error)) from None
        if body is None:
            # Not the same as no body: a JSON null where an object belongs is a mistake to name.
            raise BadRequestProblem(detail="The request body is null; send a JSON object, or no body")
        return body

    def _validate(self, body):
        if body is None:
            if self._required and not self._nullable:
                raise BadRequestProblem(detail="The request body is missing; this operation needs a JSON body")
            return None
        try:
            return self._validator.validate(body)
        except ValidationError as error:
            raise BadRequestProblem(detail=describe_body_error(error)) from None


def describe_body_error(error: ValidationError) -> str:
    """'Invalid packageDetail.carrierCode: it is required', from a jsonschema error."""
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    if error.validator == "required":
        missing = error.message.split("'")[1] if error.message.startswith("'") else error.message
        field = f"{path}.{missing}" if path else missing
        return f"Invalid request body: {field} is required"
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        field = f"{path}.{unknown[0]}" if path and unknown else (unknown[0] if unknown else path)
        return f"Invalid request body: {field} is not a known field"
    return f"Invalid request body: {path or 'body'}: {error.message}"


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": NamedParameterValidator,
    # Connexion matches content types against media ranges only in a MediaTypeDict.
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": NamedFieldBodyValidator}),
}
