"""Specification of the stack config: the guide's values validate, and each kind of bad value is refused
before any resource exists, with one message naming the stack, the key, the value and what is allowed."""

from __future__ import annotations

import copy
import ipaddress
import json
from typing import Any

import pytest

from settings import ConfigError, build_settings
from tools.preview import ROOT, load_stack_config


def raw(stack: str) -> dict[str, Any]:
    """The stack's config as the CLI passes it (structured values as JSON strings), decoded for editing."""
    values = load_stack_config(ROOT, stack).values
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in values.items()}


def with_change(stack: str, key: str, path: list[str | int], value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(raw(stack))
    target = cfg[key]
    for p in path[:-1]:
        target = target[p]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return cfg


_DELETE = object()


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_committed_stacks_validate(stack: str) -> None:
    settings = build_settings(raw(stack), "elite-locadora", stack)
    assert settings.environment == stack
    assert settings.name_prefix == f"elite-locadora-{stack}"
    assert settings.tags == {"Project": "Elite Locadora", "Environment": stack, "ManagedBy": "Pulumi"}


DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _daily(window: str) -> tuple[int, int]:
    """`hh:mm-hh:mm` (UTC) → (start minute of the day, length in minutes)."""
    start, end = (_minutes(x) for x in window.split("-"))
    return start, (end - start) % 1440


def _weekly(window: str) -> tuple[int, int]:
    """`ddd:hh:mm-ddd:hh:mm` (UTC) → (start minute of the week, length in minutes)."""
    (d1, t1), (d2, t2) = (part.split(":", 1) for part in window.split("-"))
    start = DAYS.index(d1) * 1440 + _minutes(t1)
    return start, (DAYS.index(d2) * 1440 + _minutes(t2) - start) % (7 * 1440)


def _overlap(daily: str, weekly: str) -> bool:
    d_start, d_len = _daily(daily)
    w_start, w_len = _weekly(weekly)
    week = 7 * 1440
    for day in range(7):
        start = day * 1440 + d_start
        for shift in (-week, 0, week):  # a window may run over midnight or over the end of the week
            if start + shift < w_start + w_len and w_start < start + shift + d_len:
                return True
    return False


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_windows_and_ranges_are_ones_aws_accepts(stack: str) -> None:
    """What AWS requires of the values the stacks set (not the values read back): an RDS backup window of
    at least 30 minutes that does not conflict with the maintenance window (itself at least 30 minutes;
    RDS API, PreferredBackupWindow / PreferredMaintenanceWindow constraints), an ElastiCache snapshot window
    of at least 60 minutes apart from its maintenance window, subnets inside the VPC's range, disjoint, one
    per AZ."""
    s = build_settings(raw(stack), "elite-locadora", stack)
    db, cache, net = s.data.database, s.data.cache, s.network
    assert _daily(db.backup_window)[1] >= 30, f"{stack}: data.database.backupWindow {db.backup_window}"
    assert _weekly(db.maintenance_window)[1] >= 30, f"{stack}: data.database.maintenanceWindow"
    assert not _overlap(db.backup_window, db.maintenance_window), f"{stack}: data.database windows overlap"
    assert _daily(cache.snapshot_window)[1] >= 60, (
        f"{stack}: data.cache.snapshotWindow {cache.snapshot_window}"
    )
    assert not _overlap(cache.snapshot_window, cache.maintenance_window), (
        f"{stack}: data.cache windows overlap"
    )
    vpc = ipaddress.IPv4Network(net.vpc_cidr)
    subnets = [ipaddress.IPv4Network(c) for c in net.private_subnets + net.public_subnets]
    assert all(n.subnet_of(vpc) for n in subnets), f"{stack}: network subnets outside {vpc}"
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :]), (
        f"{stack}: network subnets overlap"
    )
    assert len(net.private_subnets) == len(net.public_subnets) == net.az_count, f"{stack}: one subnet per AZ"


def test_the_window_check_sees_an_overlap() -> None:
    assert _overlap("03:00-04:00", "sun:03:30-sun:04:30") and _overlap("23:30-00:30", "mon:00:00-mon:00:30")
    assert not _overlap("03:00-04:00", "sun:05:00-sun:06:00")


def test_staging_is_the_same_shape_right_sized() -> None:
    prod = build_settings(raw("prod"), "elite-locadora", "prod")
    staging = build_settings(raw("staging"), "elite-locadora", "staging")
    assert staging.network.az_count == prod.network.az_count, "staging spans as many AZs as prod"
    assert staging.network.nat_gateways < prod.network.nat_gateways, (
        "network.natGateways: staging needs fewer"
    )
    assert staging.protect is False
    assert staging.network.vpc_cidr != prod.network.vpc_cidr, "network.vpcCidr: ranges must not collide"


BAD_VALUES = [
    # (what, stack, key, path, value, expected words in the message)
    (
        "malformed CIDR",
        "prod",
        "elite-locadora:network",
        ["vpcCidr"],
        "10.0.0/16",
        ["stack 'prod'", "'elite-locadora:network.vpcCidr'", "'10.0.0/16'", "IPv4 CIDR"],
    ),
    (
        "subnet outside the VPC",
        "prod",
        "elite-locadora:network",
        ["privateSubnets", 2],
        "10.9.3.0/24",
        [
            "stack 'prod'",
            "elite-locadora:network.privateSubnets",
            "10.9.3.0/24",
            "outside the VPC range 10.0.0.0/16",
        ],
    ),
    (
        "overlapping subnets",
        "staging",
        "elite-locadora:network",
        ["publicSubnets", 0],
        "10.1.1.0/25",
        ["stack 'staging'", "overlap"],
    ),
    (
        "fewer AZs than subnets",
        "prod",
        "elite-locadora:network",
        ["azCount"],
        2,
        ["elite-locadora:network.privateSubnets", "azCount=2"],
    ),
    (
        "unknown instance class family",
        "prod",
        "elite-locadora:data",
        ["database", "instanceClass"],
        "db.q9.large",
        ["'elite-locadora:data.database.instanceClass'", "'db.q9.large'"],
    ),
    (
        "retention out of range",
        "prod",
        "elite-locadora:data",
        ["database", "backupRetentionDays"],
        40,
        ["'elite-locadora:data.database.backupRetentionDays'", "= 40", "35"],
    ),
    (
        "window in the wrong format",
        "prod",
        "elite-locadora:data",
        ["database", "backupWindow"],
        "3am-4am",
        ["'elite-locadora:data.database.backupWindow'", "'3am-4am'", "hh24:mi-hh24:mi"],
    ),
    (
        "overlapping backup and maintenance windows",
        "prod",
        "elite-locadora:data",
        ["database", "maintenanceWindow"],
        "sun:03:30-sun:04:30",
        ["elite-locadora:data.database.maintenanceWindow", "overlaps"],
    ),
    (
        "missing required key",
        "prod",
        "elite-locadora:data",
        ["database", "instanceClass"],
        _DELETE,
        ["'elite-locadora:data.database.instanceClass' is required"],
    ),
    (
        "Multi-AZ off in prod",
        "prod",
        "elite-locadora:data",
        ["database", "multiAz"],
        False,
        ["elite-locadora:data.database.multiAz", "prod"],
    ),
]


@pytest.mark.parametrize("what,stack,key,path,value,words", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_bad_value_is_refused_with_a_message_naming_it(what, stack, key, path, value, words) -> None:
    with pytest.raises(ConfigError) as err:
        build_settings(with_change(stack, key, path, value), "elite-locadora", stack)
    message = str(err.value)
    for word in words:
        assert word in message, f"{what}: expected {word!r} in the message: {message}"


def test_unknown_key_is_refused_listing_the_allowed_ones() -> None:
    cfg = raw("prod") | {"elite-locadora:netwrok": {"vpcCidr": "10.0.0.0/16"}}
    with pytest.raises(
        ConfigError, match=r"unknown config key\(s\) elite-locadora:netwrok; allowed: .*network"
    ):
        build_settings(cfg, "elite-locadora", "prod")


def test_missing_region_is_refused() -> None:
    cfg = {k: v for k, v in raw("prod").items() if k != "aws:region"}
    with pytest.raises(ConfigError, match=r"stack 'prod': config key 'aws:region' is required"):
        build_settings(cfg, "elite-locadora", "prod")


def test_dr_region_must_differ_from_the_primary() -> None:
    cfg = raw("prod") | {"elite-locadora:drRegion": "us-east-1"}
    with pytest.raises(ConfigError, match=r"'elite-locadora:drRegion'.*is the primary region"):
        build_settings(cfg, "elite-locadora", "prod")


def test_protect_is_required_in_prod() -> None:
    cfg = raw("prod") | {"elite-locadora:protect": "false"}
    with pytest.raises(ConfigError, match=r"'elite-locadora:protect'.*prod must protect"):
        build_settings(cfg, "elite-locadora", "prod")
