"""Checking uploaded files by their content, not their name."""
from __future__ import annotations

import hashlib
import io

from flask_babel import gettext as _

from .orgs.models import StoredFile

MAX_LOGO_BYTES = 2 * 1024 * 1024
_LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class UploadError(ValueError):
    """An upload that is refused; the message is for the user."""


def logo_from_upload(data: bytes, filename: str, *, kind: str) -> StoredFile:
    """Return a StoredFile for a logo after proving it is a real PNG or JPEG image."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise UploadError(_("The logo file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise UploadError(_("The logo is larger than 2 MB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()  # checks the file's structure without decoding every pixel
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError(_("The logo is not a PNG or JPEG image.")) from None
    if image_format not in _LOGO_FORMATS:
        raise UploadError(_("The logo is not a PNG or JPEG image."))
    if width * height > 25_000_000:
        raise UploadError(_("The logo has too many pixels."))
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-")[:100] or "logo"
    return StoredFile(kind=kind, filename=safe_name, content_type=_LOGO_FORMATS[image_format],
                      data=data, sha256=hashlib.sha256(data).hexdigest())
