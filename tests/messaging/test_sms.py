"""SMS: numbers to E.164, segments, and the built-in HTTP gateway against a local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import MessageRefused, OutgoingMessage
from core.credentials import encrypt
from core.jobs.outbox import tenant_hooks
from core.testing import run_jobs
from plugins.messaging.models import Message, State
from plugins.messaging.outbox import SEND_JOB
from plugins.messaging.sms import InvalidNumber, normalise, segments
from tests.messaging.conftest import as_tenant


class Gateway(BaseHTTPRequestHandler):
    status = 200
    received: list = []  # noqa: RUF012 - set per server

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.server.received.append(
            (self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "sms-1"}' if self.server.status == 200 else b"bad number")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.received = []
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_acme(acme, gateway, jobdb, app_secrets):
    as_tenant(jobdb, acme.tenant)
    acme.settings.sms_endpoint = f"http://127.0.0.1:{gateway.server_port}/send"
    acme.settings.sms_token = encrypt(app_secrets, "s3cret-token")
    acme.settings.sms_sender = "Acme"
    acme.person.phone = "040 123 4567"
    jobdb.merge(acme.settings)
    jobdb.merge(acme.person)
    jobdb.flush()
    return acme


def send_sms(jobdb, acme, **fields):
    tenant = as_tenant(jobdb, acme.tenant)
    message = OutgoingMessage(
        **{"entity": "contact_person", "record_id": acme.person.id, "channel": "sms", **fields}
    )
    return tenant_hooks(jobdb, tenant).myynti_send_message(db=jobdb, tenant=tenant, message=message)


def test_finnish_numbers_without_the_country_code_become_e164():
    assert normalise("040 123 4567") == "+358401234567"
    assert normalise("+358 40 123 4567") == "+358401234567"
    assert normalise("00358401234567") == "+358401234567"
    assert normalise("+46 70 123 45 67") == "+46701234567"
    for bad in ("12", "abc", "040 123"):
        with pytest.raises(InvalidNumber):
            normalise(bad)


def test_segments_count_gsm7_and_ucs2():
    assert (segments("a" * 160).encoding, segments("a" * 160).count) == ("GSM-7", 1)
    assert segments("a" * 161).count == 2
    assert segments("Hyvää päivää").encoding == "GSM-7"  # ä and ö are in GSM-7
    assert segments("€" * 80).length == 160  # an extension character takes two
    assert segments("š" * 70).encoding == "UCS-2" and segments("š" * 70).count == 1
    assert segments("š" * 71).count == 2
    assert segments("😀").length == 2


def test_an_sms_goes_to_the_person_s_number_through_the_http_gateway(jobdb, sms_acme, gateway):
    message_id = send_sms(jobdb, sms_acme, body="Hei Ville, tarjous on postissa.")
    row = jobdb.get(Message, message_id)
    assert row.to == ["+358401234567"]
    run_jobs(jobdb, sms_acme.tenant, SEND_JOB)
    assert gateway.received == [
        (
            "Bearer s3cret-token",
            {"to": "+358401234567", "from": "Acme", "text": "Hei Ville, tarjous on postissa."},
        )
    ]
    jobdb.refresh(row)
    assert row.state == State.SENT


def test_a_gateway_refusal_fails_the_sms_and_a_server_error_is_retried(jobdb, sms_acme, gateway):
    gateway.status = 400
    refused_id = send_sms(jobdb, sms_acme, body="x")
    run_jobs(jobdb, sms_acme.tenant, SEND_JOB)
    refused = jobdb.get(Message, refused_id)
    jobdb.refresh(refused)
    assert refused.state == State.FAILED and "bad number" in refused.error

    gateway.status = 503
    retried_id = send_sms(jobdb, sms_acme, body="y")
    [job] = run_jobs(jobdb, sms_acme.tenant, SEND_JOB)
    assert job.state == "pending"
    gateway.status = 200
    run_jobs(jobdb, sms_acme.tenant, SEND_JOB)
    retried = jobdb.get(Message, retried_id)
    jobdb.refresh(retried)
    assert retried.state == State.SENT


def test_a_bad_number_is_refused(jobdb, sms_acme):
    with pytest.raises(MessageRefused, match="not a phone number"):
        send_sms(jobdb, sms_acme, to=("040 12",), body="x")


def test_a_gateway_that_keeps_failing_fails_the_sms_after_the_last_attempt(
    jobdb, sms_acme, gateway
):
    gateway.status = 503
    message_id = send_sms(jobdb, sms_acme, body="x")
    for _attempt in range(jobdb.info["myynti.jobs"].config.attempts):
        run_jobs(jobdb, sms_acme.tenant, SEND_JOB)
    row = jobdb.get(Message, message_id)
    jobdb.refresh(row)
    assert row.state == State.FAILED and "503" in row.error
