"""Reference data every journey assumes exists on the dev tenant (user, lab, templates...).

Seeded documents use fixed IDs below the store's first allocated number, and are inserted
only if absent, so seeding an existing database file is a no-op.
"""

from __future__ import annotations

from typing import Any

from loadcell.standin.albert.http import iso_now
from loadcell.standin.albert.kinds import (
    DATA_COLUMN,
    DATA_TEMPLATE,
    LOCATION,
    PARAMETER,
    PARAMETER_GROUP,
    ROLE,
    STORAGE_LOCATION,
    UNIT,
    USER,
    WORKFLOW,
    Kind,
)
from loadcell.standin.albert.store import Store

PERF_USER = "USR215409"
PERF_LOCATION = "LOC37511"
LAB = {"id": PERF_LOCATION, "name": "Performance Test Lab"}
ADMIN_ROLE = {"id": "ROL100", "name": "Admin"}
NO_PARAMETER_GROUP = {"id": "WFL99", "name": "No Parameter Group"}  # workflow of results entered without one


def _user(user_id: str, name: str, email: str, user_class: str = "standard") -> dict[str, Any]:
    return {
        "albertId": user_id,
        "name": name,
        "email": email,
        "userClass": user_class,
        "Location": LAB,
        "Roles": [ADMIN_ROLE],
    }


def _units() -> list[dict[str, Any]]:
    rows: list[tuple[str, str, str, str | None]] = [
        ("UNI100", "Celsius", "°C", "Temperature"),
        ("UNI101", "Minutes", "min", "Time"),
    ]
    rows += [("UNI102", "Centipoise", "cP", None), ("UNI103", "Gram", "g", "Mass")]
    return [
        {"albertId": i, "name": n, "symbol": s, "Synonyms": [], **({"category": c} if c else {})}
        for i, n, s, c in rows
    ]


def _columns() -> list[dict[str, Any]]:
    rows = [
        ("DAC100", "Viscosity"),
        ("DAC101", "pH"),
        ("DAC102", "Gloss 60°"),
        ("DAC103", "Tensile Strength"),
    ]
    return [{"albertId": i, "name": n} for i, n in rows]


def _templates() -> list[dict[str, Any]]:
    rows = [
        ("DAT100", "Viscosity Standard", "DAC100", "Brookfield viscosity at 25 °C"),
        ("DAT101", "pH Measurement", "DAC101", "pH of aqueous dispersions"),
        ("DAT102", "Gloss Test", "DAC102", "Specular gloss at 60 degrees"),
        ("DAT103", "Tensile Test", "DAC103", "Tensile strength of cured films"),
    ]
    return [
        {
            "albertId": i,
            "name": n,
            "description": d,
            "class": "shared",
            "verified": True,
            "DataColumns": [{"id": c, "name": dict(_COLUMN_NAMES)[c], "hidden": False}],
            "Tags": [],
        }
        for i, n, c, d in rows
    ]


_COLUMN_NAMES = [(c["albertId"], c["name"]) for c in _columns()]


def _parameters() -> list[dict[str, Any]]:
    return [
        {"albertId": "PRM100", "name": "Temperature"},
        {"albertId": "PRM101", "name": "Time"},
        {"albertId": "PRM102", "name": "Shear Rate"},
    ]


def _parameter_groups() -> list[dict[str, Any]]:
    def param(pid: str, name: str, value: str, unit: dict[str, str]) -> dict[str, Any]:
        return {
            "id": pid,
            "name": name,
            "value": value,
            "Unit": unit,
            "category": "Normal",
            "sequence": pid[-1],
        }

    celsius, minutes = {"id": "UNI100", "name": "Celsius"}, {"id": "UNI101", "name": "Minutes"}
    return [
        {
            "albertId": "PRG100",
            "name": "Cure Conditions",
            "type": "property",
            "class": "shared",
            "description": "Oven cure schedule",
            "Parameters": [
                param("PRM100", "Temperature", "120", celsius),
                param("PRM101", "Time", "30", minutes),
            ],
            "Metadata": {},
            "Tags": [],
        },
        {
            "albertId": "PRG101",
            "name": "Viscosity Conditions",
            "type": "property",
            "class": "shared",
            "description": "Measurement temperature",
            "Parameters": [param("PRM100", "Temperature", "25", celsius)],
            "Metadata": {},
            "Tags": [],
        },
    ]


def _workflows() -> list[dict[str, Any]]:
    return [
        {
            "albertId": "WFL100",
            "name": "Standard Viscosity Workflow",
            "ParameterGroups": [],
            "category": "FINAL",
        },
        {"albertId": "WFL101", "name": "Cure Workflow", "ParameterGroups": [], "category": "FINAL"},
    ]


def reference_data() -> list[tuple[Kind, dict[str, Any]]]:
    """Every seeded (kind, document) pair, without audit fields."""
    users = [
        _user(PERF_USER, "performanceTester", "performanceTester@albertinvent.com", "privileged"),
        _user("USR101", "Alice Johnson", "alice.johnson@example.com"),
        _user("USR102", "Bob Smith", "bob.smith@example.com"),
        _user("USR103", "Carol Davis", "carol.davis@example.com"),
        _user("USR104", "David Miller", "david.miller@example.com"),
        _user("USR105", "Emma Wilson", "emma.wilson@example.com"),
    ]
    location = {
        "albertId": PERF_LOCATION,
        "name": LAB["name"],
        "latitude": 42.3601,
        "longitude": -71.0589,
        "address": "1 Lab Way, Boston, MA 02110",
        "country": "US",
    }
    storage = [
        {"albertId": "STL100", "name": "Performance Test Cabinet", "Location": LAB},
        {"albertId": "STL101", "name": "Performance Test Freezer", "Location": LAB},
    ]
    role = {"albertId": ADMIN_ROLE["id"], "name": ADMIN_ROLE["name"], "tenant": "TENstandin", "Policies": []}
    pairs: list[tuple[Kind, dict[str, Any]]] = [(ROLE, role), (LOCATION, location)]
    pairs += [(USER, u) for u in users] + [(STORAGE_LOCATION, s) for s in storage]
    pairs += [(UNIT, u) for u in _units()] + [(DATA_COLUMN, c) for c in _columns()]
    pairs += [(PARAMETER, p) for p in _parameters()] + [(PARAMETER_GROUP, g) for g in _parameter_groups()]
    pairs += [(DATA_TEMPLATE, t) for t in _templates()] + [(WORKFLOW, w) for w in _workflows()]
    return pairs


def seed(store: Store) -> int:
    """Insert missing reference data (visible to search immediately); returns how many were added."""
    lag, store.index_lag = store.index_lag, 0.0
    audit = {"by": PERF_USER, "byName": "performanceTester", "at": iso_now(store.clock())}
    added = 0
    try:
        with store.transaction():
            for kind, doc in reference_data():
                doc = {**doc, "status": "active", "Created": audit, "Updated": audit}
                added += store.insert(kind, doc, if_absent=True)
    finally:
        store.index_lag = lag
    return added
