"""The carrier webhook signature against fixed known answers, computed outside the code (with
openssl, the command beside each vector), so a change of algorithm, key encoding, digest
encoding or of what is signed fails here even if the code's signer and verifier change
together (the other webhook tests sign with the code's own ``signature``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from clipshop.api.app import create_app
from clipshop.core.db import Database
from clipshop.fulfillment.errors import InvalidSignature
from clipshop.fulfillment.tracking import signature, verify_signature
from tests.conftest import problem_code
from tests.fulfillment_support import signed_post

# RFC 4231, test case 2:
#   printf '%s' 'what do ya want for nothing?' | openssl dgst -sha256 -hmac 'Jefe'
RFC_KEY, RFC_BODY = "Jefe", b"what do ya want for nothing?"
RFC_MAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

# A webhook batch, byte for byte as a carrier sends it:
#   printf '%s' '<BODY below>' | openssl dgst -sha256 -hmac 'clipshop-known-answer-secret'
SECRET = "clipshop-known-answer-secret"
BODY = (
    b'{"events": [{"event_id": "kat-1", "tracking_number": "SX70000000011", '
    b'"kind": "PICKED_UP", "occurred_at": "2024-05-01T10:00:00+00:00"}]}'
)
MAC = "764511b0d33d9f86a58136856c772f3ad0018e717fd048e25d5184b799bc9fcd"


def test_the_signer_gives_the_known_answers() -> None:
    assert signature(RFC_KEY, RFC_BODY) == RFC_MAC
    assert signature(SECRET, BODY) == MAC


def test_the_verifier_takes_the_known_answer() -> None:
    verify_signature(SECRET, BODY, "sha256=" + MAC)  # the documented header


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (SECRET, BODY, "sha256=" + MAC[:-1] + "c"),  # one hex digit off
        (SECRET, BODY + b"\n", "sha256=" + MAC),  # one byte more in the body
        (SECRET + " ", BODY, "sha256=" + MAC),  # another key
        (SECRET, BODY, "sha256=" + RFC_MAC),  # another message's answer
        (SECRET, BODY, "sha1=" + MAC),  # not the scheme the carrier is told to send
        (SECRET, BODY, None),
    ],
)
def test_the_verifier_refuses_anything_else(secret: str, body: bytes, header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify_signature(secret, body, header)


@pytest.fixture
def keyed_client(db: Database) -> Iterator[TestClient]:
    """The app with the known answer's secret as its carrier webhook secret."""
    settings = db.settings.model_copy(update={"carrier_webhook_secret": SECRET})
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        yield client


def test_the_webhook_takes_the_known_answer_and_nothing_else(keyed_client: TestClient) -> None:
    response = signed_post(keyed_client, "SIMEX", BODY, "sha256=" + MAC[:-1] + "c")
    assert response.status_code == 401
    assert problem_code(response) == "invalid_signature"
    response = signed_post(keyed_client, "SIMEX", BODY, "sha256=" + MAC)
    assert response.status_code == 202, response.text
    # Signed right: the event is read (no package has that tracking number here).
    assert response.json()["results"] == [
        {"event_id": "kat-1", "result": "UNKNOWN_PACKAGE", "package_id": None}
    ]
