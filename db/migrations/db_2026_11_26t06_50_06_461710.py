"""Constraints, indexes and triggers that Piccolo's auto migrations cannot express.

Written by hand and frozen: value lists are spelled out here (not read from domain/), so this
migration means the same thing whenever it is run. A later change to an enum needs a new
migration that drops and re-adds the CHECK. See docs/data-model.md for the reasons.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T06:50:06:461710"
VERSION = "1.38.0"
DESCRIPTION = "constraints, partial indexes, trigram search, audit immutability"


# Several columns together: one token number per department per hospital day, one event
# per (topic, seq), one stored answer per (user, Idempotency-Key), and so on.
UNIQUE_CONSTRAINTS = [
    ("queue_tokens", "uq_queue_tokens_department_day_number", "UNIQUE (department_id, token_date, token_number)"),
    ("outbox_events", "uq_outbox_events_topic_seq", "UNIQUE (topic, seq)"),
    ("idempotency_records", "uq_idempotency_records_user_key", "UNIQUE (user_id, key)"),
    (
        "lab_analytes",
        "uq_lab_analytes_catalog_code_sex_age",
        "UNIQUE NULLS NOT DISTINCT (catalog_id, code, sex, age_min_years, age_max_years)",
    ),
    ("beds", "uq_beds_room_bed_number", "UNIQUE (room_id, bed_number)"),
    ("medicine_batches", "uq_medicine_batches_medicine_batch", "UNIQUE (medicine_id, batch_number)"),
    ("ward_assignments", "uq_ward_assignments_user_ward", "UNIQUE (user_id, ward_id)"),
    ("lab_result_components", "uq_lab_result_components_test_code", "UNIQUE (lab_test_id, code)"),
]

# Every column declared with choices= in db/tables: (table, column, allowed values).
CHOICE_CHECKS = [
    ("alerts", "kind", ("CRITICAL_RESULT", "NEWS2_DETERIORATION", "MEDICATION_OVERDUE")),
    ("alerts", "severity", ("INFO", "WARNING", "URGENT", "CRITICAL")),
    ("alerts", "status", ("RAISED", "DELIVERED", "SEEN", "ACKNOWLEDGED", "ESCALATED", "RESOLVED")),
    ("appointments", "status", ("SCHEDULED", "CHECK_IN", "IN_PROGRESS", "COMPLETED", "NO_SHOW", "CANCELLED")),
    ("beds", "status", ("AVAILABLE", "RESERVED", "OCCUPIED", "CLEANING", "MAINTENANCE")),
    ("bill_items", "item_type", ("CONSULTATION", "ROOM", "LAB_TEST", "IMAGING", "MEDICINE", "PROCEDURE", "OTHER")),
    ("bills", "bill_type", ("OPD", "IPD", "EMERGENCY", "LAB", "PHARMACY")),
    ("bills", "payment_method", ("CASH", "CARD", "CHEQUE", "ONLINE", "INSURANCE")),
    ("bills", "status", ("DRAFT", "FINALIZED", "PAID", "PARTIALLY_PAID", "CLAIM_PENDING", "CANCELLED")),
    ("hospital_staff", "staff_type", ("NURSE", "LAB_TECHNICIAN", "RADIOGRAPHER", "PHARMACY_TECH", "RECEPTIONIST", "BILLING_CLERK")),
    ("hospital_staff", "shift", ("MORNING", "EVENING", "NIGHT")),
    ("imaging_orders", "urgency", ("ROUTINE", "URGENT")),
    ("imaging_orders", "status", ("ORDERED", "SCHEDULED", "COMPLETED", "REPORTED", "CANCELLED")),
    ("insurance_claims", "status", ("DRAFT", "SUBMITTED", "APPROVED", "REJECTED", "PAID", "APPEALED")),
    ("ipd_admissions", "admission_type", ("ROUTINE", "EMERGENCY", "URGENT")),
    ("ipd_admissions", "status", ("ACTIVE", "DISCHARGED", "TRANSFERRED", "DECEASED")),
    ("ipd_daily_notes", "note_type", ("DOCTOR_NOTE", "NURSE_NOTE", "CARE_PLAN")),
    ("lab_quality_control", "status", ("PASS", "WARNING", "FAIL")),
    ("lab_result_components", "flag", ("N", "L", "H", "LL", "HH", "ABNORMAL")),
    ("lab_tests", "urgency", ("ROUTINE", "URGENT", "STAT")),
    ("lab_tests", "status", ("ORDERED", "SAMPLE_COLLECTED", "PROCESSING", "COMPLETED", "REPORTED", "VERIFIED", "CANCELLED")),
    ("medication_administrations", "status", ("SCHEDULED", "GIVEN", "HELD", "REFUSED", "MISSED")),
    ("patient_allergies", "allergen_type", ("DRUG", "DRUG_CLASS", "FOOD", "ENVIRONMENT")),
    ("patient_allergies", "severity", ("MILD", "MODERATE", "SEVERE", "LIFE_THREATENING")),
    ("patient_visits", "visit_type", ("OPD", "IPD", "EMERGENCY", "FOLLOW_UP")),
    ("patient_visits", "status", ("REGISTERED", "WAITING", "IN_CONSULTATION", "COMPLETED", "ADMITTED", "CANCELLED")),
    ("patients", "gender", ("MALE", "FEMALE", "OTHER")),
    ("patients", "blood_group", ("A+", "A-", "B+", "B-", "O+", "O-", "AB+", "AB-")),
    ("payments", "method", ("CASH", "CARD", "CHEQUE", "ONLINE", "INSURANCE")),
    ("prescription_items", "status", ("PRESCRIBED", "DISPENSED", "COMPLETED", "CANCELLED")),
    ("purchase_orders", "status", ("ORDERED", "RECEIVED", "CANCELLED")),
    ("queue_tokens", "priority", ("EMERGENCY", "URGENT", "ELDERLY_DISABLED", "ROUTINE")),
    ("queue_tokens", "status", ("WAITING", "CALLED", "IN_CONSULTATION", "COMPLETED", "NO_SHOW", "CANCELLED")),
    ("rooms", "room_type", ("GENERAL", "SEMI_PRIVATE", "PRIVATE", "ICU", "HDU")),
    ("stock_movements", "action", ("ADD", "REMOVE", "ADJUST", "DISPENSE")),
    ("users", "role", ("ADMIN", "DOCTOR", "NURSE", "LAB_STAFF", "PHARMACY_STAFF", "BILLING_STAFF", "RECEPTIONIST", "RADIOLOGIST")),
    ("vital_sign_observations", "consciousness", ("A", "C", "V", "P", "U")),
]

# Amounts and counts that cannot be negative, and orderings that must hold.
VALUE_CHECKS = [
    ("bills", "ck_bills_money_not_negative",
     "CHECK (subtotal >= 0 AND discount >= 0 AND tax >= 0 AND total_amount >= 0 AND amount_paid >= 0"
     " AND (insurance_amount IS NULL OR insurance_amount >= 0)"
     " AND (patient_amount IS NULL OR patient_amount >= 0))"),
    ("bill_items", "ck_bill_items_amounts", "CHECK (quantity > 0 AND unit_rate >= 0 AND amount >= 0)"),
    ("payments", "ck_payments_amount_positive", "CHECK (amount > 0)"),
    ("insurance_claims", "ck_insurance_claims_money_not_negative",
     "CHECK (claim_amount >= 0 AND (approved_amount IS NULL OR approved_amount >= 0))"),
    ("medicines", "ck_medicines_stock_and_prices_not_negative",
     "CHECK (current_stock >= 0 AND (reorder_level IS NULL OR reorder_level >= 0)"
     " AND (reorder_quantity IS NULL OR reorder_quantity >= 0)"
     " AND (cost_per_unit IS NULL OR cost_per_unit >= 0)"
     " AND (selling_price IS NULL OR selling_price >= 0))"),
    ("medicine_batches", "ck_medicine_batches_not_negative",
     "CHECK (quantity >= 0 AND (cost_per_unit IS NULL OR cost_per_unit >= 0))"),
    ("purchase_orders", "ck_purchase_orders_quantity_positive", "CHECK (quantity > 0)"),
    ("stock_movements", "ck_stock_movements_quantity_not_zero", "CHECK (quantity <> 0)"),
    ("prescription_items", "ck_prescription_items_dose",
     "CHECK (dose_quantity > 0 AND duration_days > 0"
     " AND (dispensed_quantity IS NULL OR dispensed_quantity >= 0))"),
    ("rooms", "ck_rooms_rate_not_negative", "CHECK (rate_per_day IS NULL OR rate_per_day >= 0)"),
    ("lab_test_catalog", "ck_lab_test_catalog_price_not_negative", "CHECK (price >= 0)"),
    ("ipd_admissions", "ck_ipd_admissions_estimated_cost_not_negative",
     "CHECK (estimated_cost IS NULL OR estimated_cost >= 0)"),
    ("ipd_admissions", "ck_ipd_admissions_discharge_after_admission",
     "CHECK (discharge_date IS NULL OR discharge_date >= admission_date)"),
    ("bed_assignments", "ck_bed_assignments_ends_after_start", "CHECK (ended_at IS NULL OR ended_at >= started_at)"),
    ("duty_roster", "ck_duty_roster_ends_after_start", "CHECK (ends_at > starts_at)"),
    ("emergency_access", "ck_emergency_access_expires_after_start", "CHECK (expires_at > created_at)"),
    ("queue_tokens", "ck_queue_tokens_counts", "CHECK (token_number > 0 AND call_count >= 0)"),
    ("appointments", "ck_appointments_duration_positive", "CHECK (duration_minutes > 0)"),
    ("vital_sign_observations", "ck_vital_sign_observations_ranges",
     "CHECK ((pain_score IS NULL OR pain_score BETWEEN 0 AND 10)"
     " AND (news2_score IS NULL OR news2_score BETWEEN 0 AND 20)"
     " AND (oxygen_saturation IS NULL OR oxygen_saturation BETWEEN 0 AND 100))"),
    ("lab_analytes", "ck_lab_analytes_sex", "CHECK (sex IN ('MALE', 'FEMALE'))"),
    ("lab_analytes", "ck_lab_analytes_bands",
     "CHECK ((age_min_years IS NULL OR age_max_years IS NULL OR age_min_years <= age_max_years)"
     " AND (ref_low IS NULL OR ref_high IS NULL OR ref_low <= ref_high)"
     " AND (critical_low IS NULL OR critical_high IS NULL OR critical_low <= critical_high))"),
    ("patients", "ck_patients_not_merged_into_self", "CHECK (merged_into IS NULL OR merged_into <> id)"),
    ("patient_merges", "ck_patient_merges_distinct", "CHECK (survivor_id <> merged_id)"),
    ("alerts", "ck_alerts_escalation_level_not_negative", "CHECK (escalation_level >= 0)"),
]

# (name, CREATE statement). Partial unique indexes carry the invariants of beds and admissions.
INDEXES = [
    # One ACTIVE admission per patient, one ACTIVE admission per bed.
    ("ux_ipd_admissions_active_patient",
     "CREATE UNIQUE INDEX ux_ipd_admissions_active_patient ON ipd_admissions (patient_id) WHERE status = 'ACTIVE'"),
    ("ux_ipd_admissions_active_bed",
     "CREATE UNIQUE INDEX ux_ipd_admissions_active_bed ON ipd_admissions (bed_id)"
     " WHERE status = 'ACTIVE' AND bed_id IS NOT NULL"),
    # One open stay per bed, one open stay per admission.
    ("ux_bed_assignments_open_bed",
     "CREATE UNIQUE INDEX ux_bed_assignments_open_bed ON bed_assignments (bed_id) WHERE ended_at IS NULL"),
    ("ux_bed_assignments_open_admission",
     "CREATE UNIQUE INDEX ux_bed_assignments_open_admission ON bed_assignments (admission_id) WHERE ended_at IS NULL"),
    # Sign-in looks email up case-insensitively, so uniqueness must be case-insensitive too.
    ("ux_users_email_lower", "CREATE UNIQUE INDEX ux_users_email_lower ON users (lower(email))"),
    ("ix_vital_sign_observations_admission_recorded",
     "CREATE INDEX ix_vital_sign_observations_admission_recorded"
     " ON vital_sign_observations (admission_id, recorded_at)"),
    ("ix_duty_roster_window", "CREATE INDEX ix_duty_roster_window ON duty_roster (starts_at, ends_at)"),
    ("ix_audit_log_table_record", "CREATE INDEX ix_audit_log_table_record ON audit_log (table_name, record_id)"),
    ("ix_audit_log_created_at", "CREATE INDEX ix_audit_log_created_at ON audit_log (created_at)"),
    # The relay's sweep: events not yet published, oldest first.
    ("ix_outbox_events_unpublished",
     "CREATE INDEX ix_outbox_events_unpublished ON outbox_events (id) WHERE published_at IS NULL"),
    # Patient name search; queries must use this exact expression to use the index.
    ("ix_patients_name_trgm",
     "CREATE INDEX ix_patients_name_trgm ON patients"
     " USING gin (lower(first_name || ' ' || coalesce(last_name, '')) gin_trgm_ops)"),
]

AUDIT_TABLES = ["audit_log", "audit_seals"]

# Audit rows may be inserted by anyone allowed to, but changed or removed only by the owner of
# the table (migrations, retention jobs): enforced here whatever the roles are called.
AUDIT_FUNCTION = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> (SELECT pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID) THEN
        RAISE EXCEPTION '% on % refused: audit records are append-only', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$
"""


def forwards_statements() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for table, name, body in UNIQUE_CONSTRAINTS:
        statements.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {body}")
    for table, column, values in CHOICE_CHECKS:
        allowed = ", ".join(f"'{value}'" for value in values)
        statements.append(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column} CHECK ({column} IN ({allowed}))")
    for table, name, body in VALUE_CHECKS:
        statements.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {body}")
    statements.extend(create for _, create in INDEXES)
    statements.append(AUDIT_FUNCTION)
    for table in AUDIT_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
    return statements


def backwards_statements() -> list[str]:
    # pg_trgm stays: other objects may rely on it, and it is harmless.
    statements: list[str] = []
    for table in AUDIT_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    statements.append("DROP FUNCTION IF EXISTS audit_refuse_change()")
    statements.extend(f"DROP INDEX IF EXISTS {name}" for name, _ in reversed(INDEXES))
    for table, name, _ in reversed(VALUE_CHECKS):
        statements.append(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    for table, column, _ in reversed(CHOICE_CHECKS):
        statements.append(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_{column}")
    for table, name, _ in reversed(UNIQUE_CONSTRAINTS):
        statements.append(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    return statements


async def _execute(statements: list[str]) -> None:
    # run_ddl uses the migration's transaction when there is one, so all of this
    # commits or rolls back together with the migration record.
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no Piccolo engine configured")
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="db", description=DESCRIPTION)

    async def run() -> None:
        await _execute(forwards_statements())

    async def run_backwards() -> None:
        await _execute(backwards_statements())

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
