"""The envelope of an organisation package: gzip, signed with a key only the instance has.

A package is an ordinary gzip file (``zcat`` still reads it) whose header comment carries
``cxgov-hmac-sha256=<hex>``: an HMAC-SHA256 of everything after the header (the compressed
data and gzip's CRC/length trailer, which together fix the content). Anyone can recompute a
plain checksum, so a forged package could plant rows and files in a new organisation; an HMAC
needs the key. :func:`package_verify` checks it before a single byte is unpacked.

The key is ``CXGOV_PACKAGE_KEY`` when set (give two instances the same value to move
organisations between them), else one derived from the instance's secret key, so a package
made here is accepted only here. :func:`package_unpack` unpacks with a running byte limit tied
to the upload limit, so a small file cannot unpack to gigabytes.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib

from flask import current_app
from flask_babel import lazy_gettext as _l

#: gzip header flag: a zero-terminated comment follows the fixed 10-byte header.
_FCOMMENT = 0x10
_FLAGS_WE_DO_NOT_WRITE = 0x04 | 0x08 | 0x02  # FEXTRA, FNAME, FHCRC
_SIGNATURE_PREFIX = b"cxgov-hmac-sha256="
_SIGNATURE_LENGTH = len(_SIGNATURE_PREFIX) + 64
#: Separates the signed bytes of a package from any other use of the same key.
_DOMAIN = b"cxgov organisation package v1\x00"
#: A package may unpack to at most this many times the upload limit (MAX_CONTENT_LENGTH).
UNPACK_RATIO = 8
_CHUNK = 1024 * 1024


class PackageError(ValueError):
    """A package refused before it is read; the message is for the user."""


def package_key() -> bytes:
    """Return the signing key: CXGOV_PACKAGE_KEY, or one derived from the secret key."""
    configured = current_app.config.get("PACKAGE_KEY")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    secret = current_app.config["SECRET_KEY"]
    secret_bytes = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    # Derived, not the secret key itself: a leaked package key must not sign session cookies.
    return hmac.new(secret_bytes, b"cxgov organisation package signing key", hashlib.sha256).digest()


def _tag(body: bytes) -> str:
    return hmac.new(package_key(), _DOMAIN + body, hashlib.sha256).hexdigest()


def package_seal(content: bytes) -> bytes:
    """Return ``content`` gzip-compressed with this instance's signature in the header."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = (
        compressor.compress(content)
        + compressor.flush()
        + struct.pack("<II", zlib.crc32(content), len(content) & 0xFFFFFFFF)
    )
    header = bytes([0x1F, 0x8B, 8, _FCOMMENT, 0, 0, 0, 0, 0, 255])
    return header + _SIGNATURE_PREFIX + _tag(body).encode("ascii") + b"\x00" + body


def package_verify(data: bytes) -> None:
    """Check the package's signature from its header alone; raise PackageError if it fails."""
    if data[:3] != b"\x1f\x8b\x08":
        raise PackageError(_l("This is not a cxgov organisation export (not a .cxgov.json.gz file)."))
    flags = data[3] if len(data) > 3 else 0
    end = 10 + _SIGNATURE_LENGTH
    signature = data[10:end]
    if (
        not flags & _FCOMMENT
        or flags & _FLAGS_WE_DO_NOT_WRITE
        or len(data) <= end
        or data[end] != 0
        or not signature.startswith(_SIGNATURE_PREFIX)
    ):
        raise PackageError(
            _l(
                "The file is not signed by a cxgov installation (it was made by an older "
                "cxgov or by hand). Export it again from an up-to-date installation."
            )
        )
    given = signature[len(_SIGNATURE_PREFIX) :].decode("ascii", "replace")
    if not hmac.compare_digest(given, _tag(data[end + 1 :])):
        raise PackageError(
            _l(
                "The file's signature does not match: it was changed after export, or "
                "it comes from an installation with another package key (see "
                "CXGOV_PACKAGE_KEY in docs/security.md)."
            )
        )


def package_unpack_limit() -> int:
    """Return the most bytes a package may unpack to: UNPACK_RATIO times the upload limit."""
    return UNPACK_RATIO * int(current_app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024)


def package_unpack(data: bytes, *, limit: int) -> bytes:
    """Return the unpacked content, stopping as soon as it passes ``limit`` bytes (gzip bombs)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    total = 0
    pending = data
    while True:
        # max_length bounds each step's output, so memory never runs ahead of the count.
        part = inflater.decompress(pending, _CHUNK)
        total += len(part)
        if total > limit:
            raise PackageError(
                _l(
                    "The file unpacks to more than %(mb)d MB, more than an upload may hold; it is not a cxgov export.",
                    mb=limit // (1024 * 1024),
                )
            )
        parts.append(part)
        pending = inflater.unconsumed_tail
        if inflater.eof or (not pending and not part):
            break
    if not inflater.eof:
        raise PackageError(_l("The file is cut short (the compressed data ends early)."))
    return b"".join(parts)
