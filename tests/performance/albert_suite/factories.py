"""Faker data for Albert entities, following the reference field map, seedable for replay.

Every name starts with the run prefix: concurrent same-name creates get 504 on the real API, and
teardown finds the run's data by that token. `DataFactory(seed, vu_id)` is deterministic, so
`-e SEED=...` replays the same data.
"""

from __future__ import annotations

import random
from typing import Any

from faker import Faker

CHEMICALS = [
    "Titanium Dioxide",
    "Acetone",
    "Ethanol",
    "Sodium Chloride",
    "Epoxy Resin",
    "Silica",
    "Calcium Carbonate",
    "Polyurethane Dispersion",
    "Acrylic Binder",
    "Zinc Oxide",
]
SEARCH_TERMS = ["resin", "acid", "solvent", "oxide", "binder", "dispersion"]
TASK_KINDS = ["Viscosity", "pH", "Gloss 60°", "Tensile"]
CATEGORIES = [("RawMaterials", 70), ("Consumables", 15), ("Equipment", 10), ("Formulas", 5)]


def cas_number(rng: random.Random) -> str:
    """A CAS registry number with a valid check digit (digits weighted by position from the right)."""
    head = str(rng.randint(10, 9_999_999))
    middle = f"{rng.randint(0, 99):02d}"
    digits = (head + middle)[::-1]
    check = sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10
    return f"{head}-{middle}-{check}"


class DataFactory:
    def __init__(self, prefix: str, seed: int, vu_id: int) -> None:
        self.prefix = prefix
        self.rng = random.Random(seed * 100_003 + vu_id)
        self.fake = Faker()
        self.fake.seed_instance(seed * 100_003 + vu_id)
        self.counter = 0

    def _unique(self) -> str:
        """A short per-VU serial so two VUs (or two iterations) never create the same name."""
        self.counter += 1
        return f"{self.rng.randrange(16**4):04x}{self.counter}"

    def name(self, base: str) -> str:
        return f"{self.prefix} {base} {self._unique()}"

    def category(self) -> str:
        names, weights = zip(*CATEGORIES, strict=True)
        return self.rng.choices(names, weights)[0]

    def inventory_item(
        self, project_id: str | None = None, company_id: str | None = None, tag_ids: list[str] | None = None
    ) -> dict[str, Any]:
        category = self.category()
        if category == "Formulas" and project_id is None:
            category = "RawMaterials"  # Formulas need a project (parentId)
        item: dict[str, Any] = {
            "name": self.name(f"{self.rng.choice(CHEMICALS)} {self.fake.bothify('##-??')}"),
            "description": self.fake.sentence(nb_words=8),
            "category": category,
            "ACL": [],
        }
        if self.rng.random() < 0.2:
            item["unitCategory"] = "volume"
            item["density"] = round(self.rng.uniform(0.7, 1.6), 3)
        if category == "Formulas":
            item["parentId"] = project_id
        if company_id:
            item["Company"] = {"id": company_id}
        if tag_ids:
            item["Tags"] = [{"id": t} for t in tag_ids]
        return item

    def lot(self, inventory_id: str, storage_location_id: str, location_id: str) -> dict[str, Any]:
        quantity = str(round(self.rng.uniform(1, 1000), 2))
        return {
            "parentId": inventory_id,
            "StorageLocation": {"id": storage_location_id},
            "Location": {"id": location_id},
            "initialQuantity": quantity,
            "inventoryOnHand": quantity,
            "cost": str(round(self.rng.uniform(1, 1000), 2)),
            "manufacturerLotNumber": self.fake.bothify("MLN-#####"),
            "expirationDate": self.fake.date_between("+30d", "+2y").isoformat(),
            "externalBarcodeId": str(self.fake.uuid4()),
        }

    def company(self) -> dict[str, Any]:
        return {"name": self.name(self.fake.company())}

    def tag(self) -> dict[str, Any]:
        return {"name": self.name(self.fake.word())}

    def project(self, location_id: str) -> dict[str, Any]:
        return {
            "description": self.name(self.fake.catch_phrase()),
            "Locations": [{"id": location_id}],
            "class": self.rng.choice(["shared", "private"]),
            "prefix": self.fake.lexify("???").upper(),
        }

    def general_task(self, project_id: str, location_id: str) -> dict[str, Any]:
        return {
            "name": self.name(f"{self.rng.choice(TASK_KINDS)} test"),
            "category": "General",
            "parentId": project_id,
            "Project": {"id": project_id},
            "Location": {"id": location_id},
            "Metadata": {},
            "Sources": [],
            "priority": self.rng.choice(["High", "Medium", "Low"]),
            "dueDate": self.fake.date_between("+1d", "+60d").isoformat(),
            "state": "Unclaimed",
        }

    def location(self) -> dict[str, Any]:
        return {
            "name": self.name(f"{self.fake.city()} Lab"),
            "latitude": float(self.fake.latitude()),
            "longitude": float(self.fake.longitude()),
            "address": self.fake.address().replace("\n", ", "),
            "country": self.fake.country_code(),
        }

    def storage_location(self, location_id: str) -> dict[str, Any]:
        return {"name": self.name(f"Freezer {self.rng.randint(1, 40)}"), "Location": {"id": location_id}}

    def note(self, parent_id: str) -> dict[str, Any]:
        return {"parentId": parent_id, "note": self.fake.paragraph()}

    def search_term(self) -> str:
        return self.rng.choice(SEARCH_TERMS)
