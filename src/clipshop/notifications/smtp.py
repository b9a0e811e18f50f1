"""The SMTP side of the mail sender: one connection per batch (standard library ``smtplib``),
each mail an ``email.message.EmailMessage`` with a text and an HTML part."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from clipshop.core.settings import Settings
from clipshop.notifications.render import Mail


@dataclass(frozen=True, slots=True)
class Outgoing:
    mail_id: int
    to: str
    message_id: str
    content: Mail


def message_id(event_id: int, user_id: int, domain: str) -> str:
    """The Message-ID of the mail of ``event_id`` to ``user_id``: the same on every resend,
    different for two recipients of one event."""
    return f"<notification.{event_id}.{user_id}@{domain}>"


def build(settings: Settings, mail: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.content.subject
    message["Date"] = formatdate(usegmt=True)  # wall time: the receiver compares it with its own
    message["Message-ID"] = mail.message_id
    message.set_content(mail.content.text)
    message.add_alternative(mail.content.html, subtype="html")
    return message


def connect(settings: Settings) -> smtplib.SMTP:
    """An open, authenticated connection to ``CLIPSHOP_SMTP_HOST``."""
    assert settings.smtp_host
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password or "")
    except BaseException:
        client.close()
        raise
    return client


def permanent(exc: BaseException) -> bool:
    """A refusal that a retry would meet again (a 5xx answer, a refused recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def send_batch(settings: Settings, batch: list[Outgoing]) -> dict[int, BaseException | None]:
    """Send each mail of ``batch`` on one connection: mail id -> None (accepted) or the error.
    A connection that fails fails every mail not yet sent."""
    results: dict[int, BaseException | None] = {}
    try:
        client = connect(settings)
    except OSError as exc:  # smtplib's errors are OSErrors
        return {mail.mail_id: exc for mail in batch}
    try:
        for mail in batch:
            try:
                client.send_message(build(settings, mail), to_addrs=[mail.to])
                results[mail.mail_id] = None
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                results[mail.mail_id] = exc  # this mail refused; the connection goes on
            except OSError as exc:  # disconnected, timed out: the rest wait for a retry
                for rest in batch:
                    results.setdefault(rest.mail_id, exc)
                break
    finally:
        try:
            client.quit()
        except OSError:
            client.close()
    return results
