"""DNS tier: the Route 53 zone that holds the stack's names, handed to the edge and CDN tiers as `zone_id`.

- The zone: the domain's existing public zone by default (by `dns.hostedZoneId`, or looked up by name in the
  stack's account). The live domain's zone already holds records this program does not own (MX and TXT of the
  company's mail, on-call's included): creating a second zone for it and pointing the registrar there would drop
  them, so a stack creates a zone only when told to (`dns.createZone`: a subdomain in its own account, staging).
- Delegations: subdomains whose zones live in other accounts (staging's, the review stacks') get NS records here,
  and a DS record when they sign theirs (`dns.delegations`, keyed by name: a reordering changes nothing).
- DNSSEC (`dns.dnssec`): an asymmetric ECC_NIST_P256 SIGN_VERIFY key in us-east-1 that only Route 53's DNSSEC
  service of this account may use, for this zone only; a key-signing key; signing on (Route 53 developer guide,
  "Working with customer managed keys for DNSSEC"). The chain of trust needs the DS record (`ds_record`) at the
  registrar (apex) or in the parent zone (a delegated subdomain): docs/first-deploy.md.
- Query logs (`dns.queryLogs`): a log group in us-east-1, in the zone's account, that route53.amazonaws.com may
  write to for this zone only (CreateQueryLoggingConfig, "Log Group and Resource Policy").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region
from components.providers import GLOBAL_SERVICES_REGION
from settings import ConfigError
from settings.dns import DnsSettings

from .iam import document, enable_iam_policies, log_group_key_policy
from .keys import rotating_key

# Before #14 the edge tier created the zone, as `edge-zone` under the component `edge`: the same zone, moved here.
EDGE_COMPONENT = ("edge", "elite-locadora:edge:Edge")
# NS and DS records of a delegation: an hour, so a corrected delegation reaches resolvers the same day (the parent's
# default of two days would keep a wrong one cached that long).
DELEGATION_TTL = 3600


@dataclass
class DnsArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: DnsSettings
    """The validated DNS settings of the stack."""
    domain: str
    """The stack's apex domain; its names go into `settings.zone_of(domain)`."""
    global_services: Region
    """us-east-1: the only region of the DNSSEC signing key and of the query log group."""
    protect: bool
    """Protect the created zone and the keys (prod)."""


def dnssec_key_policy(account_id: str, partition: str, zone_id: str) -> str:
    """The key-signing key's KMS key: IAM governs people (root statement); Route 53's DNSSEC service of this account
    may read and sign with it for this zone only (aws:SourceAccount and aws:SourceArn, the confused-deputy
    conditions of the Route 53 guide), and create the grant Route 53 keeps on it."""
    from_this_zone = {
        "StringEquals": {"aws:SourceAccount": account_id},
        # AWS's example allows hostedzone/*; the zone is known, so only it.
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:route53:::hostedzone/{zone_id}"},
    }
    return document(
        [
            enable_iam_policies(account_id, partition),
            {
                "Sid": "Route53DnssecSigns",
                "Effect": "Allow",
                "Principal": {"Service": "dnssec-route53.amazonaws.com"},
                "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
                "Resource": "*",
                "Condition": from_this_zone,
            },
            {
                "Sid": "Route53DnssecCreatesGrant",
                "Effect": "Allow",
                "Principal": {"Service": "dnssec-route53.amazonaws.com"},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                # As AWS documents it: the grant only for an AWS resource; no source keys on this statement.
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    )


def query_log_resource_policy(account_id: str, partition: str, log_group_arn: str, zone_id: str) -> str:
    """Route 53 may write this zone's query logs to this log group, and nothing else (CloudWatch Logs supports
    aws:SourceArn and aws:SourceAccount here: PutResourcePolicy, API reference)."""
    return document(
        [
            {
                "Sid": "Route53WritesThisZonesQueryLogs",
                "Effect": "Allow",
                "Principal": {"Service": "route53.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnEquals": {"aws:SourceArn": f"arn:{partition}:route53:::hostedzone/{zone_id}"},
                },
            }
        ]
    )


def zone_missing_message(stack: str, zone: str, domain: str, error: str) -> str:
    """What the operator reads when the zone the stack writes into cannot be found: the key, the stack, the fix."""
    subdomain = (
        ""
        if zone == domain and domain.count(".") < 2
        else (
            f"; for a subdomain in its own account, set dns.createZone: true and dns.parentDomain: "
            f"{domain.partition('.')[2]} and delegate it from the parent's stack (dns.delegations)"
        )
    )
    return (
        f"stack '{stack}': config key 'elite-locadora:dns' names no usable zone: there is no public Route 53 "
        f"hosted zone '{zone}' in this stack's account ({error.strip()}). The stack never creates the live "
        f"domain's zone: set dns.hostedZoneId to the id of the zone that serves {domain} "
        f"(`aws route53 list-hosted-zones-by-name --dns-name {zone}`), or create that zone first "
        f"(docs/first-deploy.md, DNS){subdomain}"
    )


class Dns(pulumi.ComponentResource):
    zone_id: pulumi.Output[str]
    """The zone the stack's records go into (the edge and CDN tiers write there)."""
    zone_name: str
    """Its name: the domain, or the shared zone it is under (review stacks)."""
    name_servers: pulumi.Output[list[str]] | None
    """A created zone's name servers: what the parent's stack lists under dns.delegations (None: existing zone)."""
    ds_record: pulumi.Output[str] | None
    """The DS record of the signed zone, for the registrar or the parent zone (None: unsigned)."""

    def __init__(self, name: str, args: DnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:dns:Dns", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._global = pulumi.ResourceOptions(parent=self, provider=args.global_services.provider)
        self._account, self._partition = args.global_services.account_id, args.global_services.partition
        s = args.settings
        self.zone_name = s.zone_of(args.domain)
        self.name_servers = None
        self.ds_record = None

        self.zone_id = self._zone()
        self._create_delegations()
        if s.dnssec:
            self.ds_record = self._create_dnssec()
        if s.query_logs:
            self._create_query_logs()

        outputs: dict[str, pulumi.Output] = {"zone_id": self.zone_id}
        if self.name_servers is not None:
            outputs["name_servers"] = self.name_servers
        if self.ds_record is not None:
            outputs["ds_record"] = self.ds_record
        self.register_outputs(outputs)

    # -- the zone ---------------------------------------------------------------------------------------------
    def _zone(self) -> pulumi.Output[str]:
        a, s = self._args, self._args.settings
        if s.create_zone:
            zone = aws.route53.Zone(
                f"{self._name}-zone",
                name=a.domain,
                comment=f"{a.name_prefix}: {a.domain}, delegated from {s.parent_domain}",
                opts=pulumi.ResourceOptions(
                    parent=self,
                    protect=a.protect,
                    retain_on_delete=a.protect,
                    aliases=[pulumi.Alias(name="edge-zone", parent=pulumi.create_urn(*EDGE_COMPONENT))],
                ),
            )
            self.name_servers = zone.name_servers
            return zone.zone_id
        if s.hosted_zone_id:
            return pulumi.Output.from_input(s.hosted_zone_id)
        # Looked up now, synchronously, so that a missing zone stops the program before anything is registered in
        # it, with a message naming the key; the provider's own error ("no matching Route 53 Hosted Zone found")
        # names neither the key nor the fix.
        try:
            found = aws.route53.get_zone(
                name=self.zone_name,
                private_zone=False,
                opts=pulumi.InvokeOptions(parent=self, provider=a.global_services.provider),
            )
        except Exception as exc:  # noqa: BLE001 - any lookup failure: the zone is not usable as configured
            raise ConfigError(
                zone_missing_message(pulumi.get_stack(), self.zone_name, a.domain, str(exc))
            ) from None
        return pulumi.Output.from_input(found.zone_id)

    # -- delegations ------------------------------------------------------------------------------------------
    def _create_delegations(self) -> None:
        for name, delegation in sorted(self._args.settings.delegations.items()):
            if not delegation.name_servers:
                pulumi.log.warn(
                    f"dns.delegations: {name} is not delegated yet (no nameServers): set them from that stack's "
                    "`dnsNameServers` output once its zone exists (docs/first-deploy.md, DNS)",
                    resource=self,
                )
                continue
            # Keyed by the delegated name: reordering or adding delegations never replaces another's records.
            aws.route53.Record(
                f"{self._name}-{name}-ns",
                zone_id=self.zone_id,
                name=name,
                type="NS",
                ttl=DELEGATION_TTL,
                records=sorted(delegation.name_servers),
                opts=self._child,
            )
            if delegation.ds_record:
                aws.route53.Record(
                    f"{self._name}-{name}-ds",
                    zone_id=self.zone_id,
                    name=name,
                    type="DS",
                    ttl=DELEGATION_TTL,
                    records=[delegation.ds_record],
                    opts=self._child,
                )

    # -- DNSSEC -----------------------------------------------------------------------------------------------
    def _create_dnssec(self) -> pulumi.Output[str]:
        a, n = self._args, self._name
        key = aws.kms.Key(
            f"{n}-dnssec",
            description=f"{a.name_prefix}: DNSSEC key-signing key of {self.zone_name}",
            # Route 53's only accepted shape: asymmetric, ECC_NIST_P256, sign and verify, in us-east-1. KMS does not
            # rotate asymmetric keys; the KSK is rotated by adding a second one (docs/operations.md).
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=30 if a.protect else 7,
            policy=pulumi.Output.all(self._account, self._partition, self.zone_id).apply(
                lambda v: dnssec_key_policy(v[0], v[1], v[2])
            ),
            # Deleting or disabling it makes the signed zone fail validation everywhere (SERVFAIL): protected.
            opts=pulumi.ResourceOptions.merge(
                self._global, pulumi.ResourceOptions(protect=a.protect, retain_on_delete=a.protect)
            ),
        )
        ksk = aws.route53.KeySigningKey(
            f"{n}-ksk",
            hosted_zone_id=self.zone_id,
            key_management_service_arn=key.arn,
            # Letters and digits only: the name Route 53 accepts for a KSK.
            name=re.sub(r"[^A-Za-z0-9]", "", a.name_prefix) + "ksk",
            opts=self._global,
        )
        aws.route53.HostedZoneDnsSec(
            f"{n}-dnssec",
            hosted_zone_id=ksk.hosted_zone_id,
            signing_status="SIGNING",
            opts=pulumi.ResourceOptions.merge(self._global, pulumi.ResourceOptions(depends_on=[ksk])),
        )
        return ksk.ds_record

    # -- query logs -------------------------------------------------------------------------------------------
    def _create_query_logs(self) -> None:
        a, n, s = self._args, self._name, self._args.settings
        group_name = f"/aws/route53/{self.zone_name}"
        group_arn = pulumi.Output.all(self._account, self._partition).apply(
            lambda v: f"arn:{v[1]}:logs:{GLOBAL_SERVICES_REGION}:{v[0]}:log-group:{group_name}"
        )
        key = rotating_key(
            f"{n}-query-logs",
            f"{a.name_prefix}: DNS query logs of {self.zone_name} (us-east-1)",
            protect=a.protect,
            # CloudWatch Logs of us-east-1 for that one log group.
            policy=pulumi.Output.all(self._account, self._partition, group_arn).apply(
                lambda v: log_group_key_policy(
                    v[0],
                    v[1],
                    GLOBAL_SERVICES_REGION,
                    {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": v[2]}},
                    sid="CloudWatchLogsEncryptsTheQueryLogs",
                )
            ),
            opts=self._global,
        )
        group = aws.cloudwatch.LogGroup(
            f"{n}-query-logs",
            name=group_name,
            retention_in_days=s.query_log_retention_days,
            kms_key_id=key.arn,
            opts=self._global,
        )
        policy = aws.cloudwatch.LogResourcePolicy(
            f"{n}-query-logs",
            policy_name=f"{a.name_prefix}-route53-query-logs",
            policy_document=pulumi.Output.all(self._account, self._partition, group.arn, self.zone_id).apply(
                lambda v: query_log_resource_policy(v[0], v[1], v[2], v[3])
            ),
            opts=self._global,
        )
        aws.route53.QueryLog(
            f"{n}-query-logs",
            zone_id=self.zone_id,
            cloudwatch_log_group_arn=group.arn,
            # Route 53 checks at creation that it may write to the group (InsufficientCloudWatchLogsResourcePolicy).
            opts=pulumi.ResourceOptions.merge(self._global, pulumi.ResourceOptions(depends_on=[policy])),
        )
