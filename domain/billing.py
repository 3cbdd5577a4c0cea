"""Billing and insurance vocabulary: bill types and states, payments and claims.

Values are the strings stored in the database and sent on the wire.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from domain.errors import ValidationFailed

# numeric(12, 2): the widest amount a bill, an estimate or a payment column holds.
MONEY_LIMIT = Decimal("10000000000")
PAISE = Decimal("0.01")


def money(value: Decimal, field: str) -> Decimal:
    """An amount in rupees, rounded half-up to paise; refuses NaN, infinities, negatives and overflows."""
    try:
        if not value.is_finite():
            raise InvalidOperation
        amount = value.quantize(PAISE, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValidationFailed(fields={field: "must be an amount in rupees, like 1250.50"}) from exc
    if amount < 0:
        raise ValidationFailed(fields={field: "must not be negative"})
    if amount >= MONEY_LIMIT:
        raise ValidationFailed(fields={field: "must be below 10,000,000,000"})
    return amount


class BillType(StrEnum):
    OPD = "OPD"
    IPD = "IPD"
    EMERGENCY = "EMERGENCY"
    LAB = "LAB"
    PHARMACY = "PHARMACY"


class BillStatus(StrEnum):
    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    PAID = "PAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    CLAIM_PENDING = "CLAIM_PENDING"
    # Not in the spec: a bill voided before payment (raised in error).
    CANCELLED = "CANCELLED"


class BillItemType(StrEnum):
    CONSULTATION = "CONSULTATION"
    ROOM = "ROOM"
    LAB_TEST = "LAB_TEST"
    IMAGING = "IMAGING"
    MEDICINE = "MEDICINE"
    PROCEDURE = "PROCEDURE"
    OTHER = "OTHER"


class PaymentMethod(StrEnum):
    CASH = "CASH"
    CARD = "CARD"
    CHEQUE = "CHEQUE"
    ONLINE = "ONLINE"
    INSURANCE = "INSURANCE"


class ClaimStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAID = "PAID"
    APPEALED = "APPEALED"
