"""One validated, typed settings object per stack, built once from the stack's config.

Data flows one way: ``Pulumi.<stack>.yaml`` → :func:`load_settings` → tier components → stack outputs. Every
key of the ``elite-locadora`` namespace is validated here, before any resource is registered; a bad value
raises :class:`ConfigError` naming the stack, the key, the value and what is allowed.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, computed_field, model_validator

from .cdn import CdnSettings
from .cicd import CicdSettings
from .common import AWS_PROVIDER_KEYS, Model, Region
from .compute import ComputeSettings
from .data import DataSettings
from .dns import DnsSettings
from .dr_site import DrSettings
from .edge import EdgeSettings
from .network import NetworkSettings
from .operations import OperationsSettings
from .review import ReviewSettings, expand, review_env_name
from .secrets import JWT_SECRET_KEY, STRIPE_SECRET_KEY, ConfigSecrets, load_app_secrets
from .storage import StorageSettings

NAMESPACE = "elite-locadora"

# Config keys that hold secrets: set with `pulumi config set --secret`. Only the offline preview supplies
# placeholders for them; they are read with get_secret and stay Output secrets end to end.
SECRET_KEYS: tuple[str, ...] = (STRIPE_SECRET_KEY, JWT_SECRET_KEY)
# The secrets the program cannot run without (the JWT secret is generated when unset).
REQUIRED_SECRET_KEYS: tuple[str, ...] = (STRIPE_SECRET_KEY,)


class ConfigError(Exception):
    """A stack's configuration is invalid; raised before any resource is registered."""


class Settings(Model):
    """Everything the tiers may know about the stack, validated."""

    project: str
    stack: str
    environment: Literal["prod", "staging", "review"] = Field(
        description="Which kind of environment the stack is (review: one per pull request, settings/review.py)."
    )
    account_id: str = Field(
        pattern=r"^\d{12}$",
        description="The stack's own AWS account (12 digits): every provider refuses credentials of any other "
        "(allowedAccountIds). Prod, staging and the review stacks never share one.",
    )
    region: Region = Field(description="Primary region (`aws:region`).")
    dr_region: Region = Field(
        description="Disaster-recovery region for replicas and backup copies; the guide: us-west-2."
    )
    protect: bool = Field(
        description="Protect stateful resources from deletion and replacement (prod: true)."
    )
    domain: str = Field(description="Public apex domain; the guide: elitelocadora.com.")
    dns: DnsSettings = Field(
        default_factory=DnsSettings,
        description="The Route 53 zone of the domain (existing by default), delegations, DNSSEC, query logs.",
    )
    network: NetworkSettings
    edge: EdgeSettings
    data: DataSettings
    operations: OperationsSettings
    storage: StorageSettings
    cdn: CdnSettings
    compute: ComputeSettings
    cicd: CicdSettings
    review: ReviewSettings | None = Field(None, description="Review stacks only: their time-to-live.")
    dr: DrSettings | None = Field(
        None,
        description="The DR site in drRegion (pilot light) and the failover switch; needs data.drNetwork and "
        "data.database.drReplica (settings/dr_site.py).",
    )

    @computed_field
    @property
    def env_name(self) -> str:
        """The environment's name in physical names: prod, staging, or rv<PR number> for a review stack."""
        return review_env_name(self.stack) if self.environment == "review" else self.environment

    @computed_field
    @property
    def name_prefix(self) -> str:
        """Physical-name prefix, `elite-locadora-<env name>`."""
        return f"{NAMESPACE}-{self.env_name}"

    @computed_field
    @property
    def account_prefix(self) -> str:
        """Prefix of what the deployments program creates once per account for every stack in it (the workload
        boundary): `elite-locadora-<kind>`; for prod and staging the same as name_prefix, for review stacks the one
        `elite-locadora-review` all of them share."""
        return f"{NAMESPACE}-{self.environment}"

    @computed_field
    @property
    def tags(self) -> dict[str, str]:
        """Default tags every taggable resource carries through the provider."""
        return {"Project": "Elite Locadora", "Environment": self.env_name, "ManagedBy": "Pulumi"}

    @model_validator(mode="after")
    def _review_guards(self) -> Settings:
        if self.environment != "review":
            if self.review is not None:
                raise ValueError("review: only review stacks (environment: review) have review settings")
            return self
        env = review_env_name(self.stack)  # raises naming the stack when it is not a review stack's name
        if self.review is None:
            raise ValueError("review: a review stack needs a time-to-live (set review.ttlHours)")
        if self.protect:
            raise ValueError("protect: review stacks are destroyed when their pull request closes; set false")
        prefix = f"{NAMESPACE}-{env}-"
        for key, name in (
            ("storage.assetsBucketName", self.storage.assets_bucket_name),
            ("storage.replicaBucketName", self.storage.replica_bucket_name),
        ):
            if not name.startswith(prefix):
                raise ValueError(
                    f"{key}: a review stack's bucket is {prefix}…; write it as {NAMESPACE}-{{env}}-…"
                )
        if not self.domain.startswith(f"{env}."):
            raise ValueError("domain: a review stack's domain is its own; write it as {env}.<review domain>")
        return self

    @model_validator(mode="after")
    def _dns_guards(self) -> Settings:
        self.dns.check(self.domain, self.environment)
        return self

    @model_validator(mode="after")
    def _prod_guards(self) -> Settings:
        if self.environment == "prod":
            if not self.protect:
                raise ValueError("protect: prod must protect its stateful resources (set protect: true)")
            if not self.edge.deletion_protection:
                raise ValueError(
                    "edge.deletionProtection: prod must protect its load balancer (set it to true)"
                )
            if not self.data.database.multi_az:
                raise ValueError(
                    "data.database.multiAz: prod must run the database Multi-AZ (set multiAz: true)"
                )
            if (
                self.operations.search.dedicated_master_type is None
                or self.operations.search.availability_zones < 2
            ):
                raise ValueError(
                    "operations.search: prod needs dedicated masters and zone awareness "
                    "(set dedicatedMasterType and availabilityZones: 2 or 3)"
                )
            if self.operations.search.audit_log_retention_days < 365:
                raise ValueError(
                    "operations.search.auditLogRetentionDays: prod keeps the search domain's audit logs at least "
                    f"a year (got {self.operations.search.audit_log_retention_days} days; set 365 or more)"
                )
            if not self.operations.backup.copy_to_dr:
                raise ValueError("operations.backup.copyToDr: prod must copy its backups to the DR region")
            if self.dr is None:
                raise ValueError(
                    "dr: prod needs its DR site (RTO 4 h, RPO minutes; docs/dr-runbook.md): set dr.publicSubnets "
                    "and dr.cacheNodeType"
                )
            self.compute.check_prod()
        self.compute.check_exec(list(self.network.interface_endpoints))
        if self.dr_region == self.region:
            raise ValueError(f"drRegion: {self.dr_region} is the primary region; pick another region for DR")
        dr_net = self.data.dr_network
        if dr_net and ipaddress.IPv4Network(dr_net.vpc_cidr).overlaps(
            ipaddress.IPv4Network(self.network.vpc_cidr)
        ):
            raise ValueError(
                f"data.drNetwork.vpcCidr: {dr_net.vpc_cidr} overlaps network.vpcCidr {self.network.vpc_cidr}; "
                "the DR VPC needs its own range so the two can be peered or joined by VPN"
            )
        self._dr_site_fits()
        return self

    def _dr_site_fits(self) -> None:
        """The DR site lives in the DR replica's VPC: it needs that network and the replica it promotes."""
        if self.dr is None:
            return
        dr_net = self.data.dr_network
        if dr_net is None or self.data.database.dr_replica is None:
            raise ValueError(
                "dr: the DR site needs the cross-region replica and its network; set data.database.drReplica and "
                "data.drNetwork"
            )
        vpc = ipaddress.IPv4Network(dr_net.vpc_cidr)
        private = [ipaddress.IPv4Network(c) for c in dr_net.private_subnets]
        if len(self.dr.public_subnets) != len(private):
            raise ValueError(
                f"dr.publicSubnets: {len(self.dr.public_subnets)} subnets for {len(private)} private subnets in "
                "data.drNetwork; give one public subnet per AZ of the DR network"
            )
        for cidr in self.dr.public_subnets:
            net = ipaddress.IPv4Network(cidr)
            if not net.subnet_of(vpc):
                raise ValueError(f"dr.publicSubnets: {net} is outside data.drNetwork.vpcCidr {vpc}")
            clash = next((p for p in private if p.overlaps(net)), None)
            if clash is not None:
                raise ValueError(f"dr.publicSubnets: {net} overlaps data.drNetwork private subnet {clash}")


# Keys that moved: the error for the old one names the new one.
MOVED_KEYS = {"hostedZoneId": "dns.hostedZoneId"}

# A model-level rule names the key it is about as the message's first word ("privateSubnets: ...").
_KEY_IN_MESSAGE = re.compile(r"^([a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*): (.*)$", re.S)


def _key_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return NAMESPACE
    head, rest = parts[0], parts[1:]
    key = "aws:region" if head == "region" else f"{NAMESPACE}:{head}"
    for p in rest:
        key += f"[{p}]" if p.isdigit() else f".{p}"
    return key


def _lookup(raw: Mapping[str, Any], loc: tuple[Any, ...]) -> Any:
    value: Any = raw
    for p in loc:
        if (
            isinstance(value, Mapping)
            and p in value
            or isinstance(value, list)
            and isinstance(p, int)
            and p < len(value)
        ):
            value = value[p]
        else:
            return None
    return value


def _check_secrets(
    raw_config: Mapping[str, Any], stack: str, is_secret: Callable[[str], bool], preview: bool
) -> None:
    """Config secrets are set with `pulumi config set --secret` (stored `secure:`) and present before the program
    registers anything: a clear-text value in the stack file is a leaked secret, a missing one would fail only
    when the tier that reads it runs, after hundreds of registrations."""
    for key in SECRET_KEYS:
        full = f"{NAMESPACE}:{key}"
        if full in raw_config and not is_secret(full):
            raise ConfigError(
                f"stack '{stack}': config key '{full}' is set in clear text; it is a secret: remove it from "
                f"Pulumi.{stack}.yaml and set it with `pulumi config set --secret {key}` (stored as secure:)"
            )
    # A preview runs without them (a new stack is previewed and gated before anyone holds its secrets; the
    # secrets tier warns and shows a placeholder); an update stops here, before anything is registered.
    missing = [k for k in REQUIRED_SECRET_KEYS if f"{NAMESPACE}:{k}" not in raw_config]
    if missing and not preview:
        raise ConfigError(
            "; ".join(
                f"stack '{stack}': config secret '{NAMESPACE}:{k}' is not set; nothing was changed. Set it with "
                f"`pulumi config set --secret {k} <Stripe secret key> -s {stack}` and run again (docs/operations.md, Secrets)"
                for k in missing
            )
        )


def build_settings(
    raw_config: Mapping[str, Any],
    project: str,
    stack: str,
    is_secret: Callable[[str], bool] | None = None,
    preview: bool = True,
) -> Settings:
    """Validate a stack's raw config map (`namespace:key` → value; objects as JSON strings or dicts).

    `is_secret` says whether the engine passed a key as a secret (the running program's view); with it the
    config secrets are checked too (not in clear text, and set unless this is a `preview`)."""
    values: dict[str, Any] = {"project": project, "stack": stack}
    unknown = []
    if is_secret is not None:
        _check_secrets(raw_config, stack, is_secret, preview)
    for full_key, value in raw_config.items():
        namespace, _, key = full_key.partition(":")
        if full_key == "aws:region":
            values["region"] = value
        elif namespace == "aws":
            if key not in AWS_PROVIDER_KEYS:
                close = difflib.get_close_matches(key, sorted(AWS_PROVIDER_KEYS), n=1)
                hint = f" (did you mean aws:{close[0]}?)" if close else ""
                raise ConfigError(
                    f"stack '{stack}': config key '{full_key}' is not a setting of the AWS provider{hint}; "
                    "its settings are those of pulumi_aws.config"
                )
        elif namespace == NAMESPACE:
            if key in SECRET_KEYS:
                continue
            if isinstance(value, str) and value[:1] in "{[":
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value)
            values[key] = value
            if key not in {f.alias or n for n, f in Settings.model_fields.items()}:
                unknown.append(full_key)
    if isinstance(values.get("environment"), str):
        # `{env}` in config strings is the stack's environment name (a review stack's own, settings/review.py).
        try:
            env = review_env_name(stack) if values["environment"] == "review" else values["environment"]
        except ValueError as exc:
            raise ConfigError(
                f"stack '{stack}': config key '{NAMESPACE}:environment' = 'review' is invalid: "
                + str(exc).removeprefix("environment: ")
            ) from None
        values = {k: v if k in ("project", "stack") else expand(v, env) for k, v in values.items()}
    if unknown:
        allowed = ", ".join(
            f"{NAMESPACE}:{f.alias or n}"
            for n, f in Settings.model_fields.items()
            if n not in ("project", "stack", "region")
        )
        moved = "".join(
            f"; {key} moved to {NAMESPACE}:{MOVED_KEYS[key.partition(':')[2]]}"
            for key in sorted(unknown)
            if key.partition(":")[2] in MOVED_KEYS
        )
        raise ConfigError(
            f"stack '{stack}': unknown config key(s) {', '.join(sorted(unknown))}{moved}; allowed: {allowed}"
        )
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            m = _KEY_IN_MESSAGE.match(msg)
            if m and err["type"] == "value_error":
                loc, msg = loc + tuple(m[1].split(".")), m[2]
            if err["type"] == "missing":
                lines.append(f"config key '{_key_path(loc)}' is required but not set")
                continue
            shown = _lookup(values, loc) if loc else None
            value = f" = {shown!r}" if shown is not None and not isinstance(shown, (dict, list)) else ""
            lines.append(f"config key '{_key_path(loc)}'{value} is invalid: {msg}")
        raise ConfigError(f"stack '{stack}': " + "; ".join(lines)) from None


def load_settings() -> Settings:
    """Build the settings from the running Pulumi program's config (what `pulumi up` passes)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    env_secrets = set(runtime_config.get_config_secret_keys_env())
    return build_settings(
        raw,
        pulumi.get_project(),
        pulumi.get_stack(),
        is_secret=lambda key: runtime_config.is_config_secret(key) or key in env_secrets,
        preview=pulumi.runtime.is_dry_run(),
    )


def load_secrets() -> ConfigSecrets:
    """The stack's config secrets (Stripe's key, an optional JWT secret) as Pulumi secret outputs."""
    return load_app_secrets(NAMESPACE)
