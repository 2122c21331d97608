"""Route tables of the Albert stand-in, one module per resource family."""

from __future__ import annotations

from starlette.routing import BaseRoute

from loadcell.standin.albert import auth
from loadcell.standin.albert.routes import (
    directory,
    inventories,
    inventory_search,
    labdata,
    locations,
    lots,
    projects,
    propertydata,
    tasks,
    users,
    workspace,
)


def api_routes() -> list[BaseRoute]:
    """Every modelled endpoint; more specific paths come first inside each module."""
    return [
        *auth.routes,
        *inventory_search.routes,
        *inventories.routes,
        *lots.routes,
        *projects.routes,
        *tasks.routes,
        *users.routes,
        *locations.routes,
        *directory.routes,
        *workspace.routes,
        *labdata.routes,
        *propertydata.routes,
    ]
