"""Checking uploaded files by their content, not their name."""

from __future__ import annotations

import hashlib
import io

from flask import Response, abort, send_file
from flask_babel import lazy_gettext as _l

from .orgs.models import StoredFile

MAX_LOGO_BYTES = 2 * 1024 * 1024
#: The only types a stored file may have (Pillow's format name -> content type).
ALLOWED_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


class UploadError(ValueError):
    """An upload that is refused; the message is for the user.

    A lazy gettext string, read in the language of whoever reads it: an organisation import
    that refuses a stored logo logs the reason in English (cxgov.ops.transfer).
    """


def stored_file_type(data: bytes) -> str:
    """Return the allowed type ``data`` really is (PNG or JPEG), proven by decoding its structure.

    Stored files are only ever images; the type is never taken from a name or a file's own claim.
    """
    # PIL is heavy to import: loaded only when an upload is checked
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()  # checks the file's structure without decoding every pixel
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError(_l("The file is not a PNG or JPEG image.")) from None
    if image_format not in ALLOWED_IMAGE_TYPES:
        raise UploadError(_l("The file is not a PNG or JPEG image."))
    if width * height > 25_000_000:
        raise UploadError(_l("The image has too many pixels."))
    return ALLOWED_IMAGE_TYPES[image_format]


def logo_from_upload(data: bytes, filename: str, *, kind: str) -> StoredFile:
    """Return a StoredFile for a logo after proving it is a real PNG or JPEG image."""
    if not data:
        raise UploadError(_l("The logo file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise UploadError(_l("The logo is larger than 2 MB."))
    content_type = stored_file_type(data)
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-")[:100] or "logo"
    return StoredFile(
        kind=kind, filename=safe_name, content_type=content_type, data=data, sha256=hashlib.sha256(data).hexdigest()
    )


def _sniffed_type(data: bytes) -> str | None:
    """Return the allowed type the leading bytes announce, or None (a cheap check per request)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def stored_file_response(stored: StoredFile) -> Response:
    """Serve a stored file as the image its bytes are, never as what its row claims.

    ``nosniff`` and ``Content-Security-Policy: sandbox`` keep even a file that slipped past every
    check from running script on this origin; ``private`` keeps one organisation's logo out of
    shared caches. A row whose bytes are no allowed image (stored before the allow-list) is 404.
    """
    content_type = _sniffed_type(bytes(stored.data[:8]))
    if content_type is None:
        abort(404)
    response = send_file(io.BytesIO(stored.data), mimetype=content_type, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
