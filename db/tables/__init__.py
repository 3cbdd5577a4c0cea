"""Every Piccolo table of the hospital, one module per area, re-exported here.

`db.piccolo_app` finds them with table_finder(modules=["db.tables"]); import tables from here.
"""

from db.tables.audit import AuditLog, AuditSeal
from db.tables.billing import Bill, BillItem, InsuranceClaim, InsuranceCompany, Payment
from db.tables.imaging import ImagingOrder
from db.tables.ipd import (
    Bed,
    BedAssignment,
    IpdAdmission,
    IpdDailyNote,
    MedicationAdministration,
    Room,
    VitalSignObservation,
    Ward,
)
from db.tables.lab import LabAnalyte, LabQualityControl, LabResultComponent, LabTest, LabTestCatalog
from db.tables.opd import OpdConsultation, QueueToken
from db.tables.patients import Appointment, Patient, PatientAllergy, PatientMerge, PatientVisit
from db.tables.pharmacy import (
    Medicine,
    MedicineBatch,
    Prescription,
    PrescriptionItem,
    PurchaseOrder,
    StockMovement,
    Supplier,
)
from db.tables.realtime import Alert, AlertEvent, IdempotencyRecord, OutboxEvent, TopicCounter
from db.tables.users import (
    Department,
    DeviceToken,
    Doctor,
    DutyRoster,
    EmergencyAccess,
    HospitalStaff,
    LoginThrottle,
    RefreshToken,
    User,
    UserSession,
    WardAssignment,
)

__all__ = [
    "Alert",
    "AlertEvent",
    "Appointment",
    "AuditLog",
    "AuditSeal",
    "Bed",
    "BedAssignment",
    "Bill",
    "BillItem",
    "Department",
    "DeviceToken",
    "Doctor",
    "DutyRoster",
    "EmergencyAccess",
    "HospitalStaff",
    "IdempotencyRecord",
    "ImagingOrder",
    "InsuranceClaim",
    "InsuranceCompany",
    "IpdAdmission",
    "IpdDailyNote",
    "LabAnalyte",
    "LabQualityControl",
    "LabResultComponent",
    "LabTest",
    "LabTestCatalog",
    "LoginThrottle",
    "MedicationAdministration",
    "Medicine",
    "MedicineBatch",
    "OpdConsultation",
    "OutboxEvent",
    "Patient",
    "PatientAllergy",
    "PatientMerge",
    "PatientVisit",
    "Payment",
    "Prescription",
    "PrescriptionItem",
    "PurchaseOrder",
    "QueueToken",
    "RefreshToken",
    "Room",
    "StockMovement",
    "Supplier",
    "TopicCounter",
    "User",
    "UserSession",
    "VitalSignObservation",
    "Ward",
    "WardAssignment",
]
