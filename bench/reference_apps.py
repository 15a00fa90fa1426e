"""Reference servers for the benchmark: what the framework alone costs on our two requests.

    python bench/reference_apps.py {connexion,starlette} --port P --canned FILE

``FILE`` is JSON ``{"getOrderItems": {...}, "getOrders": {...}}``: response bodies captured
once from spapi-mock (bench/run.py does that), so both references answer with bodies of the
same size and shape as ours.

connexion
    A bare Connexion AsyncApp (as we serve) on the SAME spec file (``openapi/orders-v0.yaml``)
    with the same settings as ``spapi_mock.app.create_app``: response validation off, the same
    compact jsonifier, the same request-validator map, Swagger UI at
    ``/ui``, and the spec's ``LwaAccessToken`` apiKey scheme checked by a stub info function
    that accepts any non-empty token (the spec's ``x-apikeyInfoFunc`` names ours, which needs
    the mock's services; a ``security_map`` swaps in the stub without touching the file). Its
    handlers return the canned body as a dict, so Connexion serialises it as it does ours.
    What it lacks is exactly what spapi-mock adds: the store, the domain code, the sandbox
    check, the request envelope middleware and the second (LWA) API.

starlette
    A minimal Starlette app with two routes answering the canned bodies as pre-serialised
    bytes: no spec, no validation, no security: the floor for a Python ASGI server here.

Both run under uvicorn in one process, as ``spapi-mock serve`` does: ``uvicorn.run(app, ...)``
with log level ``info`` and the access log off.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "openapi" / "orders-v0.yaml"
STUB_SELLER = "A1MOCKSELLER00"


def accept_any_token(apikey: str, required_scopes=None, request=None) -> dict | None:
    """Same signature (so Connexion does the same work calling it) and answer as ours."""
    if not apikey or not apikey.strip():
        return None
    return {"sub": STUB_SELLER}


def load_canned(path: str | Path) -> dict:
    canned = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = {"getOrderItems", "getOrders"} - set(canned)
    if missing:
        raise SystemExit(f"{path}: missing canned bodies for {', '.join(sorted(missing))}")
    return canned


def connexion_app(canned: dict):
    import connexion
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolution, Resolver
    from connexion.security import ApiKeySecurityHandler

    from spapi_mock.http.app import COMPACT_JSON

    # The same objects spapi-mock passes to Connexion, so the settings cannot drift apart.
    from spapi_mock.http.validation import VALIDATORS

    items_body = canned["getOrderItems"]
    orders_body = canned["getOrders"]

    def get_order_items(orderId: str, NextToken: str | None = None) -> dict:
        return items_body

    def get_orders(**params) -> dict:
        return orders_body

    def not_benchmarked(*args, **kwargs):
        return {"errors": [{"code": "NotImplemented", "message": "not part of the benchmark"}]}, 501

    handlers = {"getOrderItems": get_order_items, "getOrders": get_orders}

    class CannedResolver(Resolver):
        def resolve(self, operation) -> Resolution:
            operation_id = self.resolve_operation_id(operation)
            return Resolution(handlers.get(operation_id, not_benchmarked), operation_id)

    class StubApiKeyHandler(ApiKeySecurityHandler):
        def _resolve_func(self, security_scheme):
            return accept_any_token

    app = connexion.AsyncApp(__name__, specification_dir=str(SPEC.parent), jsonifier=COMPACT_JSON)
    app.add_api(
        SPEC.name,
        resolver=CannedResolver(),
        validate_responses=False,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, swagger_ui_path="/ui"),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
        security_map={"apiKey": StubApiKeyHandler},
    )
    return app


def starlette_app(canned: dict):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    def dump(body: dict) -> bytes:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    items_bytes = dump(canned["getOrderItems"])
    orders_bytes = dump(canned["getOrders"])

    async def get_order_items(request):
        return Response(items_bytes, media_type="application/json")

    async def get_orders(request):
        return Response(orders_bytes, media_type="application/json")

    return Starlette(
        routes=[
            Route("/orders/v0/orders", get_orders),
            Route("/orders/v0/orders/{orderId}/orderItems", get_order_items),
        ]
    )


APPS = {"connexion": connexion_app, "starlette": starlette_app}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a benchmark reference app.")
    parser.add_argument("kind", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--canned", required=True, help="JSON file with the getOrderItems and getOrders bodies")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import logging

    import uvicorn

    # As ``spapi-mock serve`` configures logging before it builds the app.
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = APPS[args.kind](load_canned(args.canned))
    print(f"reference app '{args.kind}' on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
