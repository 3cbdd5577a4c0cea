"""Billing and insurance vocabulary: bill types and states, payments and claims.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


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
