"""/api/pharmacy: the formulary search prescribers use (spec: GET /pharmacy/medicines).

Prices are financial data: shown only to roles that manage inventory or bills, never to doctors or nurses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get
from litestar.params import QueryParameter
from msgspec import Struct

from db import pharmacy as pharmacy_service
from domain.actors import Actor
from domain.policy import Permission, allows
from server.errors import document_errors
from server.security import requires


class MedicineOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    name: str
    current_stock: int
    in_stock: bool
    generic_name: str | None = None
    form: str | None = None
    strength: str | None = None
    category: str | None = None
    drug_class: str | None = None
    next_expiry: date | None = None
    reorder_level: int | None = None
    selling_price: Decimal | None = None
    cost_per_unit: Decimal | None = None


class MedicinesOut(Struct, rename="camel"):
    medicines: list[MedicineOut]
    total: int


def _sees_prices(actor: Actor) -> bool:
    return actor.role is not None and (
        allows(actor.role, Permission.PHARMACY_INVENTORY) or allows(actor.role, Permission.BILLING_READ)
    )


@get("/api/pharmacy/medicines", guards=[requires(Permission.PHARMACY_MEDICINES_READ)], tags=["pharmacy"],
     summary="Search the formulary by brand or generic name, with stock on hand (prices for pharmacy and billing)")
async def list_medicines(
    request: Request[Actor, Any, Any],
    search: Annotated[str | None, QueryParameter(max_length=100)] = None,
    category: Annotated[str | None, QueryParameter(max_length=100)] = None,
    in_stock: Annotated[bool | None, QueryParameter(name="inStock")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 20,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> MedicinesOut:
    rows, total = await pharmacy_service.search_medicines(
        search=search, category=category, in_stock=in_stock, limit=limit, offset=offset
    )
    prices = _sees_prices(request.user)
    return MedicinesOut(
        medicines=[
            MedicineOut(
                id=r["id"], name=r["name"], current_stock=r["stock"], in_stock=r["stock"] > 0,
                generic_name=r["generic_name"], form=r["form"], strength=r["strength"], category=r["category"],
                drug_class=r["drug_class"], next_expiry=r["next_expiry"], reorder_level=r["reorder_level"],
                selling_price=r["selling_price"] if prices else None,
                cost_per_unit=r["cost_per_unit"] if prices else None,
            )
            for r in rows
        ],
        total=total,
    )


ROUTES: list[Any] = document_errors([list_medicines])
