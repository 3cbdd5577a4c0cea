"""The live socket's protocol as an AsyncAPI 3.0 document, served at GET /api/asyncapi.json.

Message schemas are generated from the very msgspec Structs the gateway decodes and encodes, so the
document cannot drift from the code; docs/realtime.md says the same in prose.
"""

from __future__ import annotations

from typing import Any

import msgspec

from channels.gateway import (
    Ack,
    Auth,
    CloseCode,
    ErrorMessage,
    GatewayConfig,
    Ping,
    Pong,
    Receipt,
    SnapshotMessage,
    Subscribe,
    SubscribedMessage,
    Unsubscribe,
)
from db.outbox import EventMessage
from domain.alert_events import (
    AlertAcknowledged,
    AlertEscalated,
    AlertPosted,
    AlertRaised,
    AlertResolved,
    AlertVerified,
    UserBoard,
)
from domain.boards import CensusBoard, WardBoard
from domain.events import (
    BedOccupied,
    BedUpdated,
    CensusUpdated,
    DoseRecorded,
    DoseWentOverdue,
    EventPayload,
    PatientRegistered,
    VitalsMarkedInError,
    VitalsRecorded,
    VitalsWentOverdue,
)
from domain.imaging_events import ImagingOrderCreated, ImagingOrderUpdated, ImagingReportReady, ImagingWorklistBoard
from domain.lab_events import (
    LabOrderCreated,
    LabOrderUpdated,
    LabResultCorrected,
    LabResultReleased,
    LabResultReviewed,
    LabWorklistBoard,
)
from domain.opd_events import (
    DisplayBoard,
    DisplayTokenCalled,
    DisplayTokenRemoved,
    DisplayTokenUpdated,
    OpdBoard,
    OpdTokenRemoved,
    OpdTokenUpdated,
)
from domain.topics import TopicKind

EVENT_PAYLOADS: tuple[type[EventPayload], ...] = (
    BedUpdated, CensusUpdated, PatientRegistered,
    # The nurse-station board (IPD issue).
    BedOccupied, VitalsRecorded, VitalsMarkedInError, VitalsWentOverdue, DoseWentOverdue, DoseRecorded,
    # Clinical alerts (db/alerts.py): user:{userId} and ward:{wardId}.
    AlertRaised, AlertPosted, AlertEscalated, AlertVerified, AlertAcknowledged, AlertResolved,
    # The OPD queue (db/opd.py): opd:{departmentId} with names, display:{departmentId} without.
    OpdTokenUpdated, OpdTokenRemoved, DisplayTokenUpdated, DisplayTokenCalled, DisplayTokenRemoved,
    # Worklists and results (db/lab.py, db/imaging.py).
    LabOrderCreated, LabOrderUpdated, LabResultReleased, LabResultReviewed, LabResultCorrected,
    ImagingOrderCreated, ImagingOrderUpdated, ImagingReportReady,
)

# The snapshot `data` of each topic kind that has a board (channels/snapshots.READERS).
SNAPSHOTS: tuple[type, ...] = (CensusBoard, WardBoard, OpdBoard, DisplayBoard, LabWorklistBoard, ImagingWorklistBoard,
                               UserBoard)

TOPICS: list[dict[str, str]] = [
    {"name": "census", "carries": "census.updated", "snapshot": "CensusBoard",
     "who": "ADMIN, DOCTOR, NURSE, RECEPTIONIST; devices listing it"},
    {"name": "ward:{wardId}",
     "carries": "bed.updated, bed.occupied, vitals.recorded, vitals.marked_in_error, vitals.went_overdue, "
                "dose.went_overdue, dose.recorded, alert.posted, alert.escalated, alert.verified, alert.acknowledged, "
                "alert.resolved",
     "snapshot": "WardBoard (patient fields by role; vitals, NEWS2, open alerts, overdue doses per bed)",
     "who": "NURSE rostered or assigned there, DOCTOR, ADMIN; devices listing it (no patient fields)"},
    {"name": "opd:{departmentId}", "carries": "opd.token.updated, opd.token.removed",
     "snapshot": "OpdBoard (with patient names; an audited read)",
     "who": "ADMIN; RECEPTIONIST, DOCTOR, NURSE of that department (never a device: it uses display:)"},
    {"name": "display:{departmentId}", "carries": "display.token.updated, display.token.called, display.token.removed",
     "snapshot": "DisplayBoard (token numbers, rooms, waits; never a name)",
     "who": "any staff; devices listing it"},
    {"name": "lab:{section}", "carries": "lab.order.created, lab.order.updated",
     "snapshot": "LabWorklistBoard (no names)", "who": "LAB_STAFF, ADMIN, DOCTOR; devices listing it"},
    {"name": "imaging", "carries": "imaging.order.created, imaging.order.updated, imaging.report.ready",
     "snapshot": "ImagingWorklistBoard (no names)", "who": "RADIOLOGIST, ADMIN, DOCTOR; devices listing it"},
    {"name": "user:{userId}",
     "carries": "alert.raised, alert.escalated, alert.verified, alert.acknowledged, alert.resolved, "
                "lab.result.released, lab.result.corrected, lab.result.reviewed",
     "snapshot": "UserBoard (open alerts, results to view)",
     "who": "that user only (never a device)"},
    {"name": "patients", "carries": "patient.registered", "snapshot": "{} (no board)",
     "who": "RECEPTIONIST, ADMIN (never a device)"},
]
assert {t["name"].split(":")[0] for t in TOPICS} == {k.value for k in TopicKind}

CLOSE_CODES: list[dict[str, Any]] = [
    {"code": CloseCode.NORMAL, "meaning": "normal closure", "client": "done"},
    {"code": CloseCode.POLICY, "meaning": "too many messages from the client", "client": "fix the client"},
    {"code": CloseCode.TOO_BIG, "meaning": "a client frame over the size cap", "client": "fix the client"},
    {"code": CloseCode.INTERNAL, "meaning": "server error", "client": "reconnect with back-off, resume"},
    {"code": CloseCode.RESTART, "meaning": "server restarting", "client": "reconnect with jitter, resume"},
    {"code": CloseCode.SESSION_ENDED, "meaning": "session ended/timed out/revoked, or device revoked",
     "client": "sign in again"},
    {"code": CloseCode.TOKEN_EXPIRED, "meaning": "access token expired without an auth renewal",
     "client": "refresh the token, reconnect, resume"},
    {"code": CloseCode.SLOW_CONSUMER, "meaning": "send queue overflowed", "client": "reconnect, resume with since"},
    {"code": CloseCode.HEARTBEAT_TIMEOUT, "meaning": "client silent too long", "client": "reconnect, resume"},
    {"code": CloseCode.UNAUTHENTICATED, "meaning": "handshake: missing/bad/expired token or ticket",
     "client": "sign in (or fetch a new ticket)"},
    {"code": CloseCode.FORBIDDEN_ORIGIN, "meaning": "handshake: Origin not allowed", "client": "stop"},
]


def _message(name: str, ref: str, summary: str) -> dict[str, Any]:
    return {"name": name, "summary": summary, "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{ref}"}}


def asyncapi_document(host: str) -> dict[str, Any]:
    config = GatewayConfig()
    types: list[Any] = [Subscribe, Unsubscribe, Receipt, Ack, Auth, Ping, Pong, SnapshotMessage,
                        SubscribedMessage, ErrorMessage, EventMessage, *SNAPSHOTS, *EVENT_PAYLOADS]
    _, schemas = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    client = {
        "subscribe": _message("subscribe", "Subscribe", "Watch a topic; with since, resume after that position"),
        "unsubscribe": _message("unsubscribe", "Unsubscribe", "Stop watching a topic"),
        "receipt": _message("receipt", "Receipt", "An alert is on screen (that is what delivered means)"),
        "ack": _message("ack", "Ack", "An alert was acted on"),
        "auth": _message("auth", "Auth", "Renew the socket's access token before it expires"),
        "ping": _message("ping", "Ping", "Heartbeat; answered with pong"),
        "pong": _message("pong", "Pong", "Answer to the server's ping"),
    }
    server = {
        "snapshot": _message("snapshot", "SnapshotMessage", "The whole state of a topic at (epoch, seq)"),
        "subscribed": _message("subscribed", "SubscribedMessage",
                               "A since could be resumed: the missed events follow, then live ones"),
        "event": _message("event", "EventMessage", "One event; seq is gap-free per topic"),
        "error": _message("error", "ErrorMessage", "A refused message; names the topic when there is one"),
        "serverPing": _message("ping", "Ping", "Sent every 20 s; answer pong (any message counts)"),
        "serverPong": _message("pong", "Pong", "Answer to the client's ping"),
    }
    messages = {f"client.{k}": v for k, v in client.items()} | {f"server.{k}": v for k, v in server.items()}
    channel_messages = {k: {"$ref": f"#/components/messages/{k}"} for k in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Hospital Live: the live socket",
            "version": "1.0.0",
            "description": (
                "One websocket per client at /ws carries many topic subscriptions. Every event of a topic has "
                "a gap-free seq and the topic's epoch; resubscribe with since {epoch, seq} to get exactly what "
                "was missed, or a fresh snapshot when that is no longer possible. Frames are JSON text, at most "
                f"{config.max_frame_bytes} bytes from the client; at most {config.max_subscriptions} topics per "
                f"socket; a socket whose send queue passes {config.max_queue} messages is closed with 4008. "
                "Prose: docs/realtime.md."
            ),
            "x-topics": TOPICS,
            "x-close-codes": CLOSE_CODES,
            "x-events": [{"event": p.EVENT, "payload": p.__name__} for p in EVENT_PAYLOADS],
        },
        "servers": {
            "hospital": {
                "host": host, "protocol": "ws", "pathname": "/ws",
                "security": [{"$ref": "#/components/securitySchemes/bearer"},
                             {"$ref": "#/components/securitySchemes/ticket"}],
            }
        },
        "channels": {
            "live": {
                "address": "/ws",
                "messages": channel_messages,
                "bindings": {"ws": {"query": {"type": "object", "properties": {
                    "ticket": {"type": "string", "description": "single-use, 30 s, from POST /api/ws-ticket"}}}}},
            }
        },
        "operations": {
            **{f"send{k.title()}": {"action": "send", "channel": {"$ref": "#/channels/live"},
                                     "messages": [{"$ref": f"#/channels/live/messages/client.{k}"}]}
               for k in client},
            **{f"receive{k[0].upper()}{k[1:]}": {"action": "receive", "channel": {"$ref": "#/channels/live"},
                                                  "messages": [{"$ref": f"#/channels/live/messages/server.{k}"}]}
               for k in server},
        },
        "components": {
            "messages": messages,
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An access JWT, or a device token dev_... (programs and devices)"},
                "ticket": {"type": "httpApiKey", "name": "ticket", "in": "query",
                           "description": "For browsers, which cannot set headers on a websocket"},
            },
        },
    }
