"""Compress the PDF's streams at zlib's default level 6 instead of pydyf's level 9.

pydyf 0.13 (WeasyPrint 70's PDF writer) deflates every stream, the pages' content streams and
the object stream above all (about 0.9 MB of drawing operators for the demo report), at
``zlib.compressobj(level=9)``. On text like this level 9 spends 3.5 times the CPU of level 6
for 3 % smaller output: measured on the demo report's 68 streams, 54.5 ms against 15.4 ms,
138,048 against 142,165 compressed bytes (a 17-page PDF of ~149 KB grows by ~4 KB). The
streams decompress to the same bytes; nothing else about the PDF changes.

Installed once, by ``weasyprint_patches``, only on the pydyf release it was written against;
on any other pydyf its own code runs.
"""

from __future__ import annotations

import zlib
from typing import Any

import pydyf

#: zlib's own default: the knee of its size/time curve on the report's drawing operators.
LEVEL = 6
#: The pydyf release whose ``Stream.data`` this replaces (a copy of it but for the level).
PYDYF_RELEASE = "0.13."


def stream_data(self: pydyf.Stream) -> bytes:
    """Return the stream's PDF bytes, as pydyf 0.13's ``Stream.data``, deflated at :data:`LEVEL`.

    ``type(item) is bytes`` where pydyf asks ``isinstance(item, bytes)``: a bytes subclass
    goes through pydyf's ``_to_bytes``, which returns it as it is, as ``join`` would.
    """
    # Most items are bytes already: the drawing operators (pydyf's own join calls a function per item).
    to_bytes = pydyf._to_bytes
    stream = b"\n".join([item if type(item) is bytes else to_bytes(item) for item in self.stream])
    extra = pydyf.Dictionary(self.extra.copy())
    if self.compress:
        extra["Filter"] = "/FlateDecode"
        compressor = zlib.compressobj(level=LEVEL)
        stream = compressor.compress(stream) + compressor.flush()
    extra["Length"] = len(stream)
    return b"\n".join((extra.data, b"stream", stream, b"endstream"))


#: pydyf's own property, kept for the test that compares both.
PYDYF_STREAM_DATA: Any = pydyf.Stream.data


def stream_compression_install() -> bool:
    """Deflate pydyf's streams at :data:`LEVEL`; return whether it was installed (pydyf 0.13 only).

    Called once, by cxgov.reports.weasyprint_patches.
    """
    if not pydyf.__version__.startswith(PYDYF_RELEASE):
        return False
    pydyf.Stream.data = property(stream_data)
    return True
