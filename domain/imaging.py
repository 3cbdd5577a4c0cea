"""Imaging and radiology vocabulary: order states and urgency.

Values are the strings stored in the database and sent on the wire. The order's allowed moves and the
modality names are declared here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from domain.errors import InvalidTransition, ValidationFailed


class ImagingStatus(StrEnum):
    ORDERED = "ORDERED"
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    REPORTED = "REPORTED"
    # Not in the spec: orders are withdrawn (patient discharged, duplicate order).
    CANCELLED = "CANCELLED"


class ImagingUrgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"


# ORDERED -> SCHEDULED -> COMPLETED (images taken) -> REPORTED. An urgent or portable study may be done
# without a slot (ORDERED -> COMPLETED); a slot may be moved (SCHEDULED -> SCHEDULED). Cancelled until performed.
IMAGING_TRANSITIONS: Mapping[ImagingStatus, frozenset[ImagingStatus]] = MappingProxyType(
    {
        ImagingStatus.ORDERED: frozenset({ImagingStatus.SCHEDULED, ImagingStatus.COMPLETED, ImagingStatus.CANCELLED}),
        ImagingStatus.SCHEDULED: frozenset(
            {ImagingStatus.SCHEDULED, ImagingStatus.COMPLETED, ImagingStatus.CANCELLED}
        ),
        ImagingStatus.COMPLETED: frozenset({ImagingStatus.REPORTED}),
        ImagingStatus.REPORTED: frozenset(),
        ImagingStatus.CANCELLED: frozenset(),
    }
)


def check_imaging_transition(current: ImagingStatus, target: ImagingStatus) -> ImagingStatus:
    """`target` if an imaging order may move there from `current`; InvalidTransition otherwise."""
    if target not in IMAGING_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in IMAGING_TRANSITIONS[current])) or "nothing (it is closed)"
        raise InvalidTransition(
            f"An imaging order that is {current.value} cannot become {target.value} (it may become {allowed})",
            current_state=current.value,
        )
    return target


# The modalities a study is ordered as, with the spellings the spec and the wards use.
class Modality(StrEnum):
    XRAY = "X-RAY"
    CT = "CT"
    MRI = "MRI"
    ULTRASOUND = "ULTRASOUND"
    MAMMOGRAPHY = "MAMMOGRAPHY"
    FLUOROSCOPY = "FLUOROSCOPY"
    DEXA = "DEXA"


_MODALITY_SPELLINGS: Mapping[str, Modality] = MappingProxyType(
    {
        "XRAY": Modality.XRAY, "X-RAY": Modality.XRAY, "X RAY": Modality.XRAY, "RADIOGRAPH": Modality.XRAY,
        "CR": Modality.XRAY, "DX": Modality.XRAY,
        "CT": Modality.CT, "CT SCAN": Modality.CT, "CAT": Modality.CT,
        "MRI": Modality.MRI, "MR": Modality.MRI,
        "ULTRASOUND": Modality.ULTRASOUND, "US": Modality.ULTRASOUND, "USG": Modality.ULTRASOUND,
        "SONOGRAPHY": Modality.ULTRASOUND,
        "MAMMOGRAPHY": Modality.MAMMOGRAPHY, "MAMMOGRAM": Modality.MAMMOGRAPHY, "MG": Modality.MAMMOGRAPHY,
        "FLUOROSCOPY": Modality.FLUOROSCOPY, "RF": Modality.FLUOROSCOPY,
        "DEXA": Modality.DEXA, "DXA": Modality.DEXA,
    }
)


def parse_modality(text: str, *, field: str = "imagingType") -> Modality:
    """The modality `text` names ("X-ray", "xray", "USG", "CT scan"...); ValidationFailed otherwise."""
    key = " ".join(text.strip().upper().replace("_", " ").split())
    found = _MODALITY_SPELLINGS.get(key) or _MODALITY_SPELLINGS.get(key.replace(" ", ""))
    if found is None:
        names = ", ".join(m.value for m in Modality)
        raise ValidationFailed(fields={field: f"{text!r} is not a modality: one of {names}"})
    return found


# --- stored files: what may be uploaded, judged by the bytes themselves --------------------------------

DICOM = "application/dicom"
ALLOWED_IMAGE_TYPES: frozenset[str] = frozenset({DICOM, "image/jpeg", "image/png", "application/pdf"})
MAX_IMAGE_BYTES = 200 * 1024 * 1024


def sniff_content_type(head: bytes) -> str | None:
    """The type the first bytes of a file show: DICOM Part 10 ('DICM' at 128), JPEG, PNG or PDF; else None."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return DICOM
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_declared_type(declared: str | None, head: bytes, *, field: str = "Content-Type") -> str:
    """The file's type when what was declared matches the content (ValidationFailed otherwise).

    `application/octet-stream` (or nothing) declares no type: the content decides, and must be allowed.
    """
    actual = sniff_content_type(head)
    if actual is None:
        raise ValidationFailed(fields={field: "the file is not DICOM, JPEG, PNG or PDF"})
    wanted = (declared or "").split(";")[0].strip().lower()
    if wanted in ("", "application/octet-stream"):
        return actual
    aliases = {"image/jpg": "image/jpeg", "application/dicom+octet-stream": DICOM}
    wanted = aliases.get(wanted, wanted)
    if wanted not in ALLOWED_IMAGE_TYPES:
        raise ValidationFailed(fields={field: f"{wanted} is not accepted (DICOM, JPEG, PNG or PDF)"})
    if wanted != actual:
        raise ValidationFailed(fields={field: f"declared {wanted} but the content is {actual}"})
    return actual
