"""The pharmacy: suppliers, medicines and their batches, prescriptions, stock and reorders.

medicines.current_stock is the running total; stock_movements is the ledger that explains it.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import (
    JSONB,
    UUID,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.tables.ipd import IpdAdmission
from db.tables.opd import OpdConsultation
from db.tables.patients import Patient
from db.tables.users import Doctor, User
from domain.pharmacy import PrescriptionItemStatus, PurchaseOrderStatus, StockAction

_now = partial(datetime.now, UTC)


class Supplier(Table, tablename="suppliers"):
    id = UUID(primary_key=True)
    name = Varchar(length=200, default=None)
    contact_person = Varchar(length=100, null=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=100, null=True, default=None)
    gstin = Varchar(length=15, null=True, default=None, unique=True)
    address = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Medicine(Table, tablename="medicines"):
    id = UUID(primary_key=True)
    name = Varchar(length=200, default=None, index=True)
    generic_name = Varchar(length=200, null=True, default=None)
    form = Varchar(length=50, null=True, default=None)
    strength = Varchar(length=50, null=True, default=None)
    category = Varchar(length=100, null=True, default=None, index=True)
    # Matched against patient_allergies of type DRUG_CLASS when prescribing.
    drug_class = Varchar(length=100, null=True, default=None, index=True)
    supplier_id = ForeignKey(references=Supplier, null=True, on_delete=OnDelete.restrict)
    current_stock = Integer(default=0)
    reorder_level = Integer(null=True, default=None)
    reorder_quantity = Integer(null=True, default=None)
    cost_per_unit = Numeric(digits=(10, 2), null=True, default=None)
    selling_price = Numeric(digits=(10, 2), null=True, default=None)
    # The spec's single batch/expiry; per-batch stock is in medicine_batches.
    batch_number = Varchar(length=100, null=True, default=None)
    expiry_date = Date(null=True, default=None, index=True)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class MedicineBatch(Table, tablename="medicine_batches"):
    id = UUID(primary_key=True)
    # Indexed by the unique (medicine_id, batch_number) of the migration.
    medicine_id = ForeignKey(references=Medicine, null=False, on_delete=OnDelete.restrict)
    supplier_id = ForeignKey(references=Supplier, null=True, on_delete=OnDelete.restrict)
    batch_number = Varchar(length=100, default=None)
    expiry_date = Date(default=None, index=True)
    quantity = Integer(default=0)
    cost_per_unit = Numeric(digits=(10, 2), null=True, default=None)
    received_at = Timestamptz()


class Prescription(Table, tablename="prescriptions"):
    id = UUID(primary_key=True)
    consultation_id = ForeignKey(
        references=OpdConsultation, null=True, on_delete=OnDelete.restrict, index=True
    )
    ipd_admission_id = ForeignKey(references=IpdAdmission, null=True, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    doctor_id = ForeignKey(references=Doctor, null=False, on_delete=OnDelete.restrict)
    prescribed_date = Timestamptz()
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class PrescriptionItem(Table, tablename="prescription_items"):
    id = UUID(primary_key=True)
    prescription_id = ForeignKey(references=Prescription, null=False, on_delete=OnDelete.restrict, index=True)
    medicine_id = ForeignKey(references=Medicine, null=False, on_delete=OnDelete.restrict)
    dose_quantity = Numeric(digits=(10, 2), default=None)
    dose_unit = Varchar(length=50, default=None)
    frequency = Varchar(length=100, default=None)
    duration_days = Integer(default=None)
    instructions = Text(null=True, default=None)
    status = Varchar(
        length=20, choices=PrescriptionItemStatus, default=PrescriptionItemStatus.PRESCRIBED, index=True
    )
    # Why the prescriber went ahead despite an allergy or interaction warning.
    override_reason = Text(null=True, default=None)
    # The warnings (allergy, duplicate) shown to the prescriber and overridden with that reason.
    warnings = JSONB(null=True, default=None)
    dispensed_quantity = Integer(null=True, default=None)
    dispensed_date = Timestamptz(null=True, default=None)
    dispensed_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class PurchaseOrder(Table, tablename="purchase_orders"):
    id = UUID(primary_key=True)
    medicine_id = ForeignKey(references=Medicine, null=False, on_delete=OnDelete.restrict, index=True)
    supplier_id = ForeignKey(references=Supplier, null=False, on_delete=OnDelete.restrict, index=True)
    quantity = Integer(default=None)
    status = Varchar(length=20, choices=PurchaseOrderStatus, default=PurchaseOrderStatus.ORDERED)
    ordered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    received_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class StockMovement(Table, tablename="stock_movements"):
    """One change to a medicine's stock; quantity is signed (+ in, - out)."""

    id = UUID(primary_key=True)
    medicine_id = ForeignKey(references=Medicine, null=False, on_delete=OnDelete.restrict, index=True)
    batch_id = ForeignKey(references=MedicineBatch, null=True, on_delete=OnDelete.restrict)
    prescription_item_id = ForeignKey(references=PrescriptionItem, null=True, on_delete=OnDelete.restrict)
    action = Varchar(length=10, choices=StockAction, default=None)
    quantity = Integer(default=None)
    reason = Text(null=True, default=None)
    actor_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz(index=True)
