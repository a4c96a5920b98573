"""The event webhook of the web service (real uvicorn on loopback), spoken to with a real HTTP
client (urllib): the same rules as the former stand-alone receiver."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from clauses.inbound import email_events as ee
from clauses.web import WebServer, create_app
from clauses.storage import Candidate
from inbound_helpers import Signer, seed, sg_event


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


class Receiver:
    def __init__(self, app, server: WebServer) -> None:
        self.app, self.server = app, server
        self.url = f"{server.url}{app.state.config.messaging.sendgrid.event_webhook.path}"
        self.spool = app.state.spool

    @property
    def counts(self) -> dict[str, int]:
        return self.app.state.counts.values


@pytest.fixture
def server(signer, tmp_path, db, config):
    app = create_app(config, db, webhook_key=signer.public_key, send_offers=False)
    app.state.webhook_max_body = 10_000
    app.state.spool = tmp_path / "spool"
    web = WebServer(app, port=0).start()
    yield Receiver(app, web)
    web.stop()


def post(url: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, json.loads(body) if exc.headers.get_content_type() == "application/json" else {}


def signed(signer: Signer, body: str, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))  # signed just now, as SendGrid does
    return {ee.SIGNATURE_HEADER: signer.sign(body, timestamp), ee.TIMESTAMP_HEADER: timestamp}


def test_signed_batch_is_spooled_then_ingested(server, signer, db, config):
    with db.transaction() as session:
        ids = seed(session, config)
    body = json.dumps([sg_event("bounce", "e1", message="m-alice"), sg_event("open", "e2", message="m-alice")])
    status, answer = post(server.url, body.encode(), signed(signer, body))
    assert (status, answer) == (200, {"spooled": 2})
    [path] = ee.spooled_files(server.spool)
    outcome = ee.ingest_envelope_file(db, path, signer.public_key)  # verified again from the file
    assert outcome.accepted and outcome.counts.stored == 2
    with db.transaction() as session:
        assert session.get(Candidate, ids["alice"]).email_status == "bounced"


def test_unsigned_forged_and_tampered_requests_are_refused_and_not_spooled(server, signer):
    body = json.dumps([sg_event("unsubscribe", "e1")])
    assert post(server.url, body.encode())[0] == 401
    assert post(server.url, body.encode(), signed(Signer(), body))[0] == 403  # another key
    tampered = body.replace("unsubscribe", "delivered")
    assert post(server.url, tampered.encode(), signed(signer, body))[0] == 403
    assert post(server.url, body.encode(), {**signed(signer, body), ee.TIMESTAMP_HEADER: "1"})[0] == 403
    assert ee.spooled_files(server.spool) == []
    assert server.counts == {"spooled": 0, "unsigned": 1, "forged": 3, "stale": 0}


def test_a_correctly_signed_old_batch_is_refused_as_a_replay(server, signer, db, config):
    """Found by a fault-injection run: a batch signed in 2020 opted a candidate out."""
    with db.transaction() as session:
        ids = seed(session, config)
    body = json.dumps([sg_event("unsubscribe", "e1", message="m-alice")])
    status, answer = post(server.url, body.encode(), signed(signer, body, "1592000000"))  # June 2020
    assert status == 403 and "window" in answer["error"]
    future = str(int(time.time()) + 3600)  # an hour ahead: refused too
    assert post(server.url, body.encode(), signed(signer, body, future))[0] == 403
    eight_minutes_ago = str(int(time.time()) - 480)  # inside the default 10 minutes
    assert post(server.url, body.encode(), signed(signer, body, eight_minutes_ago))[0] == 200
    assert server.counts["stale"] == 2 and len(ee.spooled_files(server.spool)) == 1
    with db.transaction() as session:
        assert session.get(Candidate, ids["alice"]).opted_out is False  # nothing applied by the receiver


def test_the_window_comes_from_the_configuration(signer, tmp_path, db, config):
    assert ee.DEFAULT_MAX_AGE_SECONDS == 600
    sendgrid = config.messaging.sendgrid  # a copy: the session's configuration stays as it is
    hook = sendgrid.event_webhook.model_copy(update={"max_age_seconds": 60})
    messaging = config.messaging.model_copy(update={"sendgrid": sendgrid.model_copy(update={"event_webhook": hook})})
    config = config.model_copy(update={"messaging": messaging})
    app = create_app(config, db, webhook_key=signer.public_key, send_offers=False)
    assert app.state.webhook_max_age == 60
    app.state.spool = tmp_path / "spool"
    web = WebServer(app, port=0).start()
    try:
        receiver = Receiver(app, web)
        body = json.dumps([sg_event("open", "e1")])
        assert post(receiver.url, body.encode(), signed(signer, body, str(int(time.time()) - 120)))[0] == 403
        assert post(receiver.url, body.encode(), signed(signer, body, str(int(time.time()) - 30)))[0] == 200
        assert receiver.counts["stale"] == 1
    finally:
        web.stop()


def test_only_post_on_the_path_and_bounded_bodies(server, signer):
    status, _ = post(server.url, b"", method="GET")
    assert status == 405
    assert post(server.url.replace("/sendgrid/events", "/other"), b"[]", signed(signer, "[]"))[0] == 404
    big = json.dumps([sg_event("open", f"e{i}") for i in range(200)])
    assert len(big) > 10_000
    assert post(server.url, big.encode(), signed(signer, big))[0] == 413
    assert post(server.url, b'{"a": 1}', signed(signer, '{"a": 1}'))[0] == 400  # signed but not an array
    assert post(server.url, b"\xff\xfe", {ee.SIGNATURE_HEADER: "x", ee.TIMESTAMP_HEADER: "1"})[0] == 400
    assert ee.spooled_files(server.spool) == []


def test_spooled_envelope_keeps_the_exact_body(server, signer, tmp_path):
    body = '[ {"event":"open", "sg_event_id":"e1", "timestamp": 1795597200, "note":"é"} ]'
    assert post(server.url, body.encode("utf-8"), signed(signer, body))[0] == 200
    [path] = ee.spooled_files(server.spool)
    envelope = ee.read_envelope(path)
    assert envelope.body == body
    ee.verify_signature(envelope.body, envelope.signature, envelope.timestamp, signer.public_key)


def test_cli_serve_runs_the_receiver_until_interrupted(signer, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "SENDGRID_WEBHOOK_PUBLIC_KEY": signer.public_key_b64, "CLAUSES_DATA_DIR": str(tmp_path)}
    env.pop("CLAUSES_DATABASE_URL", None)
    from clauses.settings import PROJECT_ROOT

    command = [sys.executable, "-c", "import sys; from clauses.cli import main; sys.exit(main(sys.argv[1:]))",
               "events", "serve", "--port", "0", "--json"]
    # Ctrl-C must reach the child as it would from a terminal: an "ignore" disposition or a blocked
    # SIGINT left by something else in the test session would be inherited across exec.
    def default_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=PROJECT_ROOT, preexec_fn=default_sigint)
    try:
        first = process.stderr.readline()
        assert first.startswith("à l'écoute sur http://127.0.0.1:"), first  # (reading more would wait for the end)
        url = first.split()[3]
        body = json.dumps([sg_event("delivered", "e1")])
        assert post(url, body.encode(), signed(signer, body))[0] == 200
        assert post(url, body.encode())[0] == 401
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            raise AssertionError(f"the receiver did not stop on Ctrl-C within 60 s; stderr:\n{err[-3000:]}")
    assert process.returncode == 0, err
    assert json.loads(out) == {"ok": True, "spooled": 1, "unsigned": 1, "forged": 0, "stale": 0}
    assert len(list((tmp_path / "webhook-spool").glob("*.json"))) == 1
