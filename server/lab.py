"""/api/lab and /api/reports/lab-volume: orders, samples, results, verification, reports, QC, the worklist, HL7.

Routes parse and check input, call one service function in db/lab.py (or channels/hl7.py for HL7) and shape
the answer. Who acts is always the session's user: a body naming another person (orderedBy, collectedBy) is
refused. Results are visible to DOCTOR and NURSE only once released (REPORTED); lab staff see them as entered.
A patient appears with the fields of the caller's role (lab staff: the TEST_RELATED view).
See docs/lab.md for the workflow, the statuses and the events.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from channels import hl7 as hl7_channel
from db import alerts as alerts_service
from db import lab as lab_service
from db.lab import EntryOutcome, NewLabOrder, NewQc, OrderView, ResultEntry
from domain.actors import Actor
from domain.clock import hospital_day
from domain.errors import ValidationFailed
from domain.lab import LabOrderStatus, QualityControlStatus, ResultFlag, Urgency
from domain.lab_events import LabWorklistBoard
from domain.policy import PatientView, Permission, patient_view_of
from domain.registration import age_on
from domain.topics import lab_topic
from server import lab_documents
from server.alerts import AlertOut, alert_out
from server.errors import DecimalIn, document_errors
from server.patients import PatientOut, shape_patient
from server.security import requires
from server.versioning import etag, expected_version

Reason = Annotated[str, Meta(min_length=1, max_length=1000)]
ShortText = Annotated[str, Meta(max_length=1000)]
# Litestar would drop the text's length limits and document the union as oneOf (which 5, an integer and a
# number, fails): the document gets what msgspec enforces.
_RESULT_VALUE_SCHEMA = [{"type": "string", "minLength": 1, "maxLength": 200}, {"type": "number"}]
ResultValue = Annotated[
    Annotated[str, Meta(min_length=1, max_length=200)] | int | float,
    Meta(extra_json_schema={"extra": {"one_of": None, "any_of": _RESULT_VALUE_SCHEMA}}),
]
UnitText = Annotated[str, Meta(max_length=50)]
Code = Annotated[str, Meta(min_length=1, max_length=50)]

# --- Input ---------------------------------------------------------------------------------------


class LabOrderIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {patientId, testName, orderedBy, urgency}; testCode (from GET /api/lab/test-categories) is
    preferred. orderedBy, if sent, must be you (your users id or doctors id): the server records the session."""

    patient_id: UUID
    test_code: Code | None = None
    test_name: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    urgency: Urgency = Urgency.ROUTINE
    ordered_by: UUID | None = None
    consultation_id: UUID | None = None
    admission_id: UUID | None = None
    visit_id: UUID | None = None
    clinical_notes: ShortText | None = None


class ReasonIn(Struct, rename="camel", forbid_unknown_fields=True):
    reason: Reason
    version: int | None = None


class CollectIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {sampleCollectedAt, collectedBy}: collectedBy, if sent, must be you."""

    sample_collected_at: datetime | None = None
    collected_by: UUID | None = None
    sample_type: Annotated[str, Meta(max_length=100)] | None = None
    notes: ShortText | None = None
    version: int | None = None


class ResultIn(Struct, rename="camel", forbid_unknown_fields=True):
    value: ResultValue
    code: Code | None = None
    unit: UnitText | None = None
    # Advisory only: the server flags from the catalogue; this is kept as what the client said.
    is_abnormal: bool | None = None
    comment: ShortText | None = None


class ResultsIn(Struct, rename="camel", forbid_unknown_fields=True):
    """Either `results` (one per analyte: a panel), or the spec's single {resultValue, resultUnit, isAbnormal}."""

    results: Annotated[list[ResultIn], Meta(max_length=100)] | UnsetType = UNSET
    result_value: ResultValue | UnsetType = UNSET
    result_unit: UnitText | UnsetType | None = UNSET
    is_abnormal: bool | UnsetType | None = UNSET
    code: Code | UnsetType | None = UNSET


class CorrectionIn(Struct, rename="camel", forbid_unknown_fields=True):
    results: Annotated[list[ResultIn], Meta(min_length=1, max_length=100)]
    reason: Reason


class VerifyIn(Struct, rename="camel", forbid_unknown_fields=True):
    release: bool = True
    comment: ShortText | None = None
    version: int | None = None


class QcIn(Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {testId, controlResult, status}: testId is the catalogue test's code (or id). With value,
    targetMean and targetSd the server judges the run by the Westgard rules."""

    test_id: Annotated[str, Meta(min_length=1, max_length=50)]
    control_result: Annotated[str, Meta(min_length=1, max_length=500)]
    status: QualityControlStatus | None = None
    analyte_code: Code | None = None
    control_level: Annotated[str, Meta(max_length=20)] | None = None
    lot_number: Annotated[str, Meta(max_length=50)] | None = None
    value: DecimalIn | None = None
    target_mean: DecimalIn | None = None
    target_sd: DecimalIn | None = None
    notes: ShortText | None = None


def _text(value: str | int | float) -> str:
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)


def _advisory(is_abnormal: bool | None) -> ResultFlag | None:
    return None if is_abnormal is None else ResultFlag.ABNORMAL if is_abnormal else ResultFlag.N


def _entries(data: ResultsIn) -> list[ResultEntry]:
    if data.results is not UNSET and data.result_value is not UNSET:
        raise ValidationFailed(fields={"results": "Send results, or resultValue, not both"})
    if data.results is not UNSET:
        return [
            ResultEntry(code=r.code, value=_text(r.value), unit=r.unit, reported_flag=_advisory(r.is_abnormal),
                        comment=r.comment, field=f"results[{i}].value", unit_field=f"results[{i}].unit",
                        code_field=f"results[{i}].code")
            for i, r in enumerate(data.results)
        ]
    if data.result_value is UNSET:
        raise ValidationFailed(fields={"resultValue": "Send resultValue (one analyte) or results (a panel)"})
    return [ResultEntry(
        code=None if data.code is UNSET else data.code, value=_text(data.result_value),
        unit=None if data.result_unit is UNSET else data.result_unit,
        reported_flag=_advisory(None if data.is_abnormal is UNSET else data.is_abnormal),
        field="resultValue", unit_field="resultUnit", code_field="code",
    )]


# --- Output --------------------------------------------------------------------------------------


class PatientBrief(Struct, rename="camel", omit_defaults=True):
    id: UUID
    mrn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    age: int | None = None
    gender: str | None = None


def _brief(row: dict[str, Any], view: PatientView) -> PatientBrief | None:
    if view is PatientView.NONE:
        return None
    dob = row["date_of_birth"]
    today = hospital_day(datetime.now(UTC))
    return PatientBrief(id=row["patient_id"], mrn=row["mrn"], first_name=row["first_name"],
                        last_name=row["last_name"], age=age_on(dob, today) if dob <= today else 0,
                        gender=row["gender"])


class LabOrderOut(Struct, rename="camel", omit_defaults=True):
    id: UUID
    accession_number: str
    patient_id: UUID
    test_name: str
    test_code: str | None
    test_category: str | None
    section: str | None
    urgency: str
    status: str
    ordered_by: UUID | None
    ordered_by_user_id: UUID | None
    ordered_by_name: str | None
    order_date: datetime
    sample_type: str | None
    sample_collected_date: datetime | None
    sample_collected_by: UUID | None
    processing_started_at: datetime | None
    results_entered_at: datetime | None
    verified_by: UUID | None
    verified_at: datetime | None
    released_at: datetime | None
    result_date: datetime | None
    result_value: str | None
    result_unit: str | None
    reference_range: str | None
    is_abnormal: bool | None
    cancelled_reason: str | None
    version: int
    visit_id: UUID | None = None
    consultation_id: UUID | None = None
    ipd_admission_id: UUID | None = None
    clinical_notes: str | None = None
    turnaround_minutes: int | None = None
    patient: PatientBrief | None = None


def _turnaround(row: dict[str, Any]) -> int | None:
    if row.get("released_at") is None:
        return None
    elapsed: timedelta = row["released_at"] - row["order_date"]
    return round(elapsed.total_seconds() / 60)


def order_out(row: dict[str, Any], patient: PatientBrief | None = None) -> LabOrderOut:
    values: dict[str, Any] = {f.name: row.get(f.name) for f in msgspec.structs.fields(LabOrderOut)
                              if f.name not in ("patient", "turnaround_minutes")}
    return LabOrderOut(**values, turnaround_minutes=_turnaround(row), patient=patient)


class ResultOut(Struct, rename="camel", omit_defaults=True):
    code: str
    name: str
    value: str | None
    unit: str | None
    reference_range: str | None
    flag: str | None
    is_abnormal: bool
    is_critical: bool
    is_corrected: bool
    source: str
    entered_by: UUID
    entered_by_name: str | None
    entered_at: datetime
    reported_flag: str | None = None
    comment: str | None = None
    corrected_from: str | None = None
    corrected_at: datetime | None = None
    correction_reason: str | None = None


def result_out(c: dict[str, Any]) -> ResultOut:
    flag = c["flag"]
    return ResultOut(
        code=c["code"], name=c["name"], value=c["value_text"], unit=c["unit"], reference_range=c["reference_range"],
        flag=flag, is_abnormal=flag not in (None, "N"), is_critical=flag in ("LL", "HH"),
        is_corrected=bool(c["is_corrected"]), source=c["source"], entered_by=c["entered_by"],
        entered_by_name=c["entered_by_name"], entered_at=c["entered_at"], reported_flag=c["reported_flag"],
        comment=c["comment"], corrected_from=c["corrected_from"], corrected_at=c["corrected_at"],
        correction_reason=c["correction_reason"],
    )


class RevisionOut(Struct, rename="camel"):
    code: str
    value: str | None
    unit: str | None
    flag: str | None
    source: str
    entered_by: UUID
    entered_at: datetime
    replaced_by: UUID
    replaced_at: datetime
    kind: str
    reason: str | None


class CustodyEventOut(Struct, rename="camel"):
    event: str
    from_status: str | None
    to_status: str | None
    actor_id: UUID | None
    actor_name: str | None
    at: datetime
    reason: str | None
    detail: dict[str, Any]


class LabOrderDetailOut(Struct, rename="camel", omit_defaults=True):
    order: LabOrderOut
    patient: PatientOut
    events: list[CustodyEventOut]
    # Absent (not empty) when the caller may not see results yet: clinicians before release.
    results: list[ResultOut] | UnsetType = UNSET
    revisions: list[RevisionOut] | UnsetType = UNSET
    results_pending_release: bool = False


def _view(actor: Actor) -> PatientView:
    return patient_view_of(actor.role) if actor.role else PatientView.NONE


def _detail_out(actor: Actor, view: OrderView) -> LabOrderDetailOut:
    body = LabOrderDetailOut(
        order=order_out(view.order), patient=shape_patient(view.patient, _view(actor)),
        events=[CustodyEventOut(**{f.name: e[f.name] for f in msgspec.structs.fields(CustodyEventOut)})
                for e in view.events],
    )
    if view.components is None:
        body.results_pending_release = True
    else:
        body.results = [result_out(c) for c in view.components]
        body.revisions = [
            RevisionOut(code=r["code"], value=r["value_text"], unit=r["unit"], flag=r["flag"], source=r["source"],
                        entered_by=r["entered_by"], entered_at=r["entered_at"], replaced_by=r["replaced_by"],
                        replaced_at=r["replaced_at"], kind=r["kind"], reason=r["reason"])
            for r in view.revisions or []
        ]
    return body


def _with_etag(content: Any, version: int, status_code: int = 200) -> Response[Any]:
    return Response(content=content, status_code=status_code, headers={"ETag": etag(version)})


class OrderCreatedOut(Struct, rename="camel"):
    order_id: UUID
    accession_number: str
    order: LabOrderOut


class OrderEnvelope(Struct, rename="camel"):
    order: LabOrderOut


class OrdersOut(Struct, rename="camel"):
    orders: list[LabOrderOut]


class ResultsEnteredOut(Struct, rename="camel"):
    """The spec's {resultId}: here the ids of the alerts raised, the order and its results as stored."""

    order: LabOrderOut
    results: list[ResultOut]
    written: int
    critical_alert_ids: list[UUID]


def _entered_out(outcome: EntryOutcome) -> Response[ResultsEnteredOut]:
    return _with_etag(ResultsEnteredOut(
        order=order_out(outcome.order), results=[result_out(c) for c in outcome.components],
        written=outcome.written, critical_alert_ids=outcome.alert_ids,
    ), outcome.order["version"])


# --- Orders --------------------------------------------------------------------------------------

@post("/api/lab/orders", guards=[requires(Permission.LAB_ORDER)], tags=["lab"], status_code=201,
      summary="Order a catalogue test (one test or a panel) for a patient; it is on the worklist at once")
async def place_order(request: Request[Actor, Any, Any], data: JSONBody[LabOrderIn]) -> Response[OrderCreatedOut]:
    order = await lab_service.place_order(request.user, NewLabOrder(
        patient_id=data.patient_id, test_code=data.test_code, test_name=data.test_name, urgency=data.urgency,
        ordered_by=data.ordered_by, consultation_id=data.consultation_id, admission_id=data.admission_id,
        visit_id=data.visit_id, clinical_notes=data.clinical_notes,
    ))
    return _with_etag(OrderCreatedOut(order_id=order["id"], accession_number=order["accession_number"],
                                      order=order_out(order)), order["version"], 201)


@get("/api/lab/orders", guards=[requires(Permission.LAB_ORDERS_READ)], tags=["lab"],
     summary="Lab orders by status and patient (a doctor without a patient: the orders they placed)")
async def list_orders(
    request: Request[Actor, Any, Any],
    status: Annotated[LabOrderStatus | None, QueryParameter()] = None,
    patient_id: Annotated[UUID | None, QueryParameter(name="patientId")] = None,
    section: Annotated[str | None, QueryParameter(max_length=100)] = None,
    urgency: Annotated[Urgency | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> OrdersOut:
    rows = await lab_service.list_orders(request.user, status=status, patient_id=patient_id, section=section,
                                         urgency=urgency, limit=limit, offset=offset)
    view = _view(request.user)
    return OrdersOut(orders=[order_out(r, _brief(r, view)) for r in rows])


@get("/api/lab/orders/{order_id:uuid}", guards=[requires(Permission.LAB_ORDERS_READ)], tags=["lab"],
     summary="One order with its patient, custody events and (when released, or for lab staff) its results")
async def get_order(request: Request[Actor, Any, Any], order_id: FromPath[UUID]) -> Response[LabOrderDetailOut]:
    view = await lab_service.get_order(request.user, order_id)
    return _with_etag(_detail_out(request.user, view), view.order["version"])


@post("/api/lab/orders/{order_id:uuid}/cancel", guards=[requires(Permission.LAB_ORDER)], tags=["lab"],
      status_code=200, summary="Cancel an order with the reason (its doctor or ADMIN), until processing starts")
async def cancel_order(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                       data: JSONBody[ReasonIn]) -> Response[OrderEnvelope]:
    order = await lab_service.cancel_order(request.user, order_id, data.reason,
                                           expected_version=expected_version(request, data.version))
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/collect-sample", guards=[requires(Permission.LAB_SAMPLE)], tags=["lab"],
      status_code=200, summary="Log the sample: collected by you, when (now unless given), its type")
async def collect_sample(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                         data: JSONBody[CollectIn]) -> Response[OrderEnvelope]:
    order = await lab_service.collect_sample(
        request.user, order_id, collected_at=data.sample_collected_at, collected_by=data.collected_by,
        sample_type=data.sample_type, notes=data.notes, expected_version=expected_version(request, data.version),
    )
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@get("/api/lab/orders/{order_id:uuid}/label", guards=[requires(Permission.LAB_SAMPLE)], tags=["lab"],
     media_type=MediaType.HTML, also_produces=("image/svg+xml",),
     summary="The sample's barcode label (Code 128 of the accession number) to print: HTML, or the SVG alone")
async def sample_label(
    request: Request[Actor, Any, Any], order_id: FromPath[UUID],
    format: Annotated[Literal["html", "svg"], QueryParameter()] = "html",
) -> Response[str]:
    found = await lab_service.label(request.user, order_id)
    order = order_out(found["order"])
    if format == "svg":
        return Response(lab_documents.code128_svg(order.accession_number), media_type="image/svg+xml")
    patient = msgspec.to_builtins(shape_patient(found["patient"], PatientView.TEST_RELATED))
    return Response(lab_documents.label_html(msgspec.to_builtins(order), patient), media_type=MediaType.HTML,
                    headers={"Cache-Control": "no-store"})


@post("/api/lab/orders/{order_id:uuid}/reject-sample", guards=[requires(Permission.LAB_RESULT_ENTER)],
      tags=["lab"], status_code=200,
      summary="The sample cannot be used (haemolysed, clotted, too little): back to ORDERED for a new one")
async def reject_sample(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                        data: JSONBody[ReasonIn]) -> Response[OrderEnvelope]:
    order = await lab_service.reject_sample(request.user, order_id, data.reason)
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/process", guards=[requires(Permission.LAB_RESULT_ENTER)], tags=["lab"],
      status_code=200, summary="Start processing the collected sample")
async def start_processing(request: Request[Actor, Any, Any], order_id: FromPath[UUID]) -> Response[OrderEnvelope]:
    order = await lab_service.start_processing(request.user, order_id)
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/result", guards=[requires(Permission.LAB_RESULT_ENTER)], tags=["lab"],
      status_code=201, summary="Enter results per analyte (the server flags them; a critical value alerts at once)")
async def enter_results(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                        data: JSONBody[ResultsIn]) -> Response[ResultsEnteredOut]:
    outcome = await lab_service.enter_results(request.user, order_id, _entries(data))
    response = _entered_out(outcome)
    response.status_code = 201
    return response


@post("/api/lab/orders/{order_id:uuid}/verify", guards=[requires(Permission.LAB_RESULT_VERIFY)], tags=["lab"],
      status_code=200, summary="Verify complete results (a second person); released to the doctor unless held")
async def verify_results(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                         data: JSONBody[VerifyIn]) -> Response[OrderEnvelope]:
    order = await lab_service.verify_results(request.user, order_id, release=data.release, comment=data.comment,
                                             expected_version=expected_version(request, data.version))
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/release", guards=[requires(Permission.LAB_RESULT_VERIFY)], tags=["lab"],
      status_code=200, summary="Release verified results that were held")
async def release_results(request: Request[Actor, Any, Any], order_id: FromPath[UUID]) -> Response[OrderEnvelope]:
    order = await lab_service.release_results(request.user, order_id)
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/rerun", guards=[requires(Permission.LAB_RESULT_VERIFY)], tags=["lab"],
      status_code=200, summary="Send complete results back for a rerun, with the reason")
async def send_back(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                    data: JSONBody[ReasonIn]) -> Response[OrderEnvelope]:
    order = await lab_service.send_back(request.user, order_id, data.reason)
    return _with_etag(OrderEnvelope(order=order_out(order)), order["version"])


@post("/api/lab/orders/{order_id:uuid}/correct", guards=[requires(Permission.LAB_RESULT_ENTER)], tags=["lab"],
      status_code=200, summary="Correct released results (kept as corrected; the doctor is notified)")
async def correct_results(request: Request[Actor, Any, Any], order_id: FromPath[UUID],
                          data: JSONBody[CorrectionIn]) -> Response[ResultsEnteredOut]:
    entries = _entries(ResultsIn(results=data.results))
    outcome = await lab_service.correct_results(request.user, order_id, entries, data.reason)
    return _entered_out(outcome)


# --- The report ----------------------------------------------------------------------------------


class LabReportOut(Struct, rename="camel", omit_defaults=True):
    """The report: final when released (REPORTED); before that, for lab staff, marked not final."""

    order: LabOrderOut
    patient: PatientOut
    final: bool
    turnaround_minutes: int | None
    verified_by_name: str | None
    results: list[ResultOut] | UnsetType = UNSET
    alerts: list[AlertOut] = msgspec.field(default_factory=list)
    results_pending_release: bool = False


@get("/api/lab/orders/{order_id:uuid}/report", guards=[requires(Permission.LAB_REPORT_READ)], tags=["lab"],
     responses={200: ResponseSpec(LabReportOut, description="The report as JSON (or HTML or PDF by ?format)",
                                  generate_examples=False)},
     also_produces=(MediaType.HTML.value, "application/pdf"),
     summary="The report with ranges, flags and the critical-result timeline: JSON, or ?format=html|pdf to print")
async def lab_report(
    request: Request[Actor, Any, Any], order_id: FromPath[UUID],
    format: Annotated[Literal["json", "html", "pdf"], QueryParameter()] = "json",
) -> Response[Any]:
    view = await lab_service.get_order(request.user, order_id, with_alerts=True)
    verifier = next((e["actor_name"] for e in view.events if e["event"] == "VERIFIED"), None)
    body = LabReportOut(
        order=order_out(view.order), patient=shape_patient(view.patient, _view(request.user)),
        final=view.order["status"] == LabOrderStatus.REPORTED, turnaround_minutes=_turnaround(view.order),
        verified_by_name=verifier, alerts=[alert_out(a) for a in view.alerts],
    )
    if view.components is None:
        body.results_pending_release = True
    else:
        body.results = [result_out(c) for c in view.components]
    if format == "json":
        return _with_etag(body, view.order["version"])
    plain = msgspec.to_builtins(body)
    if format == "html":
        return Response(lab_documents.report_html(plain), media_type=MediaType.HTML,
                        headers={"Cache-Control": "no-store"})
    return Response(lab_documents.report_pdf(plain), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="lab-report-{view.order["accession_number"]}.pdf"',
        "Cache-Control": "no-store",
    })


# --- Worklist, catalogue, QC ---------------------------------------------------------------------


class WorklistOut(Struct, rename="camel"):
    orders: list[LabOrderOut]
    sections: list[str]


@get("/api/lab/worklist", guards=[requires(Permission.LAB_WORKLIST)], tags=["lab"],
     summary="Open orders (not yet released or cancelled), STAT first then oldest; filter by section and status")
async def worklist(
    request: Request[Actor, Any, Any],
    section: Annotated[str | None, QueryParameter(max_length=100)] = None,
    status: Annotated[LabOrderStatus | None, QueryParameter()] = None,
    urgency: Annotated[Urgency | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 500,
) -> WorklistOut:
    rows = await lab_service.list_orders(request.user, status=status, patient_id=None, section=section,
                                         urgency=urgency, limit=limit, offset=0, open_only=True)
    view = _view(request.user)
    return WorklistOut(orders=[order_out(r, _brief(r, view)) for r in rows], sections=await lab_service.sections())


class WorklistBoardOut(Struct):
    """The lab:{section} topic's snapshot as the socket sends it: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: LabWorklistBoard


@get("/api/lab/worklist/board", guards=[requires(Permission.LAB_WORKLIST)], tags=["lab"],
     summary="A lab section's live worklist (ids and states, no names) with its topic position")
async def worklist_board(
    section: Annotated[str, QueryParameter(min_length=1, max_length=100)],
) -> WorklistBoardOut:
    position, board = await lab_service.worklist_board(section)
    return WorklistBoardOut(topic=lab_topic(section).name, epoch=position.epoch, seq=position.seq, data=board)


class AnalyteOut(Struct, rename="camel"):
    code: str
    name: str
    unit: str | None
    sex: str | None
    age_min_years: int | None
    age_max_years: int | None
    ref_low: Decimal | None
    ref_high: Decimal | None
    critical_low: Decimal | None
    critical_high: Decimal | None


class CatalogTestOut(Struct, rename="camel"):
    id: UUID
    code: str
    name: str
    section: str | None
    sample_type: str | None
    is_panel: bool
    turnaround_minutes: int | None
    price: Decimal
    analytes: list[AnalyteOut]


class CategoryOut(Struct, rename="camel"):
    name: str
    tests: list[CatalogTestOut]


class CategoriesOut(Struct, rename="camel"):
    categories: list[CategoryOut]


@get("/api/lab/test-categories", guards=[requires(Permission.LAB_CATALOGUE_READ)], tags=["lab"],
     summary="The test catalogue by category, with each test's analytes, units, ranges and critical limits")
async def test_categories() -> CategoriesOut:
    tests = await lab_service.catalogue()
    categories: dict[str, list[CatalogTestOut]] = {}
    analyte_fields = [f.name for f in msgspec.structs.fields(AnalyteOut)]
    for t in tests:
        categories.setdefault(t["category"] or "Uncategorised", []).append(CatalogTestOut(
            id=t["id"], code=t["code"], name=t["name"], section=t["section"], sample_type=t["sample_type"],
            is_panel=t["is_panel"], turnaround_minutes=t["turnaround_minutes"], price=t["price"],
            analytes=[AnalyteOut(**{n: a[n] for n in analyte_fields}) for a in t["analytes"]],
        ))
    return CategoriesOut(categories=[CategoryOut(name=n, tests=ts) for n, ts in categories.items()])


class QcOut(Struct, rename="camel"):
    id: UUID
    test_code: str
    control_result: str
    status: str
    analyte_code: str | None
    control_level: str | None
    lot_number: str | None
    value: Decimal | None
    target_mean: Decimal | None
    target_sd: Decimal | None
    z_score: Decimal | None
    rules_violated: list[str]
    reported_status: str | None
    entered_by: UUID
    created_at: datetime


def _qc_out(row: dict[str, Any]) -> QcOut:
    return QcOut(
        id=row["id"], test_code=row["test_code"], control_result=row["control_result"], status=row["status"],
        analyte_code=row["analyte_code"], control_level=row["control_level"], lot_number=row["lot_number"],
        value=row["value_numeric"], target_mean=row["target_mean"], target_sd=row["target_sd"],
        z_score=row["z_score"], rules_violated=row["rules_violated"].split(",") if row["rules_violated"] else [],
        reported_status=row["reported_status"], entered_by=row["entered_by"], created_at=row["created_at"],
    )


class QcCreatedOut(Struct, rename="camel"):
    qc_id: UUID
    quality_control: QcOut


@post("/api/lab/quality-control", guards=[requires(Permission.LAB_QC)], tags=["lab"], status_code=201,
      summary="Record a quality-control run (judged by the Westgard rules when value, mean and SD are given)")
async def record_qc(request: Request[Actor, Any, Any], data: JSONBody[QcIn]) -> QcCreatedOut:
    row = await lab_service.record_qc(request.user, NewQc(
        test_code=data.test_id, control_result=data.control_result, status=data.status,
        analyte_code=data.analyte_code, control_level=data.control_level, lot_number=data.lot_number,
        value=data.value, target_mean=data.target_mean, target_sd=data.target_sd, notes=data.notes,
    ))
    return QcCreatedOut(qc_id=row["id"], quality_control=_qc_out(row))


class QcListOut(Struct, rename="camel"):
    quality_control: list[QcOut]


@get("/api/lab/quality-control", guards=[requires(Permission.LAB_QC)], tags=["lab"],
     summary="Recent quality-control runs, newest first")
async def list_qc(
    test_code: Annotated[str | None, QueryParameter(name="testCode", max_length=50)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> QcListOut:
    return QcListOut(quality_control=[_qc_out(r) for r in await lab_service.list_qc(test_code, limit=limit)])


# --- HL7 over HTTP -------------------------------------------------------------------------------


@post("/api/lab/hl7", guards=[requires(Permission.LAB_RESULT_ENTER)], tags=["lab"], status_code=200,
      media_type="application/hl7-v2", raw_body=("application/hl7-v2", "text/plain"),
      summary="An analyzer's HL7 v2 ORU^R01 as the raw body; answered with the HL7 ACK (MSA AA, AE or AR)")
async def receive_hl7(request: Request[Actor, Any, Any]) -> Response[str]:
    body = await request.body()
    if len(body) > hl7_channel.MAX_MESSAGE_BYTES:
        raise ValidationFailed(fields={"body": "An HL7 message may be at most 1 MiB"})
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        raw = body.decode("latin-1")
    handled = await hl7_channel.handle_message(raw, transport="HTTP", received_by=request.user,
                                               peer=request.client.host if request.client else None)
    return Response(handled.ack, media_type="application/hl7-v2", headers={"X-HL7-Ack-Code": handled.code})


# --- Reports -------------------------------------------------------------------------------------


class TurnaroundOut(Struct, rename="camel"):
    average_minutes: float | None
    median_minutes: float | None
    p90_minutes: float | None = None


class CategoryVolumeOut(Struct, rename="camel"):
    category: str
    total: int
    reported: int
    cancelled: int
    critical: int
    turnaround: TurnaroundOut


class TestTurnaroundOut(Struct, rename="camel"):
    test_code: str | None
    test_name: str
    urgency: str
    released: int
    target_minutes: int | None
    average_order_to_release_minutes: float | None
    average_order_to_collection_minutes: float | None
    average_collection_to_release_minutes: float | None
    over_target: int


class LabVolumeOut(Struct, rename="camel"):
    start_date: date
    end_date: date
    total_tests: int
    by_category: list[CategoryVolumeOut]
    turnaround: TurnaroundOut
    turnaround_by_test: list[TestTurnaroundOut]


def _minutes(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _date_range(start_date: date | None, end_date: date | None, default_days: int) -> tuple[date, date]:
    today = hospital_day(datetime.now(UTC))
    end = end_date or today
    start = start_date or end - timedelta(days=default_days - 1)
    if start > end:
        raise ValidationFailed(fields={"endDate": "endDate is before startDate"})
    if (end - start).days > 366 * 2:
        raise ValidationFailed(fields={"startDate": "ask for at most two years at a time"})
    return start, end


@get("/api/reports/lab-volume", guards=[requires(Permission.REPORTS_CLINICAL)], tags=["reports"],
     summary="Lab volume by category and turnaround (order to release) between two hospital days")
async def lab_volume(
    request: Request[Actor, Any, Any],
    start_date: Annotated[date | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[date | None, QueryParameter(name="endDate")] = None,
) -> LabVolumeOut:
    start, end = _date_range(start_date, end_date, 30)
    found = await lab_service.lab_volume(request.user, start, end)
    return LabVolumeOut(
        start_date=start, end_date=end, total_tests=found["total"],
        by_category=[CategoryVolumeOut(
            category=c["category"], total=c["total"], reported=c["reported"], cancelled=c["cancelled"],
            critical=c["critical"], turnaround=TurnaroundOut(_minutes(c["avg_tat"]), _minutes(c["median_tat"]),
                                                             _minutes(c["p90_tat"])),
        ) for c in found["by_category"]],
        turnaround=TurnaroundOut(_minutes(found["avg_tat"]), _minutes(found["median_tat"])),
        turnaround_by_test=[TestTurnaroundOut(
            test_code=t["test_code"], test_name=t["test_name"], urgency=t["urgency"], released=t["released"],
            target_minutes=t["target_minutes"], average_order_to_release_minutes=_minutes(t["avg_order_to_release"]),
            average_order_to_collection_minutes=_minutes(t["avg_order_to_collection"]),
            average_collection_to_release_minutes=_minutes(t["avg_collection_to_release"]),
            over_target=t["over_target"],
        ) for t in found["by_test"]],
    )


class CriticalMonthOut(Struct, rename="camel"):
    month: str
    alerts: int
    acknowledged: int
    escalated: int
    not_delivered: int
    acknowledged_within_30_minutes: int
    median_minutes_to_acknowledge: float | None
    p90_minutes_to_acknowledge: float | None
    max_minutes_to_acknowledge: float | None


class CriticalResultsOut(Struct, rename="camel"):
    start_date: date
    end_date: date
    months: list[CriticalMonthOut]


@get("/api/reports/critical-results", guards=[requires(Permission.REPORTS_CLINICAL)], tags=["reports"],
     summary="Critical-result turnaround per month: result to acknowledgement, escalations, undelivered")
async def critical_results(
    request: Request[Actor, Any, Any],
    start_date: Annotated[date | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[date | None, QueryParameter(name="endDate")] = None,
) -> CriticalResultsOut:
    start, end = _date_range(start_date, end_date, 365)
    rows = await alerts_service.critical_result_turnaround(request.user, start, end)
    return CriticalResultsOut(start_date=start, end_date=end, months=[CriticalMonthOut(
        month=r["month"], alerts=r["alerts"], acknowledged=r["acknowledged"], escalated=r["escalated"],
        not_delivered=r["not_delivered"], acknowledged_within_30_minutes=r["within_30_minutes"],
        median_minutes_to_acknowledge=_minutes(r["median_minutes"]),
        p90_minutes_to_acknowledge=_minutes(r["p90_minutes"]),
        max_minutes_to_acknowledge=_minutes(r["max_minutes"]),
    ) for r in rows])


ROUTES: list[Any] = document_errors([
    place_order, list_orders, get_order, cancel_order, collect_sample, sample_label, reject_sample, start_processing,
    enter_results, verify_results, release_results, send_back, correct_results, lab_report, worklist,
    worklist_board, test_categories, record_qc, list_qc, receive_hl7, lab_volume, critical_results,
])
