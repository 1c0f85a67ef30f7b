"""Finding 2 (forged packages, stored script) and finding 7 (gzip bomb) of issue 12.

The review forged a package (recomputing its plain SHA-256 checksum) whose logo was ``text/html``
with a script; ``/o/<slug>/logo`` served it with that type and the script ran on the app's origin.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select

from cxgov.extensions import db
from cxgov.ops.transfer import TransferError, org_export, org_file_read, org_import
from cxgov.orgs.models import Organisation, Role, StoredFile
from tests.orgs.access import tiny_png
from tests.security.bounded import run_bounded
from tests.test_tenancy import fingerprint

SCRIPT_PAGE = b"<html><script>fetch('/admin/consultants')</script></html>"


def _org_with_logo(make_org, make_member, slug: str = "source") -> Organisation:
    from cxgov.uploads import logo_from_upload

    org = make_org(slug=slug, name="Source")
    logo = logo_from_upload(tiny_png(), "logo.png", kind="org_logo")
    db.session.add(logo)
    db.session.flush()
    org.logo_id = logo.id
    make_member(org, Role.SPONSOR)
    db.session.commit()
    return org


def _payload(data: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(data))


def _with_logo(payload: dict[str, Any], *, data: bytes, content_type: str) -> dict[str, Any]:
    files = payload["tables"]["stored_file"]
    row = files["rows"][0]
    row[files["columns"].index("data")] = base64.b64encode(data).decode()
    row[files["columns"].index("content_type")] = content_type
    return payload


def _old_style_forgery(payload: dict[str, Any]) -> bytes:
    """Return what the review built: the plain checksum anyone can recompute, then gzip."""
    payload = {k: v for k, v in payload.items() if k != "checksum"}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    payload["checksum"] = hashlib.sha256(canonical).hexdigest()
    return gzip.compress(json.dumps(payload).encode())


def test_a_forged_package_is_refused_before_it_is_read(app, make_org, make_member):
    org = _org_with_logo(make_org, make_member)
    forged = _old_style_forgery(_with_logo(_payload(org_export(org=org)), data=SCRIPT_PAGE,
                                           content_type="text/html"))
    db.session.commit()
    before = fingerprint()
    with pytest.raises(TransferError, match="not signed"):
        org_import(payload=org_file_read(forged), slug="forged")
    db.session.rollback()
    assert fingerprint() == before


def test_a_package_signed_elsewhere_is_refused_unless_both_share_the_package_key(app, make_org, make_member):
    org = _org_with_logo(make_org, make_member)
    here = org_export(org=org)
    db.session.commit()
    secret = current_app.config["SECRET_KEY"]
    current_app.config["SECRET_KEY"] = "another instance's secret"
    try:
        with pytest.raises(TransferError, match="signature does not match"):
            org_file_read(here)
        current_app.config["PACKAGE_KEY"] = "shared between both instances"
        shared = org_export(org=org)
        current_app.config["SECRET_KEY"] = secret
        assert org_file_read(shared)["organisation"]["slug"] == "source"  # the key, not the secret, signs
    finally:
        current_app.config["SECRET_KEY"] = secret
        current_app.config["PACKAGE_KEY"] = None


@pytest.mark.parametrize("data, claimed", [(SCRIPT_PAGE, "text/html"), (b"alert(document.domain)", "text/javascript"),
                                           (b"<svg onload=alert(1)/>", "image/svg+xml"),
                                           (b"\x89PNG\r\n\x1a\n" + b"<script>" * 8, "image/png")])
def test_a_signed_package_keeps_only_real_png_and_jpeg_files(app, make_org, make_member, data, claimed):
    """Even a package signed with the shared key (a compromised instance) plants no script."""
    from cxgov.ops.package import package_seal

    org = _org_with_logo(make_org, make_member)
    payload = _with_logo(_payload(org_export(org=org)), data=data, content_type=claimed)
    db.session.commit()
    before = fingerprint()
    with pytest.raises(TransferError, match="not a PNG or JPEG"):
        org_import(payload=org_file_read(package_seal(json.dumps(payload).encode())), slug="planted")
    db.session.rollback()
    assert fingerprint() == before


def test_a_stored_file_type_comes_from_its_bytes(app, make_org, make_member):
    from cxgov.ops.package import package_seal

    org = _org_with_logo(make_org, make_member)
    payload = _with_logo(_payload(org_export(org=org)), data=tiny_png(), content_type="text/html")
    result = org_import(payload=org_file_read(package_seal(json.dumps(payload).encode())), slug="copy")
    db.session.commit()
    assert result.org.logo.content_type == "image/png"


def test_stored_files_are_served_sandboxed_private_and_by_their_bytes(app, client, make_org, make_member, login):
    org = _org_with_logo(make_org, make_member)
    sponsor = make_member(org, Role.SPONSOR)
    login(client, sponsor)
    response = client.get("/o/source/logo")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"].startswith("private")
    # a row planted before the allow-list existed is never served as what it claims
    db.session.get(StoredFile, org.logo_id).data = SCRIPT_PAGE
    db.session.get(StoredFile, org.logo_id).content_type = "text/html"
    db.session.commit()
    response = client.get("/o/source/logo")
    assert response.status_code == 404 and b"<script>" not in response.data


def test_the_cli_export_writes_a_signed_package(app, runner, make_org, make_member, tmp_path):
    _org_with_logo(make_org, make_member)
    out = tmp_path / "source.cxgov.json.gz"
    assert runner.invoke(args=["org", "export", "source", str(out)]).exit_code == 0
    data = out.read_bytes()
    assert b"cxgov-hmac-sha256=" in data[:100]
    assert _payload(data)["organisation"]["slug"] == "source"  # still a plain gzip file
    result = runner.invoke(args=["org", "import", str(out), "--slug", "again"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "again")) is not None


# --- finding 7: a 1 MB gzip unpacked to 1 GiB (2.2 GB of memory) -----------------------------------------

def test_the_unpack_limit_follows_the_upload_limit(app):
    from cxgov.ops.package import UNPACK_RATIO, package_unpack_limit

    current_app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    try:
        assert package_unpack_limit() == UNPACK_RATIO * 2 * 1024 * 1024
    finally:
        current_app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024


def test_a_gzip_bomb_is_refused_within_a_memory_and_time_bound():
    """1 GiB of zeros in a ~1 MB signed package: refused after a few MB, in a small child process."""
    out = run_bounded("""
        import zlib
        from cxgov import create_app
        from cxgov.ops.package import package_seal
        from cxgov.ops.transfer import TransferError, org_file_read
        app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "MAX_CONTENT_LENGTH": 1024 * 1024})
        with app.app_context():
            # 1 GiB of zeros as ~1 MB of deflate: one full-flushed block of 1 MiB repeated 1024
            # times (the trailer's CRC is never reached: the limit stops the unpacking long before)
            import struct
            from cxgov.ops import package
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = compressor.compress(bytes(1024 * 1024)) + compressor.flush(zlib.Z_FULL_FLUSH)
            body = block * 1024 + compressor.flush() + struct.pack("<II", 0, 0)
            header = bytes([0x1F, 0x8B, 8, 0x10, 0, 0, 0, 0, 0, 255])
            data = header + b"cxgov-hmac-sha256=" + package._tag(body).encode() + b"\\x00" + body
            print("size", len(data))
            tracemalloc.start()
            try:
                org_file_read(data)
            except TransferError as error:
                print("refused", error)
            print("peak", tracemalloc.get_traced_memory()[1])
    """)
    assert "refused" in out and "more than 8 MB" in out, out
    assert int(out.split("size ", 1)[1].split()[0]) < 2 * 1024 * 1024
    assert int(out.split("peak ", 1)[1].split()[0]) < 64 * 1024 * 1024, out
