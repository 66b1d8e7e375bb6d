"""Uploaded documents: what kind a file is by its content, and the name it is served under.

A file's type is read from its first bytes ("magic numbers"), never from its name or the
browser's claim, so a PNG named ``ktp.pdf`` is a PNG and a script named ``scan.jpg`` is
refused. Accepted: PDF (``%PDF-`` … ``%%EOF`` near the end), JPEG (``FF D8 FF``), PNG (the
8-byte signature followed by its ``IHDR`` header). Sizes are capped (``MAX_DOCUMENT_BYTES``
unless configured otherwise). The name people see is cleaned and given the extension of
the detected type; the file is stored under a random name (the service's job).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from backend.domain.errors import NotFoundError, ValidationError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DocumentNotFound",
    "DocumentType",
    "InvalidDocument",
    "check_document",
    "display_name",
]

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
NAME_MAX_LENGTH = 120
_PDF_TAIL = 1024


class DocumentType(StrEnum):
    """An accepted document type; the value is its media type."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS = {DocumentType.PDF: ".pdf", DocumentType.JPEG: ".jpg", DocumentType.PNG: ".png"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class InvalidDocument(ValidationError):
    """The upload is refused: ``error.document.empty``, ``error.document.too_large``
    (``max_mb``), ``error.document.type`` (not a PDF, JPEG or PNG by its content),
    ``error.document.too_many`` (``max``)."""

    default_code = "error.document.invalid"


class DocumentNotFound(NotFoundError):
    """No such document (or its loan is outside the staff user's branch)."""

    default_code = "error.document.not_found"


def sniff_type(data: bytes) -> DocumentType | None:
    """The document type the content shows, or None when it is none of the accepted ones."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-_PDF_TAIL:]:
        return DocumentType.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentType.JPEG
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return DocumentType.PNG
    return None


def check_document(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> DocumentType:
    """The type of an upload if it is acceptable, else ``InvalidDocument``.

    Checked in this order: empty, larger than ``max_bytes``, type by content.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError("a document is bytes")
    if not data:
        raise InvalidDocument(code="error.document.empty")
    if len(data) > max_bytes:
        raise InvalidDocument(
            code="error.document.too_large", max_mb=round(max_bytes / (1024 * 1024), 1)
        )
    kind = sniff_type(bytes(data))
    if kind is None:
        raise InvalidDocument(code="error.document.type")
    return kind


def display_name(original: str | None, kind: DocumentType) -> str:
    """The name a document is shown and downloaded under: the uploader's file name without
    its folders, limited to letters, digits, spaces, ``.``, ``-``, ``_`` and ``()``, at most
    ``NAME_MAX_LENGTH`` characters, ending in the extension of its *detected* type
    (``ktp.pdf`` holding a PNG becomes ``ktp.png``); ``document.<ext>`` when nothing is left.
    """
    base = re.split(r"[\\/]", original or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w .()-]", "", stem, flags=re.ASCII)
    stem = " ".join(stem.split()).strip(" .")[: NAME_MAX_LENGTH - len(kind.extension)]
    return (stem or "document") + kind.extension
