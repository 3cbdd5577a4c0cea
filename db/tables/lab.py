"""The laboratory: test catalogue and reference ranges, orders, result components, QC runs.

Staff columns (collected, reported, verified by) reference users: the spec's lab_staff table does not exist.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import (
    UUID,
    Boolean,
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
from db.tables.patients import Patient, PatientVisit
from db.tables.users import Doctor, User
from domain.lab import LabOrderStatus, QualityControlStatus, ResultFlag, Urgency

_now = partial(datetime.now, UTC)


class LabTestCatalog(Table, tablename="lab_test_catalog"):
    id = UUID(primary_key=True)
    code = Varchar(length=50, unique=True, default=None)
    name = Varchar(length=200, default=None)
    category = Varchar(length=100, null=True, default=None, index=True)
    section = Varchar(length=100, null=True, default=None)
    sample_type = Varchar(length=100, null=True, default=None)
    is_panel = Boolean(default=False)
    turnaround_minutes = Integer(null=True, default=None)
    price = Numeric(digits=(10, 2), default=None)
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class LabAnalyte(Table, tablename="lab_analytes"):
    """One measured quantity of a catalogue test, with its reference and critical limits.

    Several rows may share a code when ranges differ by sex or age band; null means "any".
    """

    id = UUID(primary_key=True)
    # Indexed by the unique (catalog_id, code, sex, age_min_years, age_max_years) of the migration.
    catalog_id = ForeignKey(references=LabTestCatalog, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=50, default=None)
    name = Varchar(length=200, default=None)
    unit = Varchar(length=50, null=True, default=None)
    sex = Varchar(length=10, null=True, default=None)
    age_min_years = Integer(null=True, default=None)
    age_max_years = Integer(null=True, default=None)
    ref_low = Numeric(digits=(12, 4), null=True, default=None)
    ref_high = Numeric(digits=(12, 4), null=True, default=None)
    critical_low = Numeric(digits=(12, 4), null=True, default=None)
    critical_high = Numeric(digits=(12, 4), null=True, default=None)
    display_order = Integer(default=0)


class LabTest(Table, tablename="lab_tests"):
    """A lab order for one patient and its (summary) result."""

    id = UUID(primary_key=True)
    accession_number = Varchar(length=50, unique=True, default=None)
    visit_id = ForeignKey(references=PatientVisit, null=True, on_delete=OnDelete.restrict, index=True)
    ipd_admission_id = ForeignKey(references=IpdAdmission, null=True, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    catalog_id = ForeignKey(references=LabTestCatalog, null=True, on_delete=OnDelete.restrict)
    test_name = Varchar(length=200, default=None)
    test_code = Varchar(length=50, null=True, default=None)
    test_category = Varchar(length=100, null=True, default=None)
    urgency = Varchar(length=10, choices=Urgency, default=Urgency.ROUTINE)
    ordered_by = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict)
    order_date = Timestamptz()
    sample_type = Varchar(length=100, null=True, default=None)
    sample_collected_date = Timestamptz(null=True, default=None)
    sample_collected_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    result_value = Text(null=True, default=None)
    result_unit = Varchar(length=50, null=True, default=None)
    reference_range = Text(null=True, default=None)
    is_abnormal = Boolean(null=True, default=None)
    result_date = Timestamptz(null=True, default=None, index=True)
    reported_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    verified_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    verified_at = Timestamptz(null=True, default=None)
    status = Varchar(length=20, choices=LabOrderStatus, default=LabOrderStatus.ORDERED, index=True)
    cancelled_reason = Text(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class LabResultComponent(Table, tablename="lab_result_components"):
    """One analyte's value in a lab test's result; a correction keeps the previous value."""

    id = UUID(primary_key=True)
    # Indexed by the unique (lab_test_id, code) of the migration.
    lab_test_id = ForeignKey(references=LabTest, null=False, on_delete=OnDelete.restrict)
    analyte_id = ForeignKey(references=LabAnalyte, null=True, on_delete=OnDelete.restrict)
    code = Varchar(length=50, default=None)
    name = Varchar(length=200, default=None)
    value_text = Text(null=True, default=None)
    value_numeric = Numeric(digits=(12, 4), null=True, default=None)
    unit = Varchar(length=50, null=True, default=None)
    reference_range = Varchar(length=100, null=True, default=None)
    flag = Varchar(length=10, choices=ResultFlag, null=True, default=None)
    is_corrected = Boolean(default=False)
    corrected_from = Text(null=True, default=None)
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    entered_at = Timestamptz()


class LabQualityControl(Table, tablename="lab_quality_control"):
    id = UUID(primary_key=True)
    catalog_id = ForeignKey(references=LabTestCatalog, null=False, on_delete=OnDelete.restrict, index=True)
    control_result = Text(default=None)
    status = Varchar(length=10, choices=QualityControlStatus, default=None)
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
