"""Operations tier settings: application secrets, alarms and their subscribers, the log domain, backups.

Prod defaults are the guide's ("Monitoring & Logging", "Backup & Disaster Recovery", "Environment Variables
Management"); where the guide is wrong or dated the field says what we do instead (docs/departures.md).
The config *secrets* of the tier (Stripe's secret key, an optional JWT secret) are not fields here: they are
read as Pulumi secrets by :func:`load_app_secrets` and never pass through a settings model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from .common import DailyWindow, LogRetentionDays, Model

# Config keys of this tier that hold secrets (`pulumi config set --secret <key>`); listed in settings.SECRET_KEYS.
STRIPE_SECRET_KEY = "stripeSecretKey"
JWT_SECRET_KEY = "jwtSecret"

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


# The OpenSearch Service instance types a log domain on gp3 EBS volumes can use, each with the largest gp3 volume
# AWS gives it in GiB (OpenSearch Service Developer Guide, "Quotas": EBS volume size quotas, read 2026-12).
# Current generations only; left out on purpose: the
# previous generations (they cost more for less, and T2 and R3 lack encryption at rest), and the types with
# instance storage only (i3, i4g, i4i, i7i, i8g, im4gn, r6gd, r7gd, oi2), which refuse an EBS volume.
SEARCH_INSTANCE_TYPES: dict[str, int] = {
    # t3
    "t3.small.search": 100,
    "t3.medium.search": 200,
    # m5
    "m5.large.search": 1024,
    "m5.xlarge.search": 2048,
    "m5.2xlarge.search": 3072,
    "m5.4xlarge.search": 6144,
    "m5.12xlarge.search": 18432,
    # m6g
    "m6g.large.search": 1024,
    "m6g.xlarge.search": 2048,
    "m6g.2xlarge.search": 3072,
    "m6g.4xlarge.search": 6144,
    "m6g.8xlarge.search": 12288,
    "m6g.12xlarge.search": 18432,
    # m7g
    "m7g.medium.search": 512,
    "m7g.large.search": 768,
    "m7g.xlarge.search": 2048,
    "m7g.2xlarge.search": 3072,
    "m7g.4xlarge.search": 6144,
    "m7g.8xlarge.search": 12288,
    "m7g.12xlarge.search": 18432,
    "m7g.16xlarge.search": 24576,
    # c5
    "c5.large.search": 256,
    "c5.xlarge.search": 512,
    "c5.2xlarge.search": 1024,
    "c5.4xlarge.search": 1536,
    "c5.9xlarge.search": 3584,
    "c5.18xlarge.search": 7168,
    # c6g
    "c6g.large.search": 256,
    "c6g.xlarge.search": 512,
    "c6g.2xlarge.search": 1024,
    "c6g.4xlarge.search": 1536,
    "c6g.8xlarge.search": 3072,
    "c6g.12xlarge.search": 4608,
    # c7g
    "c7g.large.search": 256,
    "c7g.xlarge.search": 512,
    "c7g.2xlarge.search": 1024,
    "c7g.4xlarge.search": 1536,
    "c7g.8xlarge.search": 3072,
    "c7g.12xlarge.search": 4608,
    "c7g.16xlarge.search": 6144,
    # r5
    "r5.large.search": 2048,
    "r5.xlarge.search": 3072,
    "r5.2xlarge.search": 6144,
    "r5.4xlarge.search": 12288,
    "r5.12xlarge.search": 24576,
    # r6g
    "r6g.large.search": 2048,
    "r6g.xlarge.search": 3072,
    "r6g.2xlarge.search": 6144,
    "r6g.4xlarge.search": 12288,
    "r6g.8xlarge.search": 16384,
    "r6g.12xlarge.search": 24576,
    # r7g
    "r7g.medium.search": 768,
    "r7g.large.search": 1536,
    "r7g.xlarge.search": 3072,
    "r7g.2xlarge.search": 6144,
    "r7g.4xlarge.search": 12288,
    "r7g.8xlarge.search": 16384,
    "r7g.12xlarge.search": 24576,
    "r7g.16xlarge.search": 36864,
    # or1
    "or1.medium.search": 768,
    "or1.large.search": 1532,
    "or1.xlarge.search": 3072,
    "or1.2xlarge.search": 6144,
    "or1.4xlarge.search": 12288,
    "or1.8xlarge.search": 16384,
    "or1.12xlarge.search": 24576,
    "or1.16xlarge.search": 36864,
    # or2
    "or2.medium.search": 768,
    "or2.large.search": 1532,
    "or2.xlarge.search": 3072,
    "or2.2xlarge.search": 6144,
    "or2.4xlarge.search": 12288,
    "or2.8xlarge.search": 16384,
    "or2.12xlarge.search": 24576,
    "or2.16xlarge.search": 36864,
}
# OR1 and OR2 keep their data in S3 and need a larger minimum volume (the same quota table).
_SEARCH_MIN_GIB = {"or1": 20, "or2": 20}


def _search_type(key: str, value: str) -> None:
    if value not in SEARCH_INSTANCE_TYPES:
        family = value.split(".", 1)[0]
        same = sorted(t for t in SEARCH_INSTANCE_TYPES if t.split(".", 1)[0] == family)
        raise ValueError(
            f"{key}: {value!r} is not an OpenSearch instance type a domain on gp3 EBS can use; "
            + (
                f"{family} offers {', '.join(same)}"
                if same
                else f"families: {', '.join(sorted({t.split('.', 1)[0] for t in SEARCH_INSTANCE_TYPES}))}"
            )
        )


class SearchSettings(Model):
    """The Amazon OpenSearch Service domain that replaces the guide's self-run ELK stack."""

    engine_version: str = Field(
        "OpenSearch_2.19", pattern=r"^OpenSearch_\d+\.\d+$", description="Engine, 'OpenSearch_X.Y'."
    )
    instance_type: str = Field(description="Data node type, like r6g.large.search.")
    instance_count: int = Field(ge=1, le=80, description="Data nodes; a multiple of availabilityZones.")
    availability_zones: Literal[1, 2, 3] = Field(
        description="AZs the data nodes spread over (zone awareness when 2 or 3)."
    )
    dedicated_master_type: str | None = Field(
        None, description="Dedicated master node type (prod: three of them); none in staging."
    )
    dedicated_master_count: Literal[3, 5] = Field(3, description="Dedicated masters: 3 or 5 (a quorum).")
    volume_size_gib: int = Field(ge=10, le=16384, description="gp3 EBS volume per data node, GiB.")
    index_rotation: Literal["OneHour", "OneDay", "OneWeek", "OneMonth"] = Field(
        "OneDay", description="How often Firehose starts a new index (old ones are dropped by age)."
    )
    domain_log_retention_days: LogRetentionDays = Field(
        90, description="Days the domain's own error logs stay in CloudWatch Logs."
    )
    audit_log_retention_days: LogRetentionDays = Field(
        365,
        description="Days the domain's audit logs (who read or changed what) stay in CloudWatch Logs; prod keeps "
        "them at least a year.",
    )
    failed_records_expiration_days: int = Field(
        30, ge=1, le=3650, description="Days records that could not be indexed stay in the S3 bucket."
    )

    @model_validator(mode="after")
    def _shape(self) -> SearchSettings:
        _search_type("instanceType", self.instance_type)
        if self.dedicated_master_type is not None:
            _search_type("dedicatedMasterType", self.dedicated_master_type)
        largest = SEARCH_INSTANCE_TYPES[self.instance_type]
        smallest = _SEARCH_MIN_GIB.get(self.instance_type.split(".", 1)[0], 10)
        if not smallest <= self.volume_size_gib <= largest:
            raise ValueError(
                f"volumeSizeGib: {self.volume_size_gib} GiB is outside what AWS gives {self.instance_type} on gp3 "
                f"({smallest} to {largest} GiB)"
            )
        if self.instance_count % self.availability_zones:
            raise ValueError(
                f"instanceCount: {self.instance_count} data nodes do not spread evenly over "
                f"{self.availability_zones} AZs; use a multiple of availabilityZones"
            )
        return self


class BackupSettings(Model):
    """The AWS Backup plan: the guide's daily 03:00-04:00 window and 30-day retention, copied to the DR region."""

    window: DailyWindow = Field(
        "03:00-04:00", description="Daily UTC window backup jobs must start in; the guide: 03:00-04:00."
    )
    completion_window_minutes: int = Field(
        480, ge=120, le=52_560_000, description="Minutes a started job may run before AWS Backup cancels it."
    )
    retention_days: int = Field(ge=1, le=36500, description="Days recovery points are kept; the guide: 30.")
    copy_to_dr: bool = Field(True, description="Copy every recovery point to the vault in the DR region.")
    dr_retention_days: int = Field(ge=1, le=36500, description="Days the DR copies are kept.")
    lock_vaults: bool = Field(
        False,
        description="Vault Lock in governance mode: nobody without the bypass permission deletes a recovery point "
        "before its retention ends (prod: true).",
    )

    @property
    def start_hour_minute(self) -> tuple[int, int]:
        start = self.window.split("-")[0]
        return int(start[:2]), int(start[3:])

    @property
    def start_window_minutes(self) -> int:
        start, end = self.window.split("-")
        return (int(end[:2]) * 60 + int(end[3:]) - int(start[:2]) * 60 - int(start[3:])) % 1440

    @property
    def schedule(self) -> str:
        """The window's start as an AWS Backup cron expression (UTC)."""
        hour, minute = self.start_hour_minute
        return f"cron({minute} {hour} ? * * *)"

    @model_validator(mode="after")
    def _fits(self) -> BackupSettings:
        if self.start_window_minutes < 60:
            raise ValueError(
                f"window: {self.window} lasts {self.start_window_minutes} minutes; AWS Backup needs a start "
                "window of at least 60 minutes"
            )
        if self.completion_window_minutes < self.start_window_minutes + 60:
            raise ValueError(
                f"completionWindowMinutes: {self.completion_window_minutes} must exceed the "
                f"{self.start_window_minutes}-minute start window by at least 60 minutes"
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


@dataclass(frozen=True)
class ConfigSecrets:
    """Config secrets of the application, as Pulumi secret outputs (never plain values)."""

    stripe_secret_key: object
    """`pulumi.Output[str]` (secret): Stripe's secret API key, `pulumi config set --secret stripeSecretKey`."""
    jwt_secret: object | None
    """`pulumi.Output[str]` (secret) if `jwtSecret` is configured; None → generated at deploy time."""


# What a preview shows for Stripe's key before anyone has set it (never deployed: an update refuses to run).
UNSET_SECRET_PREVIEW = "not-set-yet"


def load_app_secrets(namespace: str) -> ConfigSecrets:
    """Read the tier's config secrets as secret Outputs (Stripe's key is required, the JWT secret optional).

    Stripe's key comes from whoever holds the Stripe account and is set once per stack with
    `pulumi config set --secret stripeSecretKey` before the first update (docs/operations.md, Secrets). A preview
    runs without it, so a stack can be created, previewed and gated by the pack first; an update refuses to run,
    naming the command, rather than deploy a placeholder."""
    import pulumi

    config = pulumi.Config(namespace)
    stripe = config.get_secret(STRIPE_SECRET_KEY)
    if stripe is None:
        command = (
            f"pulumi config set --secret {STRIPE_SECRET_KEY} <Stripe secret key> -s {pulumi.get_stack()}"
        )
        if not pulumi.runtime.is_dry_run():
            raise pulumi.RunError(
                f"config secret '{namespace}:{STRIPE_SECRET_KEY}' is not set; nothing was changed. Set it "
                f"({command}) and run again (docs/operations.md, Secrets)"
            )
        pulumi.log.warn(
            f"config secret '{namespace}:{STRIPE_SECRET_KEY}' is not set: this preview shows a placeholder and an "
            f"update will refuse to run until it is set ({command})"
        )
        stripe = pulumi.Output.secret(UNSET_SECRET_PREVIEW)
    return ConfigSecrets(stripe_secret_key=stripe, jwt_secret=config.get_secret(JWT_SECRET_KEY))
