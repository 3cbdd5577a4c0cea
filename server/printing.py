"""Printed documents: the small HTML pages made for the browser's print dialog, and the same page as a PDF.

One page style for token slips, prescriptions and discharge summaries. The PDF is rendered from the same
HTML by fpdf2 (pure Python, core Helvetica font, so text is reduced to Latin-1).
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Literal

from fpdf import FPDF
from litestar import MediaType, Response

PrintFormat = Literal["html", "pdf"]

PRINT_CSS = (
    "body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:16px;color:#111}"
    "h1,h2{margin:4px 0}.muted{color:#555;font-size:13px}table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #ccc;padding:6px;text-align:left;vertical-align:top;font-size:14px}"
    ".slip{width:72mm}.token{font-size:64px;font-weight:700;text-align:center;margin:8px 0}"
    ".rx{max-width:190mm}.head{display:flex;justify-content:space-between;border-bottom:2px solid #111;"
    "padding-bottom:8px;margin-bottom:8px}.sign{margin-top:48px;text-align:right}"
    "@media print{body{margin:0}.noprint{display:none}}"
)

_LATIN1 = {"\u2264": "<=", "\u2265": ">=", "\u2013": "-", "\u2014": "-", "\u2019": "'", "\u201c": '"',
           "\u201d": '"', "\u2026": "...", "\u00b7": "-", "\u211e": "Rx"}
_CHAR_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


def _character(match: re.Match[str]) -> str:
    char = unescape(match.group(0))
    return match.group(0) if char in "<>&\"'" or len(char) != 1 else char


def _latin1(text: str) -> str:
    text = _CHAR_REFERENCE.sub(_character, text)  # so a &#8478; is replaced like a literal character
    for bad, good in _LATIN1.items():
        text = text.replace(bad, good)
    return text.encode("latin-1", "replace").decode("latin-1")


_CELL = re.compile(r"(<t[dh][^>]*>)(.*?)(</t[dh]>)", re.S)


def _flat_cell(match: re.Match[str]) -> str:
    """fpdf2's tables take plain text in a cell: a line break inside one becomes " - ", other tags go."""
    inner = re.sub(r"<(div|br)\b[^>]*>", " - ", match.group(2))
    return match.group(1) + re.sub(r"<[^>]+>", "", inner).strip(" -") + match.group(3)


def pdf_of(body: str, title: str) -> bytes:
    pdf = FPDF(format="A4")
    # A page or two of text: uncompressed, it stays small and its words stay findable (and testable).
    pdf.set_compression(False)
    pdf.set_title(_latin1(title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    # fpdf2 knows no <div>: each one ends a line, as it does on the printed page.
    body = _CELL.sub(_flat_cell, body)
    body = re.sub(r"(\s*</div>\s*)+", "<br>", re.sub(r"<div\b[^>]*>", "", body))
    pdf.write_html(_latin1(body))
    return bytes(pdf.output())


def print_page(body: str, title: str, fmt: PrintFormat = "html", *, filename: str | None = None) -> Response[bytes]:
    """`body` as a printable HTML page, or (fmt="pdf") as an A4 PDF shown inline."""
    if fmt == "pdf":
        name = (filename or title).replace('"', "")
        return Response(
            content=pdf_of(body, title), media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{PRINT_CSS}</style></head><body>{body}</body></html>"
    )
    return Response(content=page.encode(), media_type=MediaType.HTML)
