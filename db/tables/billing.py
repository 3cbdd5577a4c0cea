"""Billing and insurance: insurers, bills and their items, payments, and insurance claims.

Money is NUMERIC (never float); arithmetic is Decimal with two places, rounding half-up, in code.
"""

from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from piccolo.columns import UUID, ForeignKey, Integer, Numeric, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.tables.ipd import IpdAdmission
from db.tables.patients import Patient, PatientVisit
from db.tables.users import User
from domain.billing import BillItemType, BillStatus, BillType, ClaimStatus, PaymentMethod

_now = partial(datetime.now, UTC)
_ZERO = Decimal("0.00")


class InsuranceCompany(Table, tablename="insurance_companies"):
    id = UUID(primary_key=True)
    name = Varchar(length=200, default=None)
    company_code = Varchar(length=50, null=True, default=None, unique=True)
    contact_person = Varchar(length=100, null=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=100, null=True, default=None)
    api_endpoint = Varchar(length=500, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Bill(Table, tablename="bills"):
    id = UUID(primary_key=True)
    bill_number = Varchar(length=50, unique=True, default=None)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    visit_id = ForeignKey(references=PatientVisit, null=True, on_delete=OnDelete.restrict, index=True)
    ipd_admission_id = ForeignKey(references=IpdAdmission, null=True, on_delete=OnDelete.restrict, index=True)
    bill_date = Timestamptz(index=True)
    bill_type = Varchar(length=20, choices=BillType, default=None)
    subtotal = Numeric(digits=(12, 2), default=_ZERO)
    discount = Numeric(digits=(12, 2), default=_ZERO)
    tax = Numeric(digits=(12, 2), default=_ZERO)
    total_amount = Numeric(digits=(12, 2), default=_ZERO)
    amount_paid = Numeric(digits=(12, 2), default=_ZERO)
    balance = Numeric(digits=(12, 2), default=_ZERO)
    # The method of the last payment, as in the spec; every payment is in payments.
    payment_method = Varchar(length=20, choices=PaymentMethod, null=True, default=None)
    payment_date = Timestamptz(null=True, default=None)
    insurance_company_id = ForeignKey(references=InsuranceCompany, null=True, on_delete=OnDelete.restrict)
    # The insurer's claim reference (spec); the claim row itself is insurance_claims.bill_id.
    insurance_claim_id = Varchar(length=100, null=True, default=None)
    insurance_amount = Numeric(digits=(12, 2), null=True, default=None)
    patient_amount = Numeric(digits=(12, 2), null=True, default=None)
    status = Varchar(length=20, choices=BillStatus, default=BillStatus.DRAFT, index=True)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class BillItem(Table, tablename="bill_items"):
    id = UUID(primary_key=True)
    bill_id = ForeignKey(references=Bill, null=False, on_delete=OnDelete.restrict, index=True)
    item_type = Varchar(length=20, choices=BillItemType, default=BillItemType.OTHER)
    item_name = Varchar(length=200, default=None)
    quantity = Integer(default=1)
    unit_rate = Numeric(digits=(10, 2), default=None)
    amount = Numeric(digits=(12, 2), default=None)
    created_at = Timestamptz()


class Payment(Table, tablename="payments"):
    id = UUID(primary_key=True)
    bill_id = ForeignKey(references=Bill, null=False, on_delete=OnDelete.restrict, index=True)
    amount = Numeric(digits=(12, 2), default=None)
    method = Varchar(length=20, choices=PaymentMethod, default=None)
    reference = Varchar(length=100, null=True, default=None)
    received_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz(index=True)


class InsuranceClaim(Table, tablename="insurance_claims"):
    id = UUID(primary_key=True)
    # Assigned on submission, so null while the claim is a draft.
    claim_number = Varchar(length=100, null=True, default=None, unique=True)
    bill_id = ForeignKey(references=Bill, null=False, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    insurance_company_id = ForeignKey(
        references=InsuranceCompany, null=False, on_delete=OnDelete.restrict, index=True
    )
    claim_amount = Numeric(digits=(12, 2), default=None)
    claim_date = Timestamptz()
    submitted_date = Timestamptz(null=True, default=None)
    status = Varchar(length=20, choices=ClaimStatus, default=ClaimStatus.DRAFT, index=True)
    rejection_reason = Text(null=True, default=None)
    approved_amount = Numeric(digits=(12, 2), null=True, default=None)
    payment_date = Timestamptz(null=True, default=None)
    reference_number = Varchar(length=100, null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
