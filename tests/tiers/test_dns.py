"""The DNS tier (#14 items 4, 16, 17): the existing zone by default, staging's delegated subdomain, DNSSEC signing
and query logs, delegations keyed by name, and a clear stop when the zone is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from settings import ConfigError, build_settings
from tests.render import Render
from tests.variants import STAGING_DS, STAGING_NAME_SERVERS
from tools.preview import ROOT

ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
KEY = "aws:kms/key:Key"
KSK = "aws:route53/keySigningKey:KeySigningKey"
SIGNING = "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec"
QUERY_LOG = "aws:route53/queryLog:QueryLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"


def _program(tmp: Path, stack: str, change) -> Path:
    """A copy of the program whose stack file is changed by `change(config)`."""
    for name in ("components", "settings", "__main__.py", "Pulumi.yaml"):
        (tmp / name).symlink_to(ROOT / name)
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    change(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))
    return tmp


def _zone_of_every_record(r: Render) -> set[str]:
    return {rec["inputs"]["zoneId"] for rec in r.of_type(RECORD)}


def test_prod_writes_into_the_existing_zone_and_never_creates_one(prod: Render) -> None:
    assert not prod.of_type(ZONE), (
        "prod: the live domain's zone exists (MX/TXT of on-call mail): never create it"
    )
    zone_id = prod.outputs["dnsZoneId"]
    assert zone_id.startswith("Z"), f"prod: dnsZoneId {zone_id!r} is not the looked-up zone's id"
    assert _zone_of_every_record(prod) == {zone_id}, "prod: every record goes into the domain's zone"
    assert "dnsNameServers" not in prod.outputs, (
        "prod: an existing zone's delegation is the registrar's, not ours"
    )


def test_staging_owns_its_subdomain_zone_and_exports_what_prod_delegates_with(staging: Render) -> None:
    zone = staging.one(ZONE, "dns-zone")
    assert zone["inputs"]["name"] == "staging.elitelocadora.com", zone["urn"]
    assert _zone_of_every_record(staging) == {zone["outputs"]["zoneId"]}, (
        "staging: records go into its own zone"
    )
    assert staging.outputs["dnsNameServers"] == zone["outputs"]["nameServers"], (
        "dnsNameServers feeds prod's config"
    )
    assert staging.outputs["dnsDsRecord"] == staging.one(KSK)["outputs"]["dsRecord"], (
        "dnsDsRecord: the DS of its KSK"
    )


def test_review_stacks_write_into_the_shared_review_zone_and_leave_its_settings_alone(render) -> None:
    review = render("review")
    assert not review.of_type(ZONE, KSK, SIGNING, QUERY_LOG), (
        "review: the shared review.elitelocadora.com zone is neither created nor signed nor logged by a review stack"
    )
    assert _zone_of_every_record(review) == {review.outputs["dnsZoneId"]}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_zone_is_signed_with_a_us_east_1_key_only_route53_dnssec_may_use_for_this_zone(
    render, stack
) -> None:
    r = render(stack)
    zone_id = r.outputs["dnsZoneId"]
    key = r.one(KEY, "dns-dnssec")
    i = key["inputs"]
    assert key["region"] == "us-east-1", f"{key['urn']}: Route 53 takes DNSSEC keys from us-east-1 only"
    assert (i["customerMasterKeySpec"], i["keyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY"), key["urn"]
    statements = {s["Sid"]: s for s in json.loads(i["policy"])["Statement"]}
    sign = statements["Route53DnssecSigns"]
    assert sign["Principal"] == {"Service": "dnssec-route53.amazonaws.com"}
    account = key["outputs"]["arn"].split(":")[4]
    assert sign["Condition"]["StringEquals"] == {"aws:SourceAccount": account}, (
        f"{key['urn']}: this account only"
    )
    assert sign["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":hostedzone/{zone_id}"), (
        f"{key['urn']}: only this zone's signing may use the key, got {sign['Condition']}"
    )
    assert statements["Route53DnssecCreatesGrant"]["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"}
    }
    ksk = r.one(KSK, "dns-ksk")
    assert ksk["inputs"]["keyManagementServiceArn"] == key["outputs"]["arn"], ksk["urn"]
    assert ksk["inputs"]["hostedZoneId"] == zone_id, ksk["urn"]
    signing = r.one(SIGNING, "dns-dnssec")
    assert signing["inputs"]["signingStatus"] == "SIGNING" and ksk["urn"] in signing["dependsOn"], signing[
        "urn"
    ]
    protected = (key["protect"], key["retainOnDelete"])
    assert protected == ((True, True) if stack == "prod" else (False, False)), (
        f"{key['urn']}: losing the signing key breaks resolution of a signed zone; protected in prod, got {protected}"
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_query_logs_go_to_a_us_east_1_group_route53_may_write_for_this_zone_only(render, stack) -> None:
    r = render(stack)
    zone_id = r.outputs["dnsZoneId"]
    group = r.one(LOG_GROUP, "dns-query-logs")
    domain = "elitelocadora.com" if stack == "prod" else "staging.elitelocadora.com"
    assert group["region"] == "us-east-1" and group["inputs"]["name"] == f"/aws/route53/{domain}", group[
        "urn"
    ]
    key = r.by_urn(group["dependsOn"][0])
    assert group["inputs"]["kmsKeyId"] == key["outputs"]["arn"] and key["region"] == "us-east-1", group["urn"]
    [logs] = [s for s in json.loads(key["inputs"]["policy"])["Statement"] if "Service" in s["Principal"]]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group["outputs"]["arn"]}}
    policy = r.one(LOG_POLICY, "dns-query-logs")
    assert policy["region"] == "us-east-1", policy["urn"]
    [st] = json.loads(policy["inputs"]["policyDocument"])["Statement"]
    assert (
        st["Principal"] == {"Service": "route53.amazonaws.com"}
        and st["Resource"] == f"{group['outputs']['arn']}:*"
    )
    assert st["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(f":hostedzone/{zone_id}"), policy["urn"]
    assert "aws:SourceAccount" in st["Condition"]["StringEquals"], policy["urn"]
    log = r.one(QUERY_LOG, "dns-query-logs")
    assert (
        log["inputs"]["zoneId"] == zone_id
        and log["inputs"]["cloudwatchLogGroupArn"] == group["outputs"]["arn"]
    )
    assert policy["urn"] in log["dependsOn"], f"{log['urn']}: Route 53 checks the resource policy at creation"


@pytest.fixture(scope="module")
def delegating(prod_variant: Render) -> Render:
    """prod once staging's zone exists: its name servers and DS record set in prod's dns.delegations (the prod
    variant of tests/variants.py; its other settings belong to other tiers)."""
    return prod_variant


def test_prod_delegates_staging_with_ns_and_ds_records_keyed_by_name(delegating: Render) -> None:
    zone_id = delegating.outputs["dnsZoneId"]
    ns = delegating.one(RECORD, "dns-staging.elitelocadora.com-ns")["inputs"]
    assert (ns["zoneId"], ns["name"], ns["type"]) == (zone_id, "staging.elitelocadora.com", "NS")
    assert ns["records"] == sorted(STAGING_NAME_SERVERS)
    ds = delegating.one(RECORD, "dns-staging.elitelocadora.com-ds")["inputs"]
    assert (ds["type"], ds["records"]) == ("DS", [STAGING_DS]), "the DNSSEC chain to staging"
    review = delegating.one(RECORD, "dns-review.elitelocadora.com-ns")["inputs"]
    assert review["name"] == "review.elitelocadora.com" and review["type"] == "NS"
    names = [r["name"] for r in delegating.of_type(RECORD) if r["name"].startswith("dns-")]
    assert "dns-review.elitelocadora.com-ds" not in names, "no DS record without the subdomain's dsRecord"


def test_a_delegation_without_name_servers_writes_nothing(prod: Render) -> None:
    assert not [r["urn"] for r in prod.of_type(RECORD) if r["name"].startswith("dns-")], (
        "prod: staging's zone does not exist yet in the stack file; nothing may point at made-up name servers"
    )


def test_a_missing_zone_stops_the_preview_naming_the_key_the_stack_and_the_fix(tmp_path) -> None:
    def change(config: dict) -> None:
        # `.invalid` is reserved (RFC 2606): no account holds such a zone, so the lookup finds none.
        config["elite-locadora:domain"] = "elitelocadora.invalid"
        config["elite-locadora:storage"]["corsAllowedOrigins"] = ["https://elitelocadora.invalid"]
        config["elite-locadora:dns"].pop("delegations")

    (tmp_path / "program").mkdir()
    program = _program(tmp_path / "program", "prod", change)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.preview",
            "--stack",
            "prod",
            "--program",
            str(program),
            "--no-policy",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2, f"a missing zone must stop the preview (exit 2), got {proc.returncode}"
    for words in (
        "stack 'prod'",
        "elite-locadora:dns",
        "elitelocadora.invalid",
        "dns.hostedZoneId",
        "never creates the live domain's zone",
        "docs/first-deploy.md",
    ):
        assert words in proc.stderr, f"the error must say {words!r}:\n{proc.stderr}"


# -- settings ---------------------------------------------------------------------------------------------------
def _config(stack: str, **dns) -> dict:
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    doc["elite-locadora:dns"] = {**doc["elite-locadora:dns"], **dns}
    return {k: v for k, v in doc.items() if not k.startswith("aws:") or k == "aws:region"}


@pytest.mark.parametrize(
    "stack,dns,words",
    [
        (
            "staging",
            {"parentDomain": None},
            ["elite-locadora:dns.parentDomain", "elitelocadora.com", "delegations"],
        ),
        ("staging", {"hostedZoneId": "Z0123456789ABC"}, ["elite-locadora:dns.hostedZoneId", "createZone"]),
        ("prod", {"createZone": True}, ["elite-locadora:dns.parentDomain"]),
        ("prod", {"dnssec": False}, ["elite-locadora:dns.dnssec", "prod signs its zone"]),
        ("review", {"dnssec": True}, ["elite-locadora:dns.dnssec", "shared"]),
        ("prod", {"zoneName": "example.com"}, ["elite-locadora:dns.zoneName", "does not hold"]),
        (
            "prod",
            {"delegations": {"staging.example.com": {}}},
            ["elite-locadora:dns.delegations", "not under"],
        ),
        ("prod", {"hostedZoneId": "zone-1"}, ["elite-locadora:dns.hostedZoneId"]),
    ],
)
def test_dns_settings_refuse_what_cannot_work_naming_the_key(stack: str, dns: dict, words: list[str]) -> None:
    cfg = _config(stack, **dns)
    cfg["elite-locadora:dns"] = {k: v for k, v in cfg["elite-locadora:dns"].items() if v is not None}
    with pytest.raises(ConfigError) as err:
        build_settings(cfg, "elite-locadora", stack)
    for w in words:
        assert w in str(err.value), f"{dns}: the error must say {w!r}: {err.value}"


def test_the_old_top_level_zone_key_names_where_it_moved() -> None:
    cfg = _config("prod")
    cfg["elite-locadora:hostedZoneId"] = "Z0123456789ABC"
    with pytest.raises(ConfigError, match=r"hostedZoneId moved to elite-locadora:dns\.hostedZoneId"):
        build_settings(cfg, "elite-locadora", "prod")


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_signed_zone_alarms_before_resolution_fails(render, stack: str) -> None:
    r = render(stack)
    zone_id = r.outputs["dnsZoneId"]
    topic = r.one("aws:sns/topic:Topic", "operations-alarms")["outputs"]["arn"]
    alarms = {
        a["inputs"]["metricName"]: a
        for a in r.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["inputs"].get("namespace") == "AWS/Route53"
    }
    assert set(alarms) == {"DNSSECInternalFailure", "DNSSECKeySigningKeysNeedingAction"}, f"stack {stack}"
    for a in alarms.values():
        i = a["inputs"]
        assert a["region"] == "us-east-1", f"{a['urn']}: Route 53 publishes DNSSEC metrics in us-east-1 only"
        assert i["dimensions"] == {"HostedZoneId": zone_id}, f"{a['urn']}: the signed zone"
        assert (i["comparisonOperator"], i["threshold"]) == ("GreaterThanThreshold", 0), a["urn"]
        assert i["alarmActions"] == [topic] and i["okActions"] == [topic], a["urn"]


def test_an_unsigned_zone_has_no_signing_alarms(render) -> None:
    review = render("review")
    assert not [
        a["urn"]
        for a in review.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["inputs"].get("namespace") == "AWS/Route53"
    ], "review: the shared review zone is not signed by a review stack"
