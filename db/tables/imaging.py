"""Imaging and radiology orders, from order through procedure to the radiologist's report.

The technician references users: the spec's radiology_staff table does not exist. Images and report files
live in a storage (db/storage.py: a local folder, or an S3-compatible store); imaging_files indexes them.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import UUID, BigInt, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.tables.ipd import IpdAdmission
from db.tables.opd import OpdConsultation
from db.tables.patients import Patient, PatientVisit
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
    # DICOM (0008,0050): the number the modality worklist and the images carry.
    accession_number = Varchar(length=50, unique=True, null=True, default=None)
    visit_id = ForeignKey(references=PatientVisit, null=True, on_delete=OnDelete.restrict, index=True)
    consultation_id = ForeignKey(references=OpdConsultation, null=True, on_delete=OnDelete.restrict, index=True)
    ipd_admission_id = ForeignKey(references=IpdAdmission, null=True, on_delete=OnDelete.restrict, index=True)
    clinical_indication = Text(null=True, default=None)
    scheduled_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    procedure_notes = Text(null=True, default=None)
    impression = Text(null=True, default=None)
    cancelled_reason = Text(null=True, default=None)


class ImagingFile(Table, tablename="imaging_files"):
    """One stored image (DICOM, JPEG, PNG) or report document of an imaging order."""

    id = UUID(primary_key=True)
    order_id = ForeignKey(references=ImagingOrder, null=False, on_delete=OnDelete.restrict, index=True)
    storage_key = Varchar(length=500, unique=True, default=None)
    filename = Varchar(length=255, default=None)
    content_type = Varchar(length=100, default=None)
    size_bytes = BigInt(default=0)
    sha256 = Varchar(length=64, default=None)
    uploaded_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    uploaded_at = Timestamptz()
