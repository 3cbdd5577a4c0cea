"""HL7 v2 from the analyzers: ORU^R01 results over MLLP (a TCP listener) or POST /api/lab/hl7, answered with an ACK.

Messages are parsed with the `hl7` package (python-hl7). One ORU^R01 may carry several orders (OBR), each
with many results (OBX); it is matched to lab orders by accession number (OBR-3 filler order number, else
OBR-2 placer), and each OBX to an analyte by its code (OBX-3.1). OBX-11 F (final) or P (preliminary) enters
a value; C (corrected) amends a released one (db.lab.correct_results). Values: OBX-5 with its type OBX-2
(NM, ST, TX, CE, and SN structured numerics such as `<^0.5` or `^1^:^320`), unit OBX-6, analyzer flag
OBX-8 (kept, never used to flag: the server flags from the catalogue).

The answer is an original-mode ACK: MSA-1 AA when every result was stored; AE with the reason in MSA-3 (and
an ERR segment) when the message is malformed, names an unknown accession or analyte, carries an unreadable
value or a wrong unit; AR when it is not an ORU^R01 or comes from an analyzer not registered in
lab_analyzers. A rejected message changes nothing and is logged in hl7_messages with its answer. A message
whose control id (MSH-10) was already accepted from the same sender is answered with the stored ACK again
and written nothing a second time.

MLLP framing: <VT> message <FS><CR> (0x0B ... 0x1C 0x0D). The listener runs when HL7_PORT is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import hl7

from db import lab as lab_service
from domain.actors import Actor
from domain.errors import DomainError
from domain.lab import HL7_ABNORMAL_FLAGS, Hl7Rejected, ResultFlag

log = logging.getLogger("hospital.hl7")

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_MESSAGE_BYTES = 1024 * 1024
RECEIVING_APPLICATION = "HOSPITAL-LIVE"
RECEIVING_FACILITY = "HOSPITAL"
READ_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class ObxResult:
    set_id: str
    value_type: str
    code: str
    name: str
    value: str
    unit: str | None
    reference_range: str | None
    abnormal_flag: ResultFlag | None
    status: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ObrGroup:
    accession: str
    test_code: str | None
    results: list[ObxResult] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OruMessage:
    control_id: str
    sending_application: str
    sending_facility: str
    message_type: str
    version: str
    patient_mrn: str | None
    orders: list[ObrGroup]


def _field(segment: Any, index: int) -> str:
    try:
        return str(segment(index)).strip()
    except (IndexError, KeyError):
        return ""


def _component(segment: Any, index: int, component: int) -> str:
    try:
        value = segment(index)(1)(component)
    except (IndexError, KeyError, TypeError):
        return _field(segment, index) if component == 1 else ""
    return str(value).strip()


def _structured_numeric(segment: Any) -> str:
    """SN (comparator ^ num1 ^ separator ^ num2) as our results read it: `<0.5`, `1:320`, `10-20`."""
    parts = [_component(segment, 5, n) for n in (1, 2, 3, 4)]
    comparator, first, separator, second = parts
    if separator and second:
        return f"{first}{separator}{second}"
    return f"{comparator}{first}"


def _normalise(raw: str) -> str:
    # NUL is padding some serial devices send; PostgreSQL text cannot hold it (the message could not be logged).
    return raw.replace("\x00", "").replace("\r\n", "\r").replace("\n", "\r").strip("\r \t\x0b\x1c")


def parse_message(raw: str) -> Any:
    """The hl7.Message of `raw`; Hl7Rejected(AE) if it is not HL7 v2 at all."""
    text = _normalise(raw)
    if not text.startswith("MSH") or len(text) < 8:
        raise Hl7Rejected("AE", "Not an HL7 v2 message: it must start with an MSH segment")
    try:
        return hl7.parse(text)
    except Exception as exc:  # the library raises several kinds on broken input
        raise Hl7Rejected("AE", f"Malformed HL7 v2 message: {exc}") from exc


def read_oru(message: Any) -> OruMessage:
    """The parts of an ORU^R01 we use; Hl7Rejected when it is another message or broken inside."""
    try:
        msh = message.segment("MSH")
    except KeyError as exc:
        raise Hl7Rejected("AE", "The message has no MSH segment") from exc
    message_type = _component(msh, 9, 1)
    trigger = _component(msh, 9, 2)
    control_id = _field(msh, 10)
    if not control_id:
        raise Hl7Rejected("AE", "MSH-10 (message control id) is empty")
    if (message_type, trigger) != ("ORU", "R01"):
        raise Hl7Rejected("AR", f"Only ORU^R01 (observation results) is accepted, not {message_type}^{trigger}")
    sending_application = _component(msh, 3, 1)
    if not sending_application:
        raise Hl7Rejected("AR", "MSH-3 (sending application) is empty: the analyzer is not identified")
    mrn: str | None = None
    orders: list[ObrGroup] = []
    current: ObrGroup | None = None
    for segment in message:
        name = _field(segment, 0)
        if name == "PID":
            mrn = _component(segment, 3, 1) or None
        elif name == "OBR":
            accession = _component(segment, 3, 1) or _component(segment, 2, 1)
            if not accession:
                raise Hl7Rejected("AE", "An OBR has neither a filler (OBR-3) nor a placer (OBR-2) order number")
            current = ObrGroup(accession=accession, test_code=_component(segment, 4, 1) or None)
            orders.append(current)
        elif name == "OBX":
            if current is None:
                raise Hl7Rejected("AE", "An OBX comes before any OBR")
            value_type = _field(segment, 2).upper()
            code = _component(segment, 3, 1)
            if not code:
                raise Hl7Rejected("AE", f"OBX {_field(segment, 1)} has no observation identifier (OBX-3)")
            value = _structured_numeric(segment) if value_type == "SN" else _field(segment, 5)
            value = message.unescape(value) if "\\" in value else value
            flag_text = _component(segment, 8, 1).upper()
            unit = _component(segment, 6, 1)
            unit = message.unescape(unit) if "\\" in unit else unit  # 10\S\9/L is 10^9/L
            current.results.append(ObxResult(
                set_id=_field(segment, 1), value_type=value_type, code=code.upper(),
                name=_component(segment, 3, 2), value=value, unit=unit or None,
                reference_range=_field(segment, 7) or None, abnormal_flag=HL7_ABNORMAL_FLAGS.get(flag_text),
                status=(_field(segment, 11) or "F").upper(),
            ))
        elif name == "NTE" and current is not None and current.results:
            last = current.results[-1]
            note = _field(segment, 3)
            current.results[-1] = ObxResult(**{**_as_dict(last), "comment": f"{last.comment or ''} {note}".strip()})
    if not orders:
        raise Hl7Rejected("AE", "The message carries no OBR (no order to attach results to)")
    if not any(order.results for order in orders):
        raise Hl7Rejected("AE", "The message carries no OBX (no results)")
    return OruMessage(
        control_id=control_id, sending_application=sending_application,
        sending_facility=_component(msh, 4, 1), message_type=f"{message_type}^{trigger}",
        version=_component(msh, 12, 1), patient_mrn=mrn, orders=orders,
    )


def _as_dict(result: ObxResult) -> dict[str, Any]:
    return {name: getattr(result, name) for name in ObxResult.__slots__}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def _clean(text: str) -> str:
    """Free text safe inside one HL7 field (no separators)."""
    return "".join(" " if ch in "|^~\\&\r\n" else ch for ch in text)[:400]


def build_ack(message: Any | None, code: str, text: str | None = None) -> str:
    """An original-mode ACK (MSH + MSA [+ ERR]) to `message`, or a bare one when it could not be parsed."""
    control = uuid.uuid4().hex[:20].upper()
    if message is not None:
        try:
            msh = message.segment("MSH")
            sender, facility = _field(msh, 3), _field(msh, 4)
            trigger = _component(msh, 9, 2)
            their_control, processing, version = _field(msh, 10), _field(msh, 11) or "P", _field(msh, 12) or "2.5.1"
        except KeyError:
            message = None
    if message is None:
        sender = facility = trigger = their_control = ""
        processing, version = "P", "2.5.1"
    segments = [
        f"MSH|^~\\&|{RECEIVING_APPLICATION}|{RECEIVING_FACILITY}|{sender}|{facility}|{_stamp()}||"
        f"ACK^{trigger}^ACK|{control}|{processing}|{version}",
        f"MSA|{code}|{their_control}" + (f"|{_clean(text)}" if text else ""),
    ]
    if code != "AA" and text:
        severity = "E"
        segments.append(f"ERR||||{severity}||||{_clean(text)}")
    return "\r".join(segments) + "\r"


@dataclass(frozen=True, slots=True)
class Handled:
    ack: str
    code: str
    text: str | None
    written: int


async def handle_message(raw: str, *, transport: str, received_by: Actor | None = None,
                         peer: str | None = None) -> Handled:
    """Process one message end to end and return the ACK to send back (never raises for bad input)."""
    message: Any = None
    try:
        message = parse_message(raw)
        oru = read_oru(message)
        outcome = await lab_service.receive_oru(
            oru, raw=_normalise(raw), transport=transport, received_by=received_by, peer=peer,
            make_ack=lambda code, text: build_ack(message, code, text),
        )
        return Handled(ack=outcome.ack, code=outcome.code, text=outcome.text, written=outcome.written)
    except Hl7Rejected as rejected:
        code, text = rejected.code, rejected.text
    except DomainError as error:
        code, text = "AE", _domain_text(error)
    except Exception:
        log.exception("an HL7 message could not be processed")
        code, text = "AE", "Internal error while processing the message; nothing was stored"
    ack = build_ack(message, code, text)
    log.warning("HL7 message rejected", extra={"code": code, "reason": text, "transport": transport, "peer": peer})
    control_id, sender, facility, message_type = _msh_facts(message)
    try:
        await lab_service.log_rejected_hl7(
            raw=_normalise(raw)[:200_000], control_id=control_id, sending_application=sender,
            sending_facility=facility, message_type=message_type, transport=transport, received_by=received_by,
            code=code, text=text, ack=ack,
        )
    except Exception:
        log.exception("a rejected HL7 message could not be logged")
    return Handled(ack=ack, code=code, text=text, written=0)


def _msh_facts(message: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """(control id, sending application, facility, message type) of whatever MSH could be read, for the log."""
    if message is None:
        return None, None, None, None
    try:
        msh = message.segment("MSH")
    except KeyError:
        return None, None, None, None
    return (_field(msh, 10)[:199] or None, _component(msh, 3, 1)[:200] or None, _component(msh, 4, 1)[:200] or None,
            f"{_component(msh, 9, 1)}^{_component(msh, 9, 2)}"[:20])


def _domain_text(error: DomainError) -> str:
    if error.fields:
        return error.detail + ": " + "; ".join(f"{k} {v}" for k, v in error.fields.items())
    return error.detail


# --- MLLP over TCP ----------------------------------------------------------------------------------


class MllpServer:
    """An asyncio MLLP listener: one message at a time per connection, each answered with its ACK."""

    def __init__(self, host: str, port: int,
                 handler: Callable[..., Any] = handle_message) -> None:
        self.host = host
        self.port = port
        self._handler = handler
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def bound_port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=MAX_MESSAGE_BYTES + 16)
        log.info("HL7 MLLP listener started", extra={"host": self.host, "port": self.bound_port})

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        peer = writer.get_extra_info("peername")
        peer_text = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        try:
            while True:
                frame = await self._read_frame(reader)
                if frame is None:
                    break
                try:
                    raw = frame.decode("utf-8")
                except UnicodeDecodeError:
                    raw = frame.decode("latin-1")
                handled = await self._handler(raw, transport="MLLP", peer=peer_text)
                writer.write(START_BLOCK + handled.ack.encode("utf-8") + END_BLOCK)
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.LimitOverrunError:
            log.warning("an MLLP frame was too large; connection closed", extra={"peer": peer_text})
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._connections.discard(task)

    @staticmethod
    async def _read_frame(reader: asyncio.StreamReader) -> bytes | None:
        """The next message between <VT> and <FS><CR>; None when the peer closed between messages."""
        while True:
            first = await asyncio.wait_for(reader.read(1), READ_TIMEOUT_SECONDS)
            if not first:
                return None
            if first == START_BLOCK:
                break
            # Bytes outside a frame (line noise, a stray CR) are skipped.
        data = await asyncio.wait_for(reader.readuntil(END_BLOCK), READ_TIMEOUT_SECONDS)
        return data[: -len(END_BLOCK)]


async def send_mllp(host: str, port: int, message: str, *, wait_seconds: float = 10.0) -> str:
    """Send one message over MLLP and return the ACK (for tests, tools and the interface engine)."""
    timeout = wait_seconds
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(START_BLOCK + message.encode("utf-8") + END_BLOCK)
        await writer.drain()
        start = await asyncio.wait_for(reader.readexactly(1), timeout)
        if start != START_BLOCK:
            raise ConnectionError("the answer is not an MLLP frame")
        data = await asyncio.wait_for(reader.readuntil(END_BLOCK), timeout)
        return data[: -len(END_BLOCK)].decode("utf-8")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
