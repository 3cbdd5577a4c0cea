"""Imaging and radiology orders, from order through procedure to the radiologist's report.

The technician references users: the spec's radiology_staff table does not exist.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import UUID, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.tables.patients import Patient
from db.tables.users import Doctor, User
from domain.imaging import ImagingStatus, ImagingUrgency

_now = partial(datetime.now, UTC)


class ImagingOrder(Table, tablename="imaging_orders"):
    id = UUID(primary_key=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    imaging_type = Varchar(length=100, default=None)
    body_part = Varchar(length=100, null=True, default=None)
    ordered_by = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict)
    order_date = Timestamptz()
    urgency = Varchar(length=10, choices=ImagingUrgency, default=ImagingUrgency.ROUTINE)
    scheduled_at = Timestamptz(null=True, default=None, index=True)
    procedure_date = Timestamptz(null=True, default=None, index=True)
    technician_id = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    findings = Text(null=True, default=None)
    report_date = Timestamptz(null=True, default=None)
    radiologist_id = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict)
    images_path = Text(null=True, default=None)
    status = Varchar(length=20, choices=ImagingStatus, default=ImagingStatus.ORDERED, index=True)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
