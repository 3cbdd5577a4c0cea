"""The laboratory: test catalogue and reference ranges, orders, result components, QC runs.

Staff columns (collected, reported, verified by) reference users: the spec's lab_staff table does not exist.
Analyzers enter results as a device account of their own (lab_analyzers.user_id), so every result row names
who or what produced it, and a second person can always verify it.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import (
    JSONB,
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
from db.tables.opd import OpdConsultation
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
    # The OPD consultation it was ordered in (visit_id is that consultation's visit).
    consultation_id = ForeignKey(references=OpdConsultation, null=True, on_delete=OnDelete.restrict, index=True)
    # The catalogue test's lab section when ordered: the key of its `lab:{section}` worklist topic.
    section = Varchar(length=100, null=True, default=None, index=True)
    clinical_notes = Text(null=True, default=None)
    collection_notes = Text(null=True, default=None)
    processing_started_at = Timestamptz(null=True, default=None)
    processing_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    # When results were last entered (result_date is when they were released to the doctor).
    results_entered_at = Timestamptz(null=True, default=None)
    # Released (REPORTED) to the ordering doctor and the patient record: turnaround ends here.
    released_at = Timestamptz(null=True, default=None, index=True)
    released_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    # When the ordering doctor first opened the released result (the "results to view" of the dashboard).
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
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
    # MANUAL, or the code of the analyzer whose HL7 message carried it.
    source = Varchar(length=50, default="MANUAL")
    # What the client or the analyzer said (isAbnormal, OBX-8): kept, never used to flag.
    reported_flag = Varchar(length=10, null=True, default=None)
    comment = Text(null=True, default=None)
    corrected_at = Timestamptz(null=True, default=None)
    corrected_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    correction_reason = Text(null=True, default=None)


class LabResultRevision(Table, tablename="lab_result_revisions"):
    """A value a result component held before it was replaced (a rerun before release, a correction after)."""

    id = UUID(primary_key=True)
    component_id = ForeignKey(references=LabResultComponent, null=False, on_delete=OnDelete.restrict, index=True)
    lab_test_id = ForeignKey(references=LabTest, null=False, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=50, default=None)
    value_text = Text(null=True, default=None)
    unit = Varchar(length=50, null=True, default=None)
    flag = Varchar(length=10, choices=ResultFlag, null=True, default=None)
    source = Varchar(length=50, default="MANUAL")
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    entered_at = Timestamptz(default=None)
    replaced_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    replaced_at = Timestamptz()
    # RERUN (before release) or CORRECTION (after release, HL7 OBX-11 C).
    kind = Varchar(length=20, default=None)
    reason = Text(null=True, default=None)


class LabOrderEvent(Table, tablename="lab_order_events"):
    """The order's chain of custody: every status change, by whom, when and why."""

    id = UUID(primary_key=True)
    lab_test_id = ForeignKey(references=LabTest, null=False, on_delete=OnDelete.restrict, index=True)
    from_status = Varchar(length=20, null=True, default=None)
    to_status = Varchar(length=20, null=True, default=None)
    event = Varchar(length=40, default=None)
    actor_id = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    at = Timestamptz()
    reason = Text(null=True, default=None)
    detail = JSONB(default="{}")


class LabAnalyzer(Table, tablename="lab_analyzers"):
    """An instrument that sends results over HL7 v2; `code` is its MSH-3 sending application."""

    id = UUID(primary_key=True)
    code = Varchar(length=50, unique=True, default=None)
    name = Varchar(length=200, default=None)
    section = Varchar(length=100, null=True, default=None)
    # The device account results are entered as (role LAB_STAFF, inactive: it never signs in).
    user_id = ForeignKey(references=User, null=False, unique=True, on_delete=OnDelete.restrict)
    is_active = Boolean(default=True)
    created_at = Timestamptz()


class Hl7Message(Table, tablename="hl7_messages"):
    """Every HL7 v2 message received, with the acknowledgement sent back (a duplicate is answered from here)."""

    id = UUID(primary_key=True)
    control_id = Varchar(length=199, null=True, default=None)
    sending_application = Varchar(length=200, null=True, default=None)
    sending_facility = Varchar(length=200, null=True, default=None)
    message_type = Varchar(length=20, null=True, default=None)
    transport = Varchar(length=10, default=None)
    analyzer_id = ForeignKey(references=LabAnalyzer, null=True, on_delete=OnDelete.restrict)
    received_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    received_at = Timestamptz(index=True)
    raw_message = Text(default=None)
    ack_code = Varchar(length=2, default=None)
    ack_text = Text(null=True, default=None)
    ack_message = Text(default=None)
    results_written = Integer(default=0)


class LabQualityControl(Table, tablename="lab_quality_control"):
    id = UUID(primary_key=True)
    catalog_id = ForeignKey(references=LabTestCatalog, null=False, on_delete=OnDelete.restrict, index=True)
    control_result = Text(default=None)
    status = Varchar(length=10, choices=QualityControlStatus, default=None)
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    # A control material run: which analyte, level and lot, its value and the lot's target mean and SD.
    analyte_code = Varchar(length=50, null=True, default=None)
    control_level = Varchar(length=20, null=True, default=None)
    lot_number = Varchar(length=50, null=True, default=None)
    value_numeric = Numeric(digits=(12, 4), null=True, default=None)
    target_mean = Numeric(digits=(12, 4), null=True, default=None)
    target_sd = Numeric(digits=(12, 4), null=True, default=None)
    # The Westgard rules the run broke (1-2s, 1-3s, 2-2s, R-4s), or none.
    rules_violated = Varchar(length=50, null=True, default=None)
    # What the person entering it said the status was, when the server decided otherwise.
    reported_status = Varchar(length=10, null=True, default=None)
    notes = Text(null=True, default=None)
