"""The formulary search prescribers use: by brand or generic name, with stock, prices only for those who may."""

from __future__ import annotations


async def test_a_doctor_finds_a_medicine_by_brand_or_generic_name_without_prices(client, headers_for):
    doctor = await headers_for("doctor@demo.local")
    by_brand = await client.get("/api/pharmacy/medicines", params={"search": "augmentin"}, headers=doctor)
    assert by_brand.status_code == 200, by_brand.text
    found = by_brand.json()["medicines"]
    assert found and found[0]["name"].lower().startswith("augmentin")
    assert by_brand.json()["total"] >= 1
    everything = (await client.get("/api/pharmacy/medicines", params={"limit": 200}, headers=doctor)).json()
    assert not any("sellingPrice" in m or "costPerUnit" in m for m in everything["medicines"])
    assert found[0]["drugClass"]
    by_generic = await client.get("/api/pharmacy/medicines", params={"search": "amoxicillin"}, headers=doctor)
    assert any("amoxicillin" in (m.get("genericName") or "").lower() for m in by_generic.json()["medicines"])


async def test_pharmacy_sees_stock_and_prices_and_filters_by_stock(client, headers_for):
    pharmacy = await headers_for("pharmacy@demo.local")
    everything = (await client.get("/api/pharmacy/medicines", params={"limit": 200}, headers=pharmacy)).json()
    assert everything["total"] == len(everything["medicines"]) > 0
    augmentin = next(m for m in everything["medicines"] if m["name"] == "Augmentin 625 Duo")
    assert augmentin["sellingPrice"] and augmentin["costPerUnit"]
    stocked = (await client.get("/api/pharmacy/medicines", params={"inStock": "true", "limit": 200},
                                headers=pharmacy)).json()["medicines"]
    empty = (await client.get("/api/pharmacy/medicines", params={"inStock": "false", "limit": 200},
                              headers=pharmacy)).json()["medicines"]
    assert all(m["inStock"] and m["currentStock"] > 0 for m in stocked)
    assert all(not m["inStock"] for m in empty)
    assert len(stocked) + len(empty) == everything["total"]


async def test_search_text_is_matched_literally(client, headers_for):
    response = await client.get("/api/pharmacy/medicines", params={"search": "%_%"},
                                headers=await headers_for("doctor@demo.local"))
    assert response.status_code == 200
    assert response.json()["total"] == 0
