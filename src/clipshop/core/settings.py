"""Configuration from ``CLIPSHOP_*`` environment variables (see docs/configuration.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clipshop.core.money import EXPONENTS, MAX_MAJOR_SETTING

DEFAULT_SECRET = "dev-secret-change-me"
DEFAULT_CARRIER_SECRET = "dev-carrier-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLIPSHOP_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./clipshop.db"
    secret_key: str = DEFAULT_SECRET
    sandbox: bool = Field(default=True, description="Sandbox features: clock travel, simulators")
    node_id: int = Field(default=0, ge=0, le=1023, description="Id generator node number")
    db_pool_size: int = Field(default=10, ge=1)
    db_pool_pre_ping: bool = Field(
        default=False,
        description="Test each pooled PostgreSQL connection with SELECT 1 before use (one more "
        "round trip per transaction). Off: a connection the server dropped fails one request, "
        "and the pool is then renewed.",
    )
    db_pool_recycle_seconds: int = Field(
        default=1800, ge=-1, description="Replace pooled connections older than this (-1: never)"
    )
    db_echo: bool = False
    policy_file: Path | None = Field(
        default=None,
        description="A TOML file overriding the built-in deadline policies (docs/deadlines.md)",
    )
    sweep_batch_size: int = Field(default=200, ge=1, le=10_000, description="Timers per batch")
    fraud_failed_payments_per_hour: int = Field(
        default=3, ge=1, description="Failed payments in the last hour that put orders on review"
    )
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    idempotency_lease_seconds: int = Field(
        default=60,
        ge=1,
        le=86_400,
        description="How long a request holds its Idempotency-Key before a retry may take it "
        "over (wall time; longer than the longest request)",
    )
    outbox_retention_hours: int = Field(
        default=168,
        ge=1,
        le=24 * 366,
        description="How long relayed outbox events and event-feed rows are kept (business "
        "time; an event some consumer has not yet received is kept until it has)",
    )
    outbox_batch_size: int = Field(
        default=200, ge=1, le=10_000, description="Outbox events per relay batch"
    )
    webhooks_allow_loopback: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, private and link-local addresses "
        "(development and tests only; docs/webhooks.md#ssrf)",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=60, description="How long one webhook delivery may take"
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Webhook deliveries sent at the same time"
    )
    nats_url: str | None = Field(
        default=None, description="A NATS server the webhook events are also published to"
    )
    smtp_host: str | None = Field(
        default=None,
        description="The SMTP server notification e-mails are sent through (unset: mails are "
        "recorded SKIPPED; docs/notifications.md)",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="The SMTP server's port")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="none",
        description="none, starttls (upgrade after connecting) or ssl (TLS from "
        "the start, usually port 465)",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login (unset: none)")
    smtp_password: str | None = Field(default=None, description="SMTP password")
    smtp_timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="How long one SMTP conversation step may take"
    )
    mail_from: str = Field(
        default="clipshop <notifications@clipshop.localhost>",
        description="The From of notification e-mails",
    )
    mail_domain: str = Field(
        default="clipshop.localhost",
        description="The domain of the e-mails' Message-ID (your sending domain)",
    )
    mail_batch_size: int = Field(default=50, ge=1, le=1000, description="E-mails per SMTP batch")
    mail_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Send attempts of one e-mail before it FAILED"
    )
    mail_lease_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="How long a sender holds the e-mails it took before another sender may take "
        "them (business time; longer than a batch's SMTP conversation)",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where people open clipshop: the links in e-mails start with it",
    )
    partner_rate_limit_per_minute: int = Field(
        default=6000,
        ge=1,
        description="Requests per minute an app may make to the TikTok-compatible API, unless "
        "the app has its own limit (docs/tiktok-api.md)",
    )
    partner_access_token_seconds: int = Field(
        default=7 * 86_400, ge=60, description="Lifetime of a partner access token (wall time)"
    )
    partner_refresh_token_seconds: int = Field(
        default=365 * 86_400, ge=60, description="Lifetime of a partner refresh token (wall time)"
    )
    web_session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="How long a browser sign-in lasts (wall time)"
    )
    web_secure_cookies: bool = Field(
        default=False,
        description="Mark the pages' cookies Secure even when the request arrived over plain "
        "http (behind a TLS-terminating proxy); requests over https always get Secure",
    )
    signin_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins per e-mail or per client address in the "
        "window before further attempts are refused",
    )
    signin_window_minutes: int = Field(
        default=15, ge=1, description="The sign-in rate limit's window (wall time)"
    )
    carrier_webhook_secret: str = Field(
        default=DEFAULT_CARRIER_SECRET, description="HMAC key of inbound carrier webhooks"
    )
    storage_dir: Path = Field(
        default=Path("./clipshop-files"),
        description="Where uploaded files (photos, evidence) are kept; created on first upload",
    )
    money_max_major: dict[str, Annotated[int, Field(ge=1, le=MAX_MAJOR_SETTING)]] = Field(
        default_factory=dict,
        description="The largest price, fee or discount per currency, in major units (JSON, e.g. "
        '{"USD": 500000, "*": 1000000}; "*": currencies not listed); entries replace the '
        "built-in table of docs/api.md#bounds",
    )

    @field_validator("money_max_major")
    @classmethod
    def _known_currencies(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(EXPONENTS) - {"*"})
        if unknown:
            raise ValueError(f"unknown currencies in CLIPSHOP_MONEY_MAX_MAJOR: {unknown}")
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("CLIPSHOP_SECRET_KEY must be set in production")
        if self.env == "production" and self.carrier_webhook_secret == DEFAULT_CARRIER_SECRET:
            raise ValueError("CLIPSHOP_CARRIER_WEBHOOK_SECRET must be set in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
