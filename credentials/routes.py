"""Views declared at module level, bound to a package's services when its blueprint is
built: ``routes.post("/x")`` on ``def view(services, ...)``, then
``routes.bind(bp, services)``. The endpoint is the function's name, as with
``@bp.post``, so ``url_for`` names do not change."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from flask import Blueprint

View = Callable[..., Any]


class Routes:
    """The URL rules of one blueprint, each a view taking the services first."""

    def __init__(self) -> None:
        self._rules: list[tuple[str, View, list[str]]] = []

    def route(self, rule: str, methods: list[str]) -> Callable[[View], View]:
        def add(view: View) -> View:
            self._rules.append((rule, view, methods))
            return view
        return add

    def get(self, rule: str) -> Callable[[View], View]:
        return self.route(rule, ["GET"])

    def post(self, rule: str) -> Callable[[View], View]:
        return self.route(rule, ["POST"])

    def bind(self, bp: Blueprint, services: Any) -> Blueprint:
        """Add every rule to ``bp``, its view closed over ``services``."""
        for rule, view, methods in self._rules:
            bound = update_wrapper(partial(view, services), view)
            bp.add_url_rule(rule, view.__name__, bound, methods=methods)
        return bp
