"""Amounts in rupees: rounded half-up to paise, and never NaN, infinite, negative or wider than the column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.billing import money
from domain.errors import ValidationFailed


@pytest.mark.parametrize(("raw", "expected"), [
    ("0", "0.00"), ("1250.5", "1250.50"), ("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"),
    ("9999999999.99", "9999999999.99"),
])
def test_amounts_are_rounded_half_up_to_paise(raw, expected):
    assert money(Decimal(raw), "amount") == Decimal(expected)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999999", "-1", "10000000000", "9999999999.995"])
def test_impossible_amounts_are_refused_naming_the_field(raw):
    with pytest.raises(ValidationFailed) as refused:
        money(Decimal(raw), "estimatedCost")
    assert set(refused.value.fields) == {"estimatedCost"}
