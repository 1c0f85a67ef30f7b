"""Login throttling keeps its counters in the database, so it holds across gunicorn workers.

Two ``create_app`` instances on one database stand for two workers (or two app servers).
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from cxgov.audit import SecurityEvent
from cxgov.extensions import db
from tests.conftest import TEST_PASSWORD, make_test_app

LIMITS = {"LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_SECONDS": 900}


def attempt(client, email, password=TEST_PASSWORD, addr="192.0.2.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def new_email(make_user) -> str:
    """Create a user and return the e-mail, ending the test's own read transaction.

    The test client shares the test's session; a read transaction left open here would be
    reused by the next request, which a real worker never does.
    """
    email = make_user().email
    db.session.rollback()
    return email


def age_events(*, seconds: int) -> None:
    """Move every security event back in time, as if ``seconds`` had passed."""
    for event in db.session.scalars(select(SecurityEvent)):
        event.at = event.at - timedelta(seconds=seconds)
    db.session.commit()
    db.session.rollback()


@pytest.fixture
def second_worker(app):
    """Another app on the same database, as a second gunicorn worker would be."""
    other = make_test_app(**LIMITS)
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.mark.app_config(**LIMITS)
def test_failures_on_two_workers_add_up(app, client, second_worker, make_user):
    email = new_email(make_user)
    other = second_worker.test_client()
    assert attempt(client, email, "wrong password 1").status_code == 200
    assert attempt(other, email, "wrong password 2").status_code == 200
    assert attempt(client, email, "wrong password 3").status_code == 200
    for worker in (other, client):  # the right password is refused on both workers now
        response = attempt(worker, email)
        assert response.status_code == 429
        assert b"Too many failed attempts. Try again in 15 minutes." in response.data


@pytest.mark.app_config(**LIMITS)
def test_a_successful_login_resets_the_account_count(app, client, second_worker, make_user):
    email = new_email(make_user)
    other = second_worker.test_client()
    for _ in range(2):
        attempt(client, email, "wrong password")
    assert attempt(other, email).status_code == 302
    other.post("/logout")
    for _ in range(2):
        attempt(other, email, "wrong password")
    assert attempt(client, email).status_code == 302


@pytest.mark.app_config(**LIMITS)
def test_the_lock_ends_after_the_window(app, client, make_user):
    email = new_email(make_user)
    for _ in range(3):
        attempt(client, email, "wrong password")
    assert attempt(client, email).status_code == 429
    age_events(seconds=901)
    assert attempt(client, email).status_code == 302


@pytest.mark.app_config(**LIMITS)
def test_refused_attempts_do_not_extend_the_lock(app, client, make_user):
    email = new_email(make_user)
    for _ in range(3):
        attempt(client, email, "wrong password")
    for _ in range(5):
        assert attempt(client, email, "still guessing").status_code == 429
    actions = db.session.scalars(select(SecurityEvent.action).order_by(SecurityEvent.id)).all()
    assert actions == ["login_failed"] * 3 + ["login_throttled"] * 5
    age_events(seconds=901)
    assert attempt(client, email).status_code == 302


@pytest.mark.app_config(**LIMITS)
def test_one_address_trying_many_accounts_is_refused(app, client, second_worker, make_user):
    """The address limit (4 x the account limit) stops spraying one password over many accounts."""
    victim = new_email(make_user)
    other = second_worker.test_client()
    for n in range(12):
        worker = client if n % 2 else other
        assert attempt(worker, f"guess{n}@example.com", "Summer2026!", addr="203.0.113.9").status_code == 200
    assert attempt(client, victim, addr="203.0.113.9").status_code == 429
    assert attempt(other, victim, addr="198.51.100.4").status_code == 302  # other offices unaffected


@pytest.mark.app_config(**LIMITS, PASSWORD_HASH_METHOD="pbkdf2:sha256:150000")
def test_parallel_attempts_on_two_workers_never_exceed_the_limit(app, second_worker, make_user):
    """Attempts are recorded before the password is checked, so a burst cannot slip through.

    A realistically slow password hash keeps the attempts in flight together, as an attacker's
    parallel connections to several workers would be.
    """
    email = new_email(make_user)
    apps = [app, second_worker]
    statuses: list[int] = []
    barrier = threading.Barrier(12)

    def guess(n: int) -> None:
        client = apps[n % 2].test_client()
        barrier.wait()
        statuses.append(attempt(client, email, f"guess number {n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = [s for s in statuses if s == 200]  # the password was checked (and wrong)
    assert len(statuses) == 12
    # none checked is possible too (every attempt committed before any counted): safe, never more
    assert len(checked) <= 3, statuses
    assert statuses.count(429) == 12 - len(checked)
    # each checked password left one failure; refused attempts were never checked, so they don't count
    failures = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "login_failed")).all()
    assert len(failures) == len(checked)
    if len(checked) == 3:
        assert attempt(app.test_client(), email).status_code == 429


@pytest.mark.app_config(**LIMITS, PROXY_COUNT=1)
def test_behind_one_proxy_the_client_address_counts(app, client, make_user):
    """nginx forwards everyone from 127.0.0.1: the limit must follow X-Forwarded-For, not the proxy."""
    email = new_email(make_user)
    for n in range(12):
        client.post("/login", data={"email": f"spray{n}@example.com", "password": "Summer2026!"},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "203.0.113.9"})
    other_office = client.post("/login", data={"email": email, "password": TEST_PASSWORD},
                               environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.4"})
    assert other_office.status_code == 302
    addresses = {e.remote_addr for e in db.session.scalars(select(SecurityEvent))}
    assert addresses == {"203.0.113.9", "198.51.100.4"}


@pytest.mark.app_config(**LIMITS)
def test_without_a_proxy_forwarded_headers_are_ignored(app, client, make_user):
    """A client cannot pick its own address (and dodge the limit) when no proxy is configured."""
    for n in range(12):
        client.post("/login", data={"email": f"spray{n}@example.com", "password": "Summer2026!"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"X-Forwarded-For": f"10.0.0.{n}"})
    assert {e.remote_addr for e in db.session.scalars(select(SecurityEvent))} == {"203.0.113.9"}


# --- issue 12, finding 5: no account enumeration by timing, no lock-out by strangers ---------------

def test_an_unknown_address_costs_the_same_hash_work_as_a_wrong_password(app, client, make_user, monkeypatch):
    """Counted, not timed: every login attempt runs exactly one password hash (bench/login_timing.py times it)."""
    import hashlib

    email = new_email(make_user)
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac  # the test configuration's hash method

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted)
    attempt(client, "warm-up@nowhere.example", "some password")  # a stand-in hash may be made once
    for who, password in [(email, "wrong password"), ("nobody@nowhere.example", "wrong password")]:
        calls.clear()
        assert attempt(client, who, password, addr=f"198.51.100.{len(who)}").status_code == 200
        assert len(calls) == 1, who


@pytest.mark.app_config(**LIMITS)
def test_a_stranger_cannot_lock_the_owner_out_of_their_usual_address(app, client, make_user):
    email = new_email(make_user)
    home = "198.51.100.7"
    assert attempt(client, email, addr=home).status_code == 302  # the owner's usual address
    client.post("/logout")
    statuses = [attempt(client, email, f"guess {n}", addr="203.0.113.9").status_code for n in range(12)]
    assert statuses[:3] == [200] * 3 and set(statuses[3:]) == {429}  # the stranger locks only themselves
    assert attempt(client, email, addr=home).status_code == 302


@pytest.mark.app_config(**LIMITS)
def test_guessing_from_many_addresses_backs_off_for_the_whole_account(app, client, make_user):
    """Past twice the pair limit, any address the account never used waits (a minute, then doubling)."""
    email = new_email(make_user)
    home = "198.51.100.7"
    assert attempt(client, email, addr=home).status_code == 302
    client.post("/logout")
    for n in range(6):  # one guess each from six addresses: no pair limit is reached
        assert attempt(client, email, f"guess {n}", addr=f"203.0.113.{n}").status_code == 200
    response = attempt(client, email, addr="192.0.2.200")  # even the right password, from a new address
    assert response.status_code == 429 and b"Try again in 1 minute." in response.data
    assert attempt(client, email, addr=home).status_code == 302  # the usual address is unaffected
    client.post("/logout")
    age_events(seconds=61)
    assert attempt(client, email, addr="192.0.2.200").status_code == 302  # the back-off has run out


@pytest.mark.app_config(**LIMITS)
def test_an_address_unused_for_ninety_days_is_no_longer_usual(app, client, make_user):
    email = new_email(make_user)
    home = "198.51.100.7"
    assert attempt(client, email, addr=home).status_code == 302
    client.post("/logout")
    age_events(seconds=91 * 24 * 3600)
    for n in range(6):
        assert attempt(client, email, f"guess {n}", addr=f"203.0.113.{n}").status_code == 200
    assert attempt(client, email, addr=home).status_code == 429
