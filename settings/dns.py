"""DNS settings: which Route 53 zone holds the stack's names, who delegates to whom, DNSSEC and query logs.

By default a stack writes into the domain's existing public zone (found by `hostedZoneId`, or by name): the live
domain's zone holds records this program does not own (the company's MX and TXT records, on-call mail), so a stack
never creates it unless told to. A subdomain stack in its own account (staging) may create its own zone
(`createZone`, with the `parentDomain` that delegates it); the parent's stack then writes the delegation
(`delegations`, keyed by the delegated name).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .common import LogRetentionDays, Model

# A DNS name as Route 53 takes it here: lowercase labels of letters, digits and hyphens, no trailing dot.
HOST_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
HostName = Annotated[str, Field(pattern=HOST_NAME, max_length=253)]
# Route 53 hosted zone ids are "Z" and upper-case letters and digits (Route 53 API reference, HostedZone.Id).
ZONE_ID = r"^Z[A-Z0-9]{1,32}$"
# A DS record's value: key tag, algorithm, digest type, digest in hex (RFC 4034 section 5.3, the presentation
# format Route 53's GetDNSSEC and the KeySigningKey's `dsRecord` output give).
DS_RECORD = r"^\d{1,5} \d{1,3} \d{1,3} [0-9A-Fa-f]{40,128}$"


class Delegation(Model):
    """A subdomain whose zone lives elsewhere (another stack's account), delegated from this stack's zone."""

    name_servers: list[HostName] = Field(
        default_factory=list,
        max_length=13,
        description=(
            "The subdomain zone's name servers (that stack's `dnsNameServers` output). Empty: not delegated yet "
            "(the subdomain's stack has not created its zone); the preview says so and writes nothing."
        ),
    )
    ds_record: str | None = Field(
        None,
        pattern=DS_RECORD,
        description=(
            "The subdomain's DS record (that stack's `dnsDsRecord` output) when it signs its zone: the DNSSEC "
            "chain of trust from this zone to it. Unset: the subdomain resolves unsigned."
        ),
    )


class DnsSettings(Model):
    hosted_zone_id: str | None = Field(
        None,
        pattern=ZONE_ID,
        description=(
            "The existing public zone to write into, by id. Unset: the zone named `zoneName` is looked up in the "
            "stack's account (the preview fails, naming this key, when there is none)."
        ),
    )
    zone_name: HostName | None = Field(
        None,
        description=(
            "The existing zone that holds the stack's names, when it is not the domain's own (review stacks write "
            "<env>.review.<domain> into the shared review.<domain> zone). Default: the domain."
        ),
    )
    create_zone: bool = Field(
        False,
        description=(
            "Create the domain's zone in this stack (a subdomain in its own account only, delegated by the stack "
            "of `parentDomain`). Never for the live domain: its zone already holds records this program does "
            "not own."
        ),
    )
    parent_domain: HostName | None = Field(
        None,
        description="With createZone: the zone that delegates the domain (its stack lists it under delegations).",
    )
    delegations: dict[HostName, Delegation] = Field(
        default_factory=dict,
        description="Subdomains whose zones live in other accounts (staging, the review stacks), by name.",
    )
    dnssec: bool = Field(
        True,
        description=(
            "Sign the zone (a KMS key in us-east-1 and a key-signing key; add the DS record at the registrar or "
            "in the parent zone). Only for a zone this stack alone writes the settings of."
        ),
    )
    query_logs: bool = Field(
        True, description="Log the zone's public DNS queries to CloudWatch Logs (us-east-1)."
    )
    query_log_retention_days: LogRetentionDays = Field(365, description="Days the DNS query logs are kept.")

    def zone_of(self, domain: str) -> str:
        """The zone the stack's records go into."""
        return self.zone_name or domain

    def check(self, domain: str, environment: str) -> None:
        """Rules that need the domain; messages start with the key (settings/__init__.py maps it to the path)."""
        zone = self.zone_of(domain)
        if domain != zone and not domain.endswith(f".{zone}"):
            raise ValueError(
                f"dns.zoneName: {zone} does not hold the domain {domain}; name a zone it is under"
            )
        if self.create_zone:
            if self.hosted_zone_id:
                raise ValueError(
                    "dns.hostedZoneId: the stack creates its zone (createZone: true), which has no id yet; unset "
                    "hostedZoneId, or unset createZone to use the existing zone"
                )
            if self.zone_name not in (None, domain):
                raise ValueError("dns.zoneName: a created zone is the domain's own; unset zoneName")
            if self.parent_domain is None or domain.partition(".")[2] != self.parent_domain:
                raise ValueError(
                    f"dns.parentDomain: createZone makes {domain}'s own zone, which resolves only once its parent "
                    f"delegates it; set parentDomain to the zone directly above it ({domain.partition('.')[2]}) "
                    "and list the domain under that stack's dns.delegations"
                )
        elif self.parent_domain is not None:
            raise ValueError("dns.parentDomain: only a created zone (createZone: true) has a parent to name")
        if zone != domain and (self.dnssec or self.query_logs):
            raise ValueError(
                f"dns.dnssec: {zone} is shared with other stacks, whose signing and query logging are not this "
                "stack's to set; set dnssec: false and queryLogs: false"
            )
        for name in self.delegations:
            if not name.endswith(f".{zone}"):
                raise ValueError(
                    f"dns.delegations: {name} is not under the zone {zone}; only a subdomain is delegated"
                )
            if name == domain or domain.endswith(f".{name}"):
                raise ValueError(
                    f"dns.delegations: {name} holds this stack's own names; delegate another name"
                )
        if environment == "prod" and not (self.dnssec and self.query_logs):
            raise ValueError(
                "dns.dnssec: prod signs its zone and logs its queries (set dnssec and queryLogs: true)"
            )
