"""The formulary as prescribers and the pharmacy see it: medicine search with stock on hand.

Dispensing, stock movements and reorders come with the pharmacy work; this module only reads.
"""

from __future__ import annotations

from typing import Any

from db.connection import fetch


async def search_medicines(
    *, search: str | None, category: str | None, in_stock: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Medicines whose brand or generic name contains `search` (brand-name prefix matches first)."""
    pattern = None if not search else "%" + search.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
    prefix = None if not search else search.strip().lower() + "%"
    rows = await fetch(
        """
        SELECT m.id, m.name, m.generic_name, m.form, m.strength, m.category, m.drug_class, m.selling_price,
               m.cost_per_unit, m.reorder_level,
               coalesce(sum(b.quantity) FILTER (WHERE b.expiry_date >= current_date), 0)::int AS stock,
               min(b.expiry_date) FILTER (WHERE b.expiry_date >= current_date AND b.quantity > 0) AS next_expiry,
               count(*) OVER () AS total
        FROM medicines m LEFT JOIN medicine_batches b ON b.medicine_id = m.id
        WHERE ($1::text IS NULL OR lower(m.name) LIKE $1 OR lower(coalesce(m.generic_name, '')) LIKE $1)
          AND ($2::text IS NULL OR m.category = $2)
        GROUP BY m.id
        HAVING $3::boolean IS NULL
            OR ($3 AND coalesce(sum(b.quantity) FILTER (WHERE b.expiry_date >= current_date), 0) > 0)
            OR (NOT $3 AND coalesce(sum(b.quantity) FILTER (WHERE b.expiry_date >= current_date), 0) = 0)
        ORDER BY ($4::text IS NOT NULL AND lower(m.name) LIKE $4) DESC, m.name
        LIMIT $5 OFFSET $6
        """,
        pattern, category, in_stock, prefix, limit, offset,
    )
    total = int(rows[0]["total"]) if rows else 0
    return [{k: v for k, v in dict(r).items() if k != "total"} for r in rows], total
