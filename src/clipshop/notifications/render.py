"""The notification templates (package data, ``templates/<language>/<kind>.txt``): each has
the blocks ``subject`` (the in-app title and the mail's subject), ``summary`` (the in-app
line) and, for the kinds that mail, ``text`` (the mail's body). The mail's HTML part is the
text's paragraphs in the language's ``layout.html`` (autoescaped), and both parts end with
the language's footer: a link and the address the mail went to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Mail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("clipshop.notifications", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _template(kind: str, language: str) -> Template:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return _environment().get_template(f"{language}/{kind}.txt")


def _block(template: Template, name: str, values: dict[str, Any]) -> str:
    render = template.blocks[name]
    return "".join(render(template.new_context(values))).strip()


def title_and_summary(kind: str, language: str, values: dict[str, Any]) -> tuple[str, str]:
    """The in-app notification's title and line."""
    template = _template(kind, language)
    return _block(template, "subject", values)[:200], _block(template, "summary", values)[:1000]


def mails(kind: str) -> bool:
    """Whether ``kind`` has a mail body (the seller kinds are in-app only)."""
    return "text" in _template(kind, DEFAULT_LANGUAGE).blocks


def mail(kind: str, language: str, values: dict[str, Any]) -> Mail:
    """The e-mail of ``kind`` in ``language``; ``values`` carry ``link`` (absolute) and
    ``address`` (the recipient) for the footer."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    template = _template(kind, language)
    subject = _block(template, "subject", values)
    text = _block(template, "text", values)
    footer = _environment().get_template(f"{language}/footer.txt").render(values)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    html = _environment().get_template(f"{language}/layout.html")
    page = html.render(values | {"subject": subject, "paragraphs": paragraphs})
    return Mail(subject, f"{text}\n\n{footer}", page)
