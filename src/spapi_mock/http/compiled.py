"""Every SP-API operation answered on one path compiled from our specs at start-up.

Profiled, an operation through Connexion spent most of its time in Connexion's machinery: three
routers, the security middleware, the request-validation, response-validation, lifespan and
context middlewares, the parameter and response decorators, each a layer of calls and a
wrapped ``send`` per request. The machinery is generic; our operations are not. This layer,
just inside the request envelope, answers each operation of the SP-API specs itself, with what
was compiled once per operation from the same spec Connexion reads (the spec stays the only
route table): the route, the access-token check the spec names, the traffic gate (faults,
throttling, sandbox cases), Connexion's own URI parser, parameter and body validators
(``http/validation``: the same named 400 InvalidInput messages), the same handlers with the
arguments Connexion would pass, the same response building and error mapping
(``http_errors``), and, when ``Config.validate_responses`` is on (every in-process app of the
test suite), Connexion's own response validation.

What it is not sure to answer exactly as Connexion would it hands on to Connexion unchanged:
the control plane, LWA, the Swagger UI, a request without an access token, a method or path it
does not match (or that two templates match), a body in a content type other than the one the
spec declares. ``tests/api/test_fast_reads.py`` holds the two paths equal, operation by
operation, on requests generated from the specs.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable
from typing import Any

from connexion import utils as connexion_utils
from connexion.decorators.parameter import _get_body_argument as get_body_argument
from connexion.decorators.parameter import _get_query_defaults as get_query_defaults
from connexion.decorators.parameter import _get_val_from_param as get_val_from_param
from connexion.decorators.parameter import sanitized, unwrap_decorators
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import BadRequestProblem
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.response_validation import ResponseValidationOperation
from connexion.resolver import Resolver
from connexion.spec import Specification
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import deep_merge
from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from spapi_mock.http import http_errors, request_scope
from spapi_mock.http.connexion_glue import COMPACT_JSON, SECURITY_KEY, BodyRequest, enter_handler_context
from spapi_mock.http.middleware import CONTROL_PREFIX, TrafficGate
from spapi_mock.http.validation import VALIDATORS, NamedParameterValidator
from spapi_mock.kernel import schema_accept

_TOKEN_HEADER = b"x-amz-access-token"
_CONTENT_TYPE = b"content-type"
_PARAMETER_ORDER = ("query", "path", "header", "cookie")
# Where the parameters read once are kept for the handler's arguments.
_PARSED = "spapi_mock.compiled_parameters"
_BODY = "spapi_mock.compiled_body"


class _UriParser(OpenAPIURIParser):
    # Connexion's, with the parameter schemas read once (its property rebuilds them per call).
    def __init__(self, param_defns, body_defn) -> None:
        super().__init__(param_defns, body_defn)
        self._schemas = {k: v.get("schema", {}) for k, v in self._param_defns.items()}
        # Connexion's resolution gives back a plain string path parameter as it came (every
        # path parameter of our specs is one): such paths are taken as they are.
        self._plain_path = all(
            self._schemas[name].get("type") == "string"
            and not connexion_utils.is_nullable(param)
            and not connexion_utils.is_nullable(self._schemas[name])
            for name, param in self._param_defns.items()
            if param.get("in") == "path"
        )

    @property
    def param_schemas(self):
        return self._schemas

    def resolve_path(self, path_data):
        return dict(path_data) if self._plain_path else super().resolve_path(path_data)


class _Operation:
    """One operation of a spec, compiled: what Connexion would do for it, prepared once."""

    def __init__(self, operation, base_path: str, security_check, validate_responses: bool) -> None:
        self.spec = operation
        self.operation_id = operation.operation_id
        self.base_path = base_path
        self.method = operation.method.upper()
        self.check_token = security_check
        self.function = operation.function
        self.arguments, self.has_kwargs = connexion_utils.inspect_function_arguments(unwrap_decorators(self.function))
        self.uri_parser = _UriParser(operation.parameters, operation.body_definition())
        # Each parameter in the order Connexion validates them, with what is fixed per parameter:
        # the answer to its absence, and a check that accepts the usual valid values without a
        # jsonschema validator (anything else goes to the validator, for its verdict and message).
        self.parameters = [
            (p["in"], p, NamedParameterValidator.validate_parameter(p["in"], None, p), _accepts(p))
            for where in _PARAMETER_ORDER
            for p in operation.parameters
            if p["in"] == where
        ]
        self.path_definitions = {p["name"]: p for p in operation.parameters if p["in"] == "path"}
        self.query_definitions = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        self.query_defaults = get_query_defaults(self.query_definitions)
        self.sanitized_names: dict[str, str] = {}
        self.consumes = frozenset(operation.consumes) if operation.request_body else frozenset()
        self.body_validator = None
        if operation.request_body:
            # Only JSON bodies are claimed (see takes_body_of), so one validator serves.
            (mime_type,) = self.consumes
            self.body_validator = _keeping_body(VALIDATORS["body"][mime_type])(
                schema=operation.body_schema(mime_type),
                required=operation.request_body.get("required", False),
                nullable=connexion_utils.is_nullable(operation.body_definition(mime_type)),
                encoding="utf-8",
                strict_validation=False,
            )
        # By request content type: what Connexion's request and body argument work out from it.
        self._mimetypes: dict[bytes | None, str] = {}
        self._body_facts: dict[str, tuple[str, bool, Any]] = {}
        self.response = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=COMPACT_JSON)
        # The content type Connexion's response building gives a JSON answer (the one the
        # operation produces), else None and every answer is built by Connexion's code.
        produces = set(operation.produces)
        self.json_type = None
        if len(produces) == 1 and connexion_utils.is_json_mimetype(next(iter(produces))):
            self.json_type = next(iter(produces)).encode("latin-1")
        self.validated = None
        if validate_responses:
            self.validated = ResponseValidationOperation(self._respond, operation=operation, validator_map=VALIDATORS)

    def takes_body_of(self, scope: Scope) -> bool:
        """A body operation is claimed with the JSON content type its spec declares, or none
        (read as that one, as Connexion's validation reads it). Another spelling goes to
        Connexion, which does not validate it (its media type lookup is case-sensitive)."""
        if not self.consumes:
            return True
        content_type = next((value for name, value in scope["headers"] if name == _CONTENT_TYPE), None)
        if content_type is None:
            return True
        mime_type, encoding = connexion_utils.split_content_type(content_type.decode("latin-1"))
        return mime_type in self.consumes and encoding in (None, "utf-8", "UTF-8")

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Validate the request as Connexion's request validation does, then answer it."""
        query = self.uri_parser.resolve_query(_query_lists(scope))
        path = self.uri_parser.resolve_path(scope["path_params"])
        for where, param, missing, accepts in self.parameters:
            if where == "query":
                value = query.get(param["name"])
            elif where == "path":
                value = path.get(param["name"].replace("-", "_"))
            else:
                request = ConnexionRequest(scope, receive)
                value = (request.headers if where == "header" else request.cookies).get(param["name"])
            if value is None:
                error = missing
            elif accepts is not None and accepts(value):
                continue
            else:
                error = NamedParameterValidator.validate_parameter(where, value, param)
            if error:
                raise BadRequestProblem(detail=error)
        if self.body_validator is not None:
            receive, scope = await self.body_validator.wrap_receive(receive, scope=scope)
        scope[_PARSED] = (query, path)
        if self.validated is not None:
            await self.validated(scope, receive, send)
        else:
            await self._respond(scope, receive, send)

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The handler's answer, with the arguments Connexion's parameter decorator passes."""
        query, path = scope[_PARSED]
        kwargs = self._arguments(path, query)
        if self.body_validator is not None:
            # The body as the validator parsed it: what Connexion's request parses again (the
            # same bytes, JSON the validator accepted, which it does not change).
            body = scope.get(_BODY)
            if body is not None:
                mime_type = self._mimetype(scope, receive)
            else:
                request = BodyRequest(scope, receive)
                request.takes_json = True
                body, mime_type = await request.get_body(), request.mimetype
            kwargs.update(self._body_argument(body, mime_type))
        context = scope["extensions"][SECURITY_KEY]
        for key, value in context.items():
            if self.has_kwargs or key in self.arguments:
                kwargs[key] = value
        restore = enter_handler_context(scope, receive, self.spec)
        try:
            answer = await self.function(**kwargs)
            fast = self._json_answer(answer)
            if fast is None:
                response = self.response.build_framework_response(answer)
        finally:
            restore()
        if fast is not None:
            status, body = fast
            headers = [(b"content-length", str(len(body)).encode()), (b"content-type", self.json_type)]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:
            await response(scope, receive, send)

    def _arguments(self, path: dict, query: dict) -> dict[str, Any]:
        """What Connexion's ``get_arguments`` gives for the path and the query (the body is its
        own ``_get_body_argument``'s; no operation of ours takes files), with what it works out
        per call (the definitions, the defaults, the sanitised names) worked out once."""
        kwargs = {}
        for name, value in path.items():
            definition = self.path_definitions.get(name)
            kwargs[self._sanitized(name)] = value if definition is None else get_val_from_param(value, definition)
        merged = deep_merge(copy.deepcopy(self.query_defaults), query) if self.query_defaults else query
        for name, value in merged.items():
            key = self._sanitized(name)
            definition = self.query_definitions.get(name)
            if definition is not None and (self.has_kwargs or key in self.arguments):
                kwargs[key] = get_val_from_param(value, definition)
        return kwargs

    def _mimetype(self, scope: Scope, receive: Receive) -> str:
        """Connexion's request's ``mimetype`` (from the first Content-Type header)."""
        declared = next((value for name, value in scope["headers"] if name == _CONTENT_TYPE), None)
        found = self._mimetypes.get(declared)
        if found is None:
            found = BodyRequest(scope, receive).mimetype
            if len(self._mimetypes) < 16:  # content types a client sends need not be kept
                self._mimetypes[declared] = found
        return found

    def _body_argument(self, body: Any, mime_type: str) -> dict[str, Any]:
        """What Connexion's ``_get_body_argument`` gives for a JSON body, with what it reads of
        the spec per call (the body's name, schema and default) read once per content type."""
        if mime_type in FORM_CONTENT_TYPES:
            return get_body_argument(
                body,
                operation=self.spec,
                arguments=self.arguments,
                has_kwargs=self.has_kwargs,
                sanitize=sanitized,
                content_type=mime_type,
            )
        if not self.arguments and not self.has_kwargs:
            return {}
        facts = self._body_facts.get(mime_type)
        if facts is None:
            schema = self.spec.body_schema(mime_type)
            facts = (sanitized(self.spec.body_name(mime_type)), connexion_utils.is_nullable(schema), schema.get("default", {}))
            if len(self._body_facts) < 16:
                self._body_facts[mime_type] = facts
        name, nullable, default = facts
        if nullable and connexion_utils.is_null(body):
            value = None
        elif body is None:
            value = copy.deepcopy(default)
        else:
            value = body
        return {name: value} if name in self.arguments or self.has_kwargs else {}

    def _sanitized(self, name: str) -> str:
        found = self.sanitized_names.get(name)
        if found is None:
            found = sanitized(name)
            if len(self.sanitized_names) < 256:  # names a client sends need not be kept
                self.sanitized_names[name] = found
        return found

    def _json_answer(self, answer) -> tuple[int, bytes] | None:
        """A JSON answer's status and bytes as Connexion's response building makes them, for the
        usual shapes (a dict, or a dict and a success status); None for any other."""
        status = 200
        if type(answer) is tuple and len(answer) == 2 and type(answer[1]) is int and 200 <= answer[1] < 300 and answer[1] != 204:
            answer, status = answer
        if self.json_type is None or type(answer) is not dict:
            return None
        return status, COMPACT_JSON.to_bytes(answer)


class _Request:
    """What the spec's token checks read of Connexion's request: its scope."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


class _Route:
    """One path template of a spec and its operations by method."""

    def __init__(self, template: str) -> None:
        self.template = template
        # Starlette's "{name}" matches one path segment; a line break is left to Connexion's
        # path, which answers it as a bad parameter.
        self.pattern = re.compile(re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/\n]+)", re.escape(template)))
        self.operations: dict[str, _Operation] = {}


class Compiled:
    """The ASGI layer: claims what it answers as Connexion would, hands on everything else."""

    def __init__(self, app: ASGIApp, services, apis: Iterable[tuple[dict, Resolver]]) -> None:
        self.app = app
        self.services = services
        self.enabled = services.config.fast_reads
        validate = services.config.validate_responses
        # By segment count and first segment: the few templates a path can match.
        self.routes: dict[tuple[int, str], list[_Route]] = {}
        self.operations: dict[tuple[str, str], _Operation] = {}
        for raw_spec, resolver in apis:
            spec = Specification.load(raw_spec)
            base_path = spec.base_path
            for path, item in spec["paths"].items():
                route = _Route(base_path + path)
                for method in item:
                    if method not in ("get", "put", "post", "delete", "patch"):
                        continue
                    operation = spec.operation_cls.from_spec(spec, path=path, method=method, resolver=resolver)
                    check = _security_check(operation)
                    if check is None or not _one_json_body_at_most(operation):
                        continue  # left to Connexion
                    compiled = _Operation(operation, base_path, check, validate)
                    route.operations[compiled.method] = compiled
                    self.operations[(base_path.rstrip("/"), compiled.operation_id)] = compiled
                if route.operations:
                    self.routes.setdefault(_bucket(route.template), []).append(route)
        self.answer = TrafficGate(self._answer, services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        claimed = self._claims(scope) if self.enabled else None
        if claimed is None:
            await self.app(scope, receive, send)
            return
        operation, path_params, token = claimed
        request_scope.share_routing_results(scope).update(path_params)
        request_scope.set_routing_results(scope, operation.base_path, operation.operation_id)
        try:
            info = operation.check_token(token, None, request=_Request(scope))
        except Exception as exc:  # refused: answered as Connexion's security check would be
            await _error(scope, receive, send, exc)
            return
        request_scope.set_security_context(scope, {"user": info.get("sub", info.get("uid")), "token_info": info})
        try:
            # The traffic gate and the operation, mapped as Connexion's exception middleware maps
            # all it wraps: the gate too may raise (a body over the limit, read for a sandbox case).
            await self.answer(scope, receive, send)
        except Exception as exc:
            await _error(scope, receive, send, exc)

    def _claims(self, scope: Scope) -> tuple[_Operation, dict, str] | None:
        if scope["type"] != "http":
            return None
        path = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            return None
        token = next((value for name, value in scope["headers"] if name == _TOKEN_HEADER), None)
        if not token:
            return None
        found = None
        for route in self.routes.get(_bucket(path), ()):
            match = route.pattern.fullmatch(path)
            if match:
                if found is not None:
                    return None  # two templates match: Connexion's router chooses
                found = route, match
        if found is None:
            return None
        route, match = found
        operation = route.operations.get(scope["method"])
        if operation is None or not operation.takes_body_of(scope):
            return None
        return operation, match.groupdict(), token.decode("latin-1")

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self.operations[(request_scope.routed_api_base_path(scope), request_scope.routed_operation_id(scope))]
        await operation.answer(scope, receive, send)


async def _error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """The error answer Connexion's exception middleware would send: our mapping's, as a
    Starlette response."""
    answer = http_errors.to_response(ConnexionRequest(scope, receive), exc)
    response = StarletteResponse(answer.body, answer.status_code, answer.headers, answer.mimetype)
    await response(scope, receive, send)


@functools.cache
def _keeping_body(validator_class: type) -> type:
    """The body validator class, keeping the body it parsed in the request's scope, and
    accepting a body of the usual shapes without asking jsonschema."""

    class Keeping(validator_class):
        def __init__(self, *, schema: dict, **kwargs) -> None:
            super().__init__(schema=schema, **kwargs)
            # A body of the usual shape met without a jsonschema validator (see _accepts).
            self._accepts = _body_check(schema)

        async def _parse(self, stream, scope):
            body = await super()._parse(stream, scope=scope)
            scope[_BODY] = body
            return body

        def _validate(self, body):
            if body is not None and self._accepts is not None and self._accepts(body):
                return None
            return super()._validate(body)

    return Keeping


def _query_lists(scope: Scope) -> dict[str, list[str]]:
    """The query string as Connexion's request reads it (Starlette's parse, each name's values)."""
    lists: dict[str, list[str]] = {}
    for name, value in request_scope.query_pairs(scope):
        lists.setdefault(name, []).append(value)
    return lists


def _accepts(param: dict):
    """A check that is true only of values the parameter's schema accepts (kernel/schema_accept),
    None for a schema it leaves to the validator, or a nullable parameter (its "null" is
    Connexion's to read). False means "ask the validator", never "invalid"."""
    schema = param.get("schema")
    if type(schema) is not dict or connexion_utils.is_nullable(param):
        return None
    return schema_accept.accepting(schema)


def _body_check(schema: dict):
    """The same for a request body, whose schema Connexion hands with the spec's components
    beside it (for references)."""
    return schema_accept.accepting(schema, (schema.get("components") or {}).get("schemas"))


def _bucket(path: str) -> tuple[int, str]:
    parts = path.split("/")
    return len(parts), parts[1] if len(parts) > 1 else ""


def _one_json_body_at_most(operation) -> bool:
    """The compiled path reads bodies of one JSON media type only."""
    consumes = set(operation.consumes) if operation.request_body else set()
    return not consumes or (len(consumes) == 1 and connexion_utils.is_json_mimetype(next(iter(consumes))))


def _security_check(operation):
    """The access-token check the spec names for the operation, or None if it is not the one
    header check this path knows."""
    requirements = operation.security or []
    if len(requirements) != 1 or len(requirements[0]) != 1:
        return None
    (name,) = requirements[0]
    scheme = operation.security_schemes.get(name, {})
    if scheme.get("type") != "apiKey" or scheme.get("in") != "header" or scheme.get("name", "").lower() != "x-amz-access-token":
        return None
    return connexion_utils.get_function_from_name(scheme["x-apikeyInfoFunc"])
