"""Read back who may call each route, from the dependencies it declares (see deps).

Tests enumerate ``app.routes`` through ``route_access``: a route that declares no access
rule makes them fail, so no page or API operation can be added without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Mount, Route

from admin_web.deps import (
    RequireAnyPermission,
    RequirePermission,
    current_staff,
    current_staff_any,
    public_form,
)
from backend.domain.permissions import Permission

# Framework routes that carry no data: the schema and the style sheet.
UNGUARDED_PATHS = frozenset({"/openapi.json", "/static"})


@dataclass(frozen=True)
class RouteAccess:
    """``public``: anyone; ``staff``: any logged-in staff user; ``permission``: holders of
    every permission in ``permissions``; ``any_permission``: holders of one of them."""

    kind: Literal["public", "staff", "permission", "any_permission"]
    permissions: frozenset[Permission] = frozenset()

    def allows(self, granted: frozenset[Permission]) -> bool:
        if self.kind == "any_permission":
            return bool(self.permissions & granted)
        return self.kind != "permission" or self.permissions <= granted


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found.extend(_calls(sub))
    return found


def app_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every route as served, with the prefixes and dependencies of included routers."""
    return iter_route_contexts(app.routes)


def route_access(route: RouteContext) -> RouteAccess | None:
    """The route's declared rule, or None when it declares none (a bug)."""
    if isinstance(route.original_route, APIRoute):
        dependant: Any = route.dependant
        calls = _calls(dependant)
        permissions = frozenset(c.permission for c in calls if isinstance(c, RequirePermission))
        if permissions:
            return RouteAccess("permission", permissions)
        for call in calls:
            if isinstance(call, RequireAnyPermission):
                return RouteAccess("any_permission", call.permissions)
        if current_staff in calls or current_staff_any in calls:
            return RouteAccess("staff")
        if public_form in calls:
            return RouteAccess("public")
        return None
    if isinstance(route.original_route, Mount | Route) and route.path in UNGUARDED_PATHS:
        return RouteAccess("public")
    return None
