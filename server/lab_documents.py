"""Printed laboratory documents: the sample's barcode label (HTML with an SVG Code 128) and the report (HTML, PDF).

The barcode is made by python-barcode (Code 128, the symbology of sample tubes), the PDF by fpdf2; both are
pure Python. Everything shown is escaped; the PDF uses the core Helvetica font, so text is reduced to
Latin-1 (µ and ± survive; a ≤ becomes <=).
"""

from __future__ import annotations

import html
import io
from datetime import datetime
from typing import Any

import barcode
from barcode.writer import SVGWriter
from fpdf import FPDF

from domain.clock import hospital_time

HOSPITAL_NAME = "Hospital Live - Department of Laboratory Medicine"
_LATIN1_REPLACEMENTS = {"\u2264": "<=", "\u2265": ">=", "\u2013": "-", "\u2014": "-", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "..."}


def code128_svg(text: str) -> str:
    """An SVG Code 128 barcode of `text` with the text under it (without the XML prologue, for inlining)."""
    buffer = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        buffer, options={"module_width": 0.25, "module_height": 9.0, "font_size": 8, "text_distance": 3.5,
                         "quiet_zone": 2.0, "compress": False}
    )
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]


def _when(value: datetime | str | None) -> str:
    """A time on the hospital's wall clock; accepts the ISO strings of an encoded answer too."""
    if not value:
        return ""
    instant = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return hospital_time(instant).strftime("%d %b %Y %H:%M")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _patient_name(patient: dict[str, Any]) -> str:
    return " ".join(p for p in (patient.get("firstName"), patient.get("lastName")) if p)


def label_html(order: dict[str, Any], patient: dict[str, Any]) -> str:
    """A 50 x 25 mm tube label: barcode of the accession number, patient, test, sample, collection time."""
    accession = order["accessionNumber"]
    sex = (patient.get("gender") or "")[:1]
    urgency = order["urgency"] if order["urgency"] != "ROUTINE" else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Label {_e(accession)}</title>
<style>
 @page {{ size: 50mm 25mm; margin: 1mm; }}
 body {{ font: 7pt/1.15 Arial, sans-serif; margin: 0; }}
 .label {{ width: 48mm; height: 23mm; overflow: hidden; }}
 .label svg {{ width: 46mm; height: 11mm; display: block; }}
 .name {{ font-weight: bold; }}
</style></head>
<body><div class="label">
 {code128_svg(accession)}
 <div class="name">{_e(_patient_name(patient))} &middot; {_e(patient.get('age'))}y {_e(sex)}</div>
 <div>{_e(patient.get('mrn'))} &middot; {_e(order['testCode'])} {_e(urgency)}</div>
 <div>{_e(order.get('sampleType'))} &middot; {_e(_when(order.get('sampleCollectedDate')))}</div>
</div></body></html>"""


def _result_rows(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        flag = r.get("flag") or ""
        style = ' class="critical"' if flag in ("LL", "HH") else (' class="abnormal"' if flag not in ("", "N") else "")
        corrected = ""
        if r.get("isCorrected"):
            corrected = (f'<div class="corrected">Corrected {_e(_when(r.get("correctedAt")))}: previously '
                         f'{_e(r.get("correctedFrom"))} &mdash; {_e(r.get("correctionReason"))}</div>')
        rows.append(
            f"<tr{style}><td>{_e(r['name'])}</td><td>{_e(r['value'])}{corrected}</td><td>{_e(r.get('unit'))}</td>"
            f"<td>{_e(r.get('referenceRange'))}</td><td>{_e(flag if flag != 'N' else '')}</td></tr>"
        )
    return "\n".join(rows)


def _timeline_html(alerts: list[dict[str, Any]]) -> str:
    if not alerts:
        return ""
    parts = ["<h2>Critical result notifications</h2>"]
    for alert in alerts:
        parts.append(f"<p><b>{_e(alert['message'])}</b> &mdash; {_e(alert['status'])}"
                     + (f", acknowledged: {_e(alert.get('actionTaken'))}" if alert.get("actionTaken") else "")
                     + "</p><ul>")
        for step in alert.get("timeline", []):
            who = step.get("actorName") or "system"
            detail = step.get("detail") or {}
            extra = ""
            if step["event"] == "ESCALATED":
                extra = f" (level {detail.get('level')}, {detail.get('reason')}, {detail.get('delivery')})"
            elif step["event"] == "ACKNOWLEDGED":
                extra = f": {detail.get('action')}"
            parts.append(f"<li>{_e(_when(step['at']))} {_e(step['event'])} &mdash; {_e(who)}{_e(extra)}</li>")
        for recipient in alert.get("recipients", []):
            parts.append(f"<li>{_e(recipient['name'])} ({_e(recipient['reason'])}): {_e(recipient['delivery'])}"
                         + (f", seen {_e(_when(recipient.get('seenAt')))}" if recipient.get("seenAt") else "")
                         + "</li>")
        parts.append("</ul>")
    return "\n".join(parts)


def report_html(report: dict[str, Any]) -> str:
    order, patient = report["order"], report["patient"]
    results = report.get("results") or []
    status_note = (
        "" if report.get("final") else '<p class="warn">Not yet verified and released: not a final report.</p>'
    )
    who = f"{_patient_name(patient)} &middot; {_e(patient.get('mrn'))} &middot; {_e(patient.get('age'))} y"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lab report {_e(order['accessionNumber'])}</title>
<style>
 body {{ font: 10pt/1.4 Arial, sans-serif; margin: 15mm; color: #111; }}
 h1 {{ font-size: 14pt; margin: 0 0 4mm; }} h2 {{ font-size: 11pt; margin-top: 6mm; }}
 table {{ border-collapse: collapse; width: 100%; }}
 th, td {{ border-bottom: 1px solid #ccc; padding: 1.5mm; text-align: left; }}
 .abnormal td {{ font-weight: bold; }} .critical td {{ font-weight: bold; color: #b00; }}
 .corrected {{ font-size: 8pt; color: #555; }} .warn {{ color: #b00; font-weight: bold; }}
 .meta td {{ border: none; padding: 0.5mm 2mm 0.5mm 0; }}
</style></head><body>
<h1>{_e(HOSPITAL_NAME)}</h1>
{status_note}
<table class="meta">
<tr><td>Patient</td><td><b>{who}</b> &middot; {_e(patient.get('gender'))}</td></tr>
<tr><td>Test</td><td>{_e(order['testName'])} ({_e(order['testCode'])}) &middot; {_e(order['urgency'])}</td></tr>
<tr><td>Accession</td><td>{_e(order['accessionNumber'])} &middot; sample {_e(order.get('sampleType'))}</td></tr>
<tr><td>Ordered</td><td>{_e(_when(order['orderDate']))} by {_e(order.get('orderedByName'))}</td></tr>
<tr><td>Collected</td><td>{_e(_when(order.get('sampleCollectedDate')))}</td></tr>
<tr><td>Verified</td><td>{_e(_when(order.get('verifiedAt')))} {_e(report.get('verifiedByName') or '')}</td></tr>
<tr><td>Released</td><td>{_e(_when(order.get('releasedAt')))}</td></tr>
<tr><td>Turnaround</td><td>{_e(report.get('turnaroundMinutes'))} min (order to release)</td></tr>
</table>
<h2>Results</h2>
<table><thead><tr><th>Test</th><th>Result</th><th>Unit</th><th>Reference range</th><th>Flag</th></tr></thead>
<tbody>
{_result_rows(results)}
</tbody></table>
<p style="font-size:8pt">Flags: L/H below/above the reference range, LL/HH critical, ABNORMAL for a positive
qualitative result. Ranges are chosen for the patient's sex and age.</p>
{_timeline_html(report.get('alerts') or [])}
</body></html>"""


def _latin1(text: Any) -> str:
    value = "" if text is None else str(text)
    for bad, good in _LATIN1_REPLACEMENTS.items():
        value = value.replace(bad, good)
    return value.encode("latin-1", "replace").decode("latin-1")


def report_pdf(report: dict[str, Any]) -> bytes:
    """The report as a one-or-more page A4 PDF: header, patient and order, the results table, notifications."""
    order, patient = report["order"], report["patient"]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _latin1(HOSPITAL_NAME), new_x="LMARGIN", new_y="NEXT")
    if not report.get("final"):
        pdf.set_text_color(176, 0, 0)
        pdf.cell(0, 6, "Not yet verified and released: not a final report.", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "", 9)
    meta = [
        ("Patient", f"{_patient_name(patient)}  {patient.get('mrn') or ''}  {patient.get('age')} y  "
                    f"{patient.get('gender') or ''}"),
        ("Test", f"{order['testName']} ({order['testCode']})  {order['urgency']}"),
        ("Accession", f"{order['accessionNumber']}  sample {order.get('sampleType') or ''}"),
        ("Ordered", f"{_when(order['orderDate'])} by {order.get('orderedByName') or ''}"),
        ("Collected", _when(order.get("sampleCollectedDate"))),
        ("Verified", f"{_when(order.get('verifiedAt'))} {report.get('verifiedByName') or ''}"),
        ("Released", _when(order.get("releasedAt"))),
        ("Turnaround", f"{report.get('turnaroundMinutes') or ''} min (order to release)"),
    ]
    for key, value in meta:
        pdf.cell(28, 5, _latin1(key))
        pdf.cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (62, 34, 26, 40, 18)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(widths, ("Test", "Result", "Unit", "Reference range", "Flag"), strict=True):
        pdf.cell(width, 6, title, border="B")
    pdf.ln()
    for r in report.get("results") or []:
        flag = r.get("flag") or ""
        critical = flag in ("LL", "HH")
        pdf.set_font("Helvetica", "B" if flag not in ("", "N") else "", 9)
        pdf.set_text_color(176, 0, 0) if critical else pdf.set_text_color(0, 0, 0)
        values = (r["name"], r["value"], r.get("unit") or "", r.get("referenceRange") or "",
                  "" if flag == "N" else flag)
        for width, value in zip(widths, values, strict=True):
            pdf.cell(width, 5.5, _latin1(value)[:40])
        pdf.ln()
        pdf.set_text_color(0, 0, 0)
        if r.get("isCorrected"):
            pdf.set_font("Helvetica", "I", 7.5)
            pdf.cell(0, 4, _latin1(f"   Corrected {_when(r.get('correctedAt'))}: previously {r.get('correctedFrom')}"
                                   f" - {r.get('correctionReason') or ''}"), new_x="LMARGIN", new_y="NEXT")
    alerts = report.get("alerts") or []
    if alerts:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, "Critical result notifications", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        for alert in alerts:
            pdf.multi_cell(0, 4.5, _latin1(f"{alert['message']} - {alert['status']}"), new_x="LMARGIN", new_y="NEXT")
            for step in alert.get("timeline", []):
                detail = step.get("detail") or {}
                extra = detail.get("action") or detail.get("delivery") or ""
                pdf.cell(0, 4, _latin1(f"   {_when(step['at'])}  {step['event']}  {step.get('actorName') or 'system'}"
                                       f"  {extra}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
