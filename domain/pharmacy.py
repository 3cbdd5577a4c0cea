"""Pharmacy vocabulary: prescription items, stock movements and purchase orders.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class PrescriptionItemStatus(StrEnum):
    PRESCRIBED = "PRESCRIBED"
    DISPENSED = "DISPENSED"
    COMPLETED = "COMPLETED"
    # Not in the spec: an item stopped before it was dispensed or completed.
    CANCELLED = "CANCELLED"


class StockAction(StrEnum):
    ADD = "ADD"
    REMOVE = "REMOVE"
    ADJUST = "ADJUST"
    DISPENSE = "DISPENSE"


class PurchaseOrderStatus(StrEnum):
    ORDERED = "ORDERED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"
