"""``clipshop webhooks listen``: a small local receiver that verifies each delivery with the
``standardwebhooks`` library and prints it (a seller's quick test; docs/webhooks.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import typer
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

MAX_BODY = 1_000_000

webhooks_app = typer.Typer(help="Webhook tools.", no_args_is_help=True, rich_markup_mode=None)


def make_server(
    host: str, port: int, secrets: list[str], say: Callable[[str], None]
) -> ThreadingHTTPServer:
    """A server that answers each POST: 204 and a printed line for a delivery one of
    ``secrets`` verifies, 401 and a printed line for any other."""
    verifiers = [Webhook(secret) for secret in secrets]

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if not 0 <= length <= MAX_BODY:
                self._answer(413)
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            message_id = headers.get("webhook-id", "-")
            payload, error = _verified(verifiers, body, headers)
            if payload is None:
                say(f"REJECTED {message_id}: {error}")
                self._answer(401)
                return
            data = json.dumps(payload.get("data"), separators=(",", ":"), sort_keys=True)
            say(f"{payload.get('type')} {message_id} {data}")
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the printed lines are the log

    return ThreadingHTTPServer((host, port), Receiver)


def _verified(
    verifiers: list[Webhook], body: bytes, headers: dict[str, str]
) -> tuple[dict[str, Any] | None, str]:
    error = "no secret given"
    for verifier in verifiers:
        try:
            payload = verifier.verify(body, headers)
        except WebhookVerificationError as exc:
            error = str(exc)
            continue
        except ValueError:
            return None, "the body is not JSON"
        if not isinstance(payload, dict):
            return None, "the body is not a JSON object"
        return payload, ""
    return None, error


@webhooks_app.command()
def listen(
    port: int = typer.Option(8765, min=1, max=65535, help="Port to listen on"),
    secret: list[str] = typer.Option(
        ..., help="The subscription's secret (whsec_...); repeat during a rotation"
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
) -> None:
    """Print the webhook deliveries the secret verifies.

    Each verified delivery is printed as its type, webhook-id and data. A delivery whose
    signature does not verify is answered 401 and printed as REJECTED.
    Subscribe its URL with CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK=true on the server (a local
    address is refused otherwise)."""
    try:
        server = make_server(host, port, secret, lambda line: typer.echo(line))
    except ValueError as exc:  # binascii.Error: a secret that is not base64
        raise typer.BadParameter(f"not a whsec_ secret: {exc}", param_hint="--secret") from exc
    typer.echo(f"listening on http://{host}:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
