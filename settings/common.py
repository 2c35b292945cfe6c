"""Validated value types shared by the tier settings models.

Each type says what AWS allows, so that a bad value fails at config time with that rule in the message,
not minutes later in an AWS API error.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

# One label of a DNS host name (RFC 1123): 1-63 letters, digits and hyphens, no hyphen at either end; lowercase
# only, as the host names in stack config are compared as written.
DNS_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"


class Model(BaseModel):
    """Base of every settings model: camelCase keys as in the stack files, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, validate_default=True
    )


def _cidr(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(
            f"must be an IPv4 CIDR block with no host bits set, like 10.0.0.0/16 ({exc})"
        ) from None
    return str(net)


Cidr = Annotated[str, AfterValidator(_cidr)]


def _aws_sdk_file(relative: str) -> str:
    """A source file of the installed pulumi_aws, read as text: importing the SDK's lazy modules costs seconds,
    and settings are validated before anything else runs."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pulumi_aws is not installed (pip install -r requirements.txt)")
    return (Path(next(iter(spec.submodule_search_locations))) / relative).read_text()


def _enum_values(source: str, enum: str) -> frozenset[str]:
    start = source.index(f"class {enum}(")
    end = source.find("\nclass ", start + 1)
    return frozenset(re.findall(r'^\s+\w+ = "([^"]+)"', source[start : end if end > 0 else None], re.M))


# The regions AWS offers, as the installed provider lists them (pulumi_aws.Region).
AWS_REGIONS = _enum_values(_aws_sdk_file("_enums.py"), "Region")
# The AWS provider's settings (`aws:<key>` in a stack file), as the installed provider reads them.
AWS_PROVIDER_KEYS = frozenset(re.findall(r"__config__\.get\w*\('(\w+)'", _aws_sdk_file("config/vars.py")))
# EC2 instance types that exist (pulumi_aws.ec2.InstanceType): an RDS class or cache node type is
# "db."/"cache." + one of them.
EC2_INSTANCE_TYPES = _enum_values(_aws_sdk_file("ec2/_enums.py"), "InstanceType")


def _region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError("must be a region AWS offers (pulumi_aws.Region), such as us-east-1 or us-west-2")
    return value


Region = Annotated[str, AfterValidator(_region)]

# Instance families current for each service (AWS docs: RDS DB instance classes, ElastiCache supported node types,
# OpenSearch supported instance types). Older generations are left out on purpose: they cost more for less.
RDS_FAMILIES = frozenset(
    {
        "t3",
        "t4g",
        "m5",
        "m5d",
        "m6g",
        "m6gd",
        "m6i",
        "m6id",
        "m7g",
        "m7i",
        "m8g",
        "r5",
        "r5b",
        "r5d",
        "r6g",
        "r6gd",
        "r6i",
        "r6id",
        "r7g",
        "r7i",
        "r8g",
        "x2g",
    }
)
CACHE_FAMILIES = frozenset({"t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g"})
SIZES = (
    "micro",
    "small",
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
)


_BURSTABLE_DB_SIZES = SIZES[: SIZES.index("2xlarge") + 1]  # db.t3/db.t4g: micro to 2xlarge
# ElastiCache node types by family, as the ElastiCache API reference lists them (CacheNode, "supported node
# types"): not every EC2 size exists as a cache node (cache.m5 and cache.r5 skip 8xlarge and 16xlarge).
CACHE_NODE_SIZES = {
    "t3": ("micro", "small", "medium"),
    "t4g": ("micro", "small", "medium"),
    "m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "m6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "m7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "r6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "r7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "r6gd": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
}


def _db_sizes(family: str) -> tuple[str, ...]:
    """The sizes an RDS family offers: burstable ones micro to 2xlarge, the others from large up, and only
    sizes EC2 has for that family (pulumi_aws.ec2.InstanceType): db.t4g.24xlarge does not exist."""
    sizes = _BURSTABLE_DB_SIZES if family.startswith("t") else SIZES[SIZES.index("large") :]
    in_ec2 = {t.split(".", 1)[1] for t in EC2_INSTANCE_TYPES if t.split(".", 1)[0] == family}
    return tuple(s for s in sizes if s in in_ec2) if in_ec2 else sizes


def _class_checker(prefix: str, sizes_of: dict[str, tuple[str, ...]]):
    def check(value: str) -> str:
        parts = value.split(".")
        if len(parts) != 3 or parts[0] != prefix or parts[1] not in sizes_of:
            raise ValueError(
                f"must be '{prefix}.<family>.<size>' with family one of {', '.join(sorted(sizes_of))}"
            )
        if parts[2] not in sizes_of[parts[1]]:
            raise ValueError(
                f"{prefix}.{parts[1]} comes in sizes {', '.join(sizes_of[parts[1]])}; "
                f"{parts[2]} does not exist"
            )
        return value

    return check


DbInstanceClass = Annotated[
    str, AfterValidator(_class_checker("db", {f: _db_sizes(f) for f in RDS_FAMILIES}))
]
CacheNodeType = Annotated[
    str,
    AfterValidator(_class_checker("cache", {f: CACHE_NODE_SIZES[f] for f in CACHE_FAMILIES})),
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)


def _daily(value: str) -> str:
    m = _DAILY.match(value)
    if not m:
        raise ValueError("must be a daily UTC window 'hh24:mi-hh24:mi', like 03:00-04:00")
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    if (end - start) % 1440 < 30:
        raise ValueError("must last at least 30 minutes (AWS minimum for backup and snapshot windows)")
    return value


def _weekly(value: str) -> str:
    m = _WEEKLY.match(value)
    if not m:
        raise ValueError("must be a weekly UTC window 'ddd:hh24:mi-ddd:hh24:mi', like sun:05:00-sun:06:00")
    start, end = weekly_minutes(value)
    if (end - start) % (7 * 1440) < 30:
        raise ValueError("must last at least 30 minutes (AWS minimum for maintenance windows)")
    return value


DailyWindow = Annotated[str, AfterValidator(_daily)]
WeeklyWindow = Annotated[str, AfterValidator(_weekly)]


def weekly_minutes(window: str) -> tuple[int, int]:
    """Start and end of a weekly window in minutes since Monday 00:00 UTC."""
    start, end = window.split("-")

    def minutes(part: str) -> int:
        day, hh, mi = part.split(":")
        return _DAYS.index(day) * 1440 + int(hh) * 60 + int(mi)

    return minutes(start), minutes(end)


def daily_overlaps_weekly(daily: str, weekly: str) -> bool:
    """True if a daily window (every day) overlaps a weekly window."""
    d_start_s, d_end_s = daily.split("-")
    d_start = int(d_start_s[:2]) * 60 + int(d_start_s[3:])
    d_len = (int(d_end_s[:2]) * 60 + int(d_end_s[3:]) - d_start) % 1440
    w_start, w_end = weekly_minutes(weekly)
    w_len = (w_end - w_start) % (7 * 1440)
    week = 7 * 1440
    for day in range(7):
        a = day * 1440 + d_start
        # Two intervals on a circle of one week overlap if either start falls inside the other.
        if (a - w_start) % week < w_len or (w_start - a) % week < d_len:
            return True
    return False


# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy API).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"must be one of CloudWatch Logs' retention periods: {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value


LogRetentionDays = Annotated[int, AfterValidator(_log_retention)]
