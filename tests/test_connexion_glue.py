"""What we take from Connexion beyond its public API is still there, and still what we expect.

``http/connexion_glue.py`` names each private thing in ``RELIED_ON``; an upgrade of Connexion
that moves, renames or drops one fails here with its name, instead of as a 500 somewhere in the
suite. The supported range is pinned in pyproject.toml."""

from __future__ import annotations

import importlib

import pytest
from connexion.middleware import abstract

from spapi_mock.http import connexion_glue

pytestmark = pytest.mark.unit


def _find(where: str):
    parts = where.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(where)


@pytest.mark.parametrize("where, name", connexion_glue.RELIED_ON, ids=[f"{w}.{n}" for w, n in connexion_glue.RELIED_ON])
def test_connexion_still_has_it(where, name):
    try:
        owner = _find(where)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"Connexion no longer has {where} ({exc}); http/connexion_glue.py relies on it")
    assert hasattr(owner, name), f"Connexion's {where} no longer has {name}; http/connexion_glue.py relies on it"


def test_the_router_writes_its_results_under_the_key_we_read():
    assert abstract.ROUTING_CONTEXT == connexion_glue.ROUTING_KEY


def test_the_app_still_builds_operations_with_a_class_we_can_replace():
    import connexion

    app = connexion.AsyncApp(__name__)
    assert hasattr(app._middleware_app, "api_cls")


def test_an_operation_still_keeps_its_handler_where_we_decorate_it_from():
    """_Operation.fn decorates ``self._fn``, which Connexion sets in the constructor."""
    import inspect

    from connexion.apps.asynchronous import AsyncOperation

    assert "self._fn = fn" in inspect.getsource(AsyncOperation.__init__)


def test_the_checker_names_what_is_missing():
    """The check above must be able to fail: a name Connexion never had is reported."""
    assert not hasattr(_find("connexion.context"), "_no_such_variable")
    with pytest.raises((ImportError, AttributeError)):
        _find("connexion.no_such_module.Thing")
