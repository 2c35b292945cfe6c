"""The DNS tier built alone from prod's settings with the zone pinned by id (`dns.hostedZoneId`, which
Pulumi.prod.yaml names as the way to pin it): every stack file finds its zone by name or creates it, so no render
takes this path."""

from __future__ import annotations

import json

import pytest

from components.dns import Dns, DnsArgs
from settings import build_settings
from tests.components.alone import PRIMARY, Built, build, region
from tests.test_settings import with_change
from tests.variants import DELEGATIONS, STAGING_DS

ZONE_ID = "Z0PINNEDBYID1234"
RECORD = "aws:route53/record:Record"


@pytest.fixture(scope="module")
def pinned() -> Built[Dns]:
    config = with_change("prod", "elite-locadora:dns", ["hostedZoneId"], ZONE_ID)
    config["elite-locadora:dns"]["delegations"] = DELEGATIONS
    s = build_settings(config, "elite-locadora", "prod")

    def construct() -> Dns:
        return Dns(
            "dns",
            DnsArgs(
                name_prefix=s.name_prefix,
                settings=s.dns,
                domain=s.domain,
                global_services=region(PRIMARY, "primary"),
                protect=s.protect,
            ),
        )

    return build(construct, stack="prod")


def test_a_pinned_zone_is_neither_looked_up_nor_created(pinned: Built[Dns]) -> None:
    """An account may hold two public zones of the same name (Route 53 only keeps their name servers apart), and a
    lookup by name takes one of them: with the id pinned, the stack reads no zone by name and creates none (the live
    domain's zone holds records this program does not own)."""
    assert not [args for token, args in pinned.invokes if token == "aws:route53/getZone:getZone"], (
        "dns.hostedZoneId set: no lookup by name"
    )
    assert not pinned.of_type("aws:route53/zone:Zone"), "dns.hostedZoneId set: the zone exists, never created"
    assert pinned.component.name_servers is None, (
        "no dnsNameServers: the zone's delegation is the registrar's"
    )


def test_everything_the_tier_writes_goes_into_the_pinned_zone(pinned: Built[Dns]) -> None:
    """Delegations, the key-signing key, DNSSEC signing and the query logs all name the pinned id; the DNSSEC key
    may sign for that zone only (aws:SourceArn)."""
    b = pinned
    records = b.of_type(RECORD)
    assert {(r.inputs["name"], r.inputs["type"]) for r in records} == {
        ("review.elitelocadora.com", "NS"),
        ("staging.elitelocadora.com", "NS"),
        ("staging.elitelocadora.com", "DS"),
    }
    assert b.one(RECORD, "dns-staging.elitelocadora.com-ds").inputs["records"] == [STAGING_DS]
    zones = {r.inputs["zoneId"] for r in records} | {
        b.one("aws:route53/keySigningKey:KeySigningKey").inputs["hostedZoneId"],
        b.one("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec").inputs["hostedZoneId"],
        b.one("aws:route53/queryLog:QueryLog").inputs["zoneId"],
    }
    assert zones == {ZONE_ID}, zones
    policy = json.loads(b.one("aws:kms/key:Key", "dns-dnssec").inputs["policy"])
    [signs] = [st for st in policy["Statement"] if st["Sid"] == "Route53DnssecSigns"]
    assert signs["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:route53:::hostedzone/{ZONE_ID}"
