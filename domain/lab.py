"""Laboratory vocabulary: order states, urgency, result flags and quality control.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class LabOrderStatus(StrEnum):
    ORDERED = "ORDERED"
    SAMPLE_COLLECTED = "SAMPLE_COLLECTED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    REPORTED = "REPORTED"
    VERIFIED = "VERIFIED"
    CANCELLED = "CANCELLED"


class Urgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    STAT = "STAT"


class ResultFlag(StrEnum):
    N = "N"
    L = "L"
    H = "H"
    LL = "LL"
    HH = "HH"
    ABNORMAL = "ABNORMAL"


class QualityControlStatus(StrEnum):
    PASS = "PASS"  # noqa: S105 - a QC outcome, not a password
    WARNING = "WARNING"
    FAIL = "FAIL"


# Analytes reported in words on a urine report (colour, appearance, casts, crystals): free text is a valid
# result for them, and is never flagged. Every other analyte takes a number, <x/>x, a titre or a grade.
DESCRIPTIVE_ANALYTE_CODES: frozenset[str] = frozenset({"COLOUR", "APPEAR", "CAST", "CRYST"})

# HL7 v2 table 0078 (OBX-8 abnormal flags) as far as it maps onto ours; anything else is kept as None.
HL7_ABNORMAL_FLAGS: dict[str, ResultFlag] = {
    "N": ResultFlag.N,
    "L": ResultFlag.L,
    "H": ResultFlag.H,
    "LL": ResultFlag.LL,
    "HH": ResultFlag.HH,
    "<": ResultFlag.L,
    ">": ResultFlag.H,
    "A": ResultFlag.ABNORMAL,
    "AA": ResultFlag.ABNORMAL,
    "POS": ResultFlag.ABNORMAL,
    "NEG": ResultFlag.N,
}


class Hl7Rejected(Exception):
    """An HL7 v2 message cannot be processed: `code` AE (error) or AR (reject), `text` why (MSA-3 and ERR)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
