"""Reading the user's text files safely: UTF-8 only, binary files refused with the reason.

Shared by ingestion, ``geomap extract`` and ``geomap evaluate``; kept free of
heavy imports so the commands start fast.
"""

from __future__ import annotations

from pathlib import Path

from .errors import IngestError, InputError

__all__ = ["refuse_binary", "decode_text", "read_text_file"]

_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
}


def refuse_binary(data: bytes) -> None:
    """Stop at empty input and at files that are plainly not text (images, archives, NUL bytes)."""
    if not data.strip():
        raise IngestError("empty input: nothing to read")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise IngestError(f"binary file ({what}), not text, HTML, JSON or a feed")
    if b"\x00" in data[:8192]:
        raise IngestError("binary file (contains NUL bytes), not text, HTML, JSON or a feed")


def decode_text(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); other encodings are refused with a fix-it message."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it to UTF-8 first, e.g. with iconv -f latin1 -t utf-8"
        ) from None


def read_text_file(path: str | Path) -> str:
    """A UTF-8 text file; missing, binary or non-UTF-8 files are refused with the reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if data.strip():
            refuse_binary(data)
        return decode_text(data)
    except IngestError as exc:
        raise InputError(f"{path}: {exc.message}") from None
