"""Operations tier settings: application secrets, alarms and their subscribers, the log domain, backups.

Prod defaults are the guide's ("Monitoring & Logging", "Backup & Disaster Recovery", "Environment Variables
Management"); where the guide is wrong or dated the field says what we do instead (docs/departures.md).
The config *secrets* of the tier (Stripe's secret key, an optional JWT secret) are not fields here: they are
read as Pulumi secrets by :func:`load_app_secrets` and never pass through a settings model.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from .backup import BackupSettings
from .common import Model
from .logging import SearchSettings

# CloudWatch accepts a period of 10, 20 or 30 s (high-resolution metrics) or any multiple of 60 s.
_PERIODS_HINT = "10, 20, 30 or a multiple of 60 seconds"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ARN = {
    "sqs": re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$"),
    "lambda": re.compile(
        r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$"
    ),
}


class Subscription(Model):
    """One subscriber of the alarm topic."""

    protocol: Literal["email", "email-json", "https", "sms", "sqs", "lambda"] = Field(
        description="SNS protocol; email subscribers confirm by the link SNS sends them."
    )
    endpoint: str = Field(description="Address, HTTPS URL, E.164 phone number or queue/function ARN.")

    @model_validator(mode="after")
    def _endpoint_fits_protocol(self) -> Subscription:
        p, e = self.protocol, self.endpoint
        ok = {
            "email": lambda: bool(_EMAIL.match(e)),
            "email-json": lambda: bool(_EMAIL.match(e)),
            "https": lambda: e.startswith("https://") and len(e) > len("https://"),
            "sms": lambda: bool(_E164.match(e)),
            "sqs": lambda: bool(_ARN["sqs"].match(e)),
            "lambda": lambda: bool(_ARN["lambda"].match(e)),
        }[p]()
        if not ok:
            expected = {
                "email": "an e-mail address",
                "email-json": "an e-mail address",
                "https": "an https:// URL (alarms leave over TLS only)",
                "sms": "an E.164 phone number like +5511999999999",
                "sqs": "an SQS queue ARN",
                "lambda": "a Lambda function ARN",
            }[p]
            raise ValueError(f"endpoint: {e!r} is not {expected} (protocol {p})")
        return self


class AlarmSettings(Model):
    """Thresholds of the guide's four alarms and of the ones an on-call person expects besides."""

    period_seconds: int = Field(300, description="Period of the guide's alarms; the guide: 300.")
    ecs_cpu_percent: float = Field(80, gt=0, le=100, description="ECS service CPUUtilization; the guide: 80.")
    ecs_memory_percent: float = Field(
        85, gt=0, le=100, description="ECS service MemoryUtilization; the guide: 85."
    )
    ecs_evaluation_periods: int = Field(
        2, ge=1, le=100, description="The guide: 2 periods for CPU and memory."
    )
    db_connections: int = Field(80, ge=1, description="RDS DatabaseConnections; the guide: 80.")
    db_evaluation_periods: int = Field(3, ge=1, le=100, description="The guide: 3 periods.")
    response_time_seconds: float = Field(
        2,
        gt=0,
        description="ALB TargetResponseTime in SECONDS (the metric's unit); the guide wrote 2000, meaning 2 s.",
    )
    response_time_evaluation_periods: int = Field(2, ge=1, le=100, description="The guide: 2 periods.")
    server_error_percent: float = Field(
        5, gt=0, le=100, description="Share of requests answered 5xx (targets + load balancer) that pages."
    )
    unhealthy_evaluation_periods: int = Field(
        2, ge=1, le=100, description="Minutes a target group may report an unhealthy target."
    )
    db_free_storage_gib: float = Field(10, gt=0, description="RDS FreeStorageSpace floor, GiB.")
    replica_lag_seconds: float = Field(300, gt=0, description="RDS ReplicaLag ceiling, seconds.")
    redis_cpu_percent: float = Field(
        80, gt=0, le=100, description="ElastiCache EngineCPUUtilization (Redis is single-threaded)."
    )
    redis_memory_percent: float = Field(
        80, gt=0, le=100, description="ElastiCache DatabaseMemoryUsagePercentage."
    )
    redis_evictions: int = Field(
        1000,
        ge=0,
        description="Evictions per period above which the cache is too small (allkeys-lru evicts).",
    )

    @model_validator(mode="after")
    def _units(self) -> AlarmSettings:
        if not (
            self.period_seconds in (10, 20, 30)
            or (self.period_seconds >= 60 and self.period_seconds % 60 == 0)
        ):
            raise ValueError(
                f"periodSeconds: {self.period_seconds} is not a CloudWatch period; use {_PERIODS_HINT}"
            )
        if self.response_time_seconds > 60:
            raise ValueError(
                f"responseTimeSeconds: {self.response_time_seconds:g} s is over a minute; TargetResponseTime is "
                "measured in seconds (the guide's 2000 means 2), so give seconds, like 2"
            )
        return self


class OperationsSettings(Model):
    alarms: AlarmSettings = Field(default_factory=AlarmSettings)
    notifications: list[Subscription] = Field(
        min_length=1, description="Who the alarm topic notifies on alarm and on recovery."
    )
    search: SearchSettings
    backup: BackupSettings
    jwt_secret_length: int = Field(
        64, ge=32, le=256, description="Length of the generated JWT signing secret (when none is configured)."
    )

    @model_validator(mode="after")
    def _each_subscriber_once(self) -> OperationsSettings:
        # Subscriptions are keyed by who they notify (components/operations.py): a subscriber listed twice would be
        # two resources with one name.
        seen: set[tuple[str, str]] = set()
        for sub in self.notifications:
            key = (sub.protocol, sub.endpoint.lower() if sub.protocol.startswith("email") else sub.endpoint)
            if key in seen:
                raise ValueError(
                    f"notifications: {sub.protocol} {sub.endpoint} is listed twice; list it once"
                )
            seen.add(key)
        return self
