"""Offline stand-ins for AWS: what the engine and the AWS provider would answer, shaped as AWS shapes it.

Every resource gets an id and ARN of its own service, region and account; the computed attributes later
tiers read (endpoints, DNS names, ARN suffixes, repository URLs, generated names) are filled in, so that the
values flowing between tiers look like the real thing. Everything is derived from a hash of the resource's
type and name, so two renders of the same program are byte-for-byte equal.

Attributes a real preview would not know either (a generated password) stay deterministic placeholders;
anything a mock does not return is unknown during the preview, exactly as the CLI shows it.

With ``first_deploy=True`` the mocks answer as the engine does when it previews a stack that does not exist
yet: every id (providers' too) is unknown, and every attribute a provider computes (what the builders below
add beyond the inputs: ARNs, endpoints, generated names, ``tagsAll``, ``id``) comes back as the engine's
unknown sentinel, so it resolves unknown in the program and flows, unknown, into the inputs that use it.
Inputs are echoed, as a provider's preview of a create plans them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime.rpc import UNKNOWN

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
# Availability zones and their ids as AWS lists them for this account (ids differ per account).
AZS = {
    "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
    "us-east-2": ["us-east-2a", "us-east-2b", "us-east-2c"],
    "us-west-1": ["us-west-1a", "us-west-1c"],
    "us-west-2": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
    "eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "sa-east-1": ["sa-east-1a", "sa-east-1b", "sa-east-1c"],
}
_AZ_ID_PREFIX = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "sa-east-1": "sae1",
}
# Route 53 hosted zone ids of the regional ALB endpoints and CloudFront (AWS General Reference: ELB endpoints).
ALB_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-2": "Z1H1FL5HABSF5",
    "us-west-1": "Z368ELLRRE2KJ0",
    "eu-west-1": "Z32O12XQLNTSW2",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
_CACHE_REGION_CODE = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "sa-east-1": "sae1",
}


def _h(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:n]


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.md5("\x00".join(parts).encode()).hexdigest()))


def _upper(*parts: str, n: int = 14) -> str:
    return _h(*parts, n=n).upper()


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes for the AWS, random and TLS providers."""

    def __init__(self, default_region: str, account_id: str = ACCOUNT_ID, first_deploy: bool = False) -> None:
        self.default_region = default_region
        self.account_id = account_id
        self.first_deploy = first_deploy
        # provider → the region (and default tags) it was configured with, keyed by its id and by its name:
        # on a first deploy a provider's id is unknown, so its references differ only in their URN.
        self._provider_regions: dict[str, str] = {}
        self._provider_tags: dict[str, dict[str, str]] = {}

    @staticmethod
    def _provider_keys(provider_ref: str) -> tuple[str, str]:
        """A provider reference is "<urn>::<id>"; the URN ends with the provider's name."""
        urn, _, pid = provider_ref.rpartition("::")
        return pid, "name:" + urn.rsplit("::", 1)[-1]

    def _provider_lookup(self, table: dict[str, Any], provider_ref: str, default: Any) -> Any:
        pid, name = self._provider_keys(provider_ref)
        if pid in table and pid != UNKNOWN:
            return table[pid]
        return table.get(name, default)

    # -- regions ---------------------------------------------------------------------------------------------
    def region_of(self, provider_ref: str | None, inputs: dict[str, Any] | None = None) -> str:
        if inputs and isinstance(inputs.get("region"), str):
            return inputs["region"]
        if provider_ref:
            return self._provider_lookup(self._provider_regions, provider_ref, self.default_region)
        return self.default_region

    # -- invokes ---------------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict | tuple[dict, list[tuple[str, str]]]:
        region = self.region_of(args.provider, args.args)
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:{PARTITION}:sts::{self.account_id}:assumed-role/platform-deployer/pulumi"
            return {
                "accountId": self.account_id,
                "arn": arn,
                "id": self.account_id,
                "userId": "AROAEXAMPLEROLEID:pulumi",
            }
        if token == "aws:index/getPartition:getPartition":
            return {
                "partition": PARTITION,
                "dnsSuffix": "amazonaws.com",
                "id": PARTITION,
                "reverseDnsPrefix": "com.amazonaws",
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            }
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = AZS.get(region, [f"{region}{s}" for s in "abc"])
            prefix = _AZ_ID_PREFIX.get(region, region.replace("-", ""))
            return {
                "names": names,
                "zoneIds": [f"{prefix}-az{i + 1}" for i in range(len(names))],
                "id": region,
                "groupNames": [region] * len(names),
                "state": args.args.get("state"),
            }
        handler = _INVOKES.get(token)
        if handler is not None:
            return handler(self, args.args, region)
        raise NotImplementedError(
            f"the offline mocks have no answer for data source {token}: add one to tools/mocks.py"
        )

    # -- resources -------------------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        typ = args.typ
        if typ.startswith("pulumi:providers:"):
            pid = _uuid("provider", args.name)
            region = inputs.get("region") if isinstance(inputs.get("region"), str) else self.default_region
            tags = inputs.get("defaultTags")
            if isinstance(tags, str):
                try:
                    tags = json.loads(tags)
                except ValueError:
                    tags = {}
            tags = (tags or {}).get("tags") if isinstance(tags, dict) else {}
            for key in (pid, f"name:{args.name}"):
                self._provider_regions[key] = region
                self._provider_tags[key] = tags if isinstance(tags, dict) else {}
            # A provider created by this deployment has no id until it exists (the SDK then sends
            # "<urn>::<unknown>" as the reference, pulumi's FirstClassProviderUnknown test).
            return ("" if self.first_deploy else pid), inputs
        region = self.region_of(args.provider, inputs)
        ctx = _Ctx(self, typ, args.name, inputs, region, self._tags_for(args.provider))
        if not self.first_deploy:
            return ctx.build()
        return "", first_deploy_state(inputs, ctx)

    def _tags_for(self, provider_ref: str | None) -> dict[str, str]:
        if not provider_ref:
            return {}
        return self._provider_lookup(self._provider_tags, provider_ref, {})


def first_deploy_state(inputs: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """A create's planned state: the inputs as given, every attribute the provider computes unknown."""
    try:
        _, built = ctx.build()
        computed = set(built) - set(inputs)
    except Exception:  # noqa: BLE001 - a builder reading an input that is itself unknown: id and ARN at least
        computed = {"id", "arn"}
    state = dict(inputs)
    for key in computed | {"id"}:
        state[key] = UNKNOWN
    return state


class _Ctx:
    """Builds one resource's id and output state."""

    def __init__(
        self, mocks: AwsMocks, typ: str, name: str, inputs: dict, region: str, default_tags: dict
    ) -> None:
        self.m, self.typ, self.name, self.inputs, self.region = mocks, typ, name, inputs, region
        self.acct = mocks.account_id
        self.default_tags = default_tags
        self.seed = f"{typ}|{name}"

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        r = self.region if region is None else region
        a = self.acct if account is None else account
        return f"arn:{PARTITION}:{service}:{r}:{a}:{resource}"

    def auto_name(self, key: str = "name", limit: int | None = None) -> str:
        """Pulumi auto-naming: the logical name plus a random 7-character suffix (deterministic here)."""
        if isinstance(self.inputs.get(key), str):
            return self.inputs[key]
        prefix = self.inputs.get(f"{key}Prefix")
        value = (
            f"{prefix}{_h(self.seed, n=26)}"
            if isinstance(prefix, str)
            else f"{self.name}-{_h(self.seed, n=7)}"
        )
        return value[:limit] if limit else value

    def build(self) -> tuple[str, dict]:
        module, _, cls = self.typ.partition(":")[2].partition(":")
        service = module.split("/")[0]
        state = dict(self.inputs)
        if isinstance(self.inputs.get("tags"), dict) or self.default_tags:
            state["tagsAll"] = {**self.default_tags, **(self.inputs.get("tags") or {})}
        builder = _BUILDERS.get(self.typ)
        if builder is not None:
            rid, extra = builder(self)
        else:
            rid, extra = self.generic(service, module.split("/")[-1])
        state.update(extra)
        state.setdefault("id", rid)
        return rid, state

    def generic(self, service: str, kind: str) -> tuple[str, dict]:
        if self.typ.startswith("random:"):
            return _random(self)
        if self.typ.startswith("pulumiservice:"):
            return _pulumi_service(self)
        name = self.auto_name()
        rid = f"{name}"
        arn_service = _ARN_SERVICE.get(service, service)
        return rid, {"name": name, "arn": self.arn(arn_service, f"{kind}/{name}")}


_ARN_SERVICE = {
    "cloudwatch": "cloudwatch",
    "lb": "elasticloadbalancing",
    "alb": "elasticloadbalancing",
    "opensearch": "es",
    "kinesis": "firehose",
    "appautoscaling": "application-autoscaling",
    "vpc": "ec2",
    "ec2transitgateway": "ec2",
}


def _ec2(prefix: str, kind: str) -> Callable[[_Ctx], tuple[str, dict]]:
    def build(c: _Ctx) -> tuple[str, dict]:
        rid = f"{prefix}-{_h(c.seed)}"
        return rid, {"arn": c.arn("ec2", f"{kind}/{rid}"), "ownerId": c.acct}

    return build


def _vpc(c: _Ctx) -> tuple[str, dict]:
    rid = f"vpc-{_h(c.seed)}"
    return rid, {
        "arn": c.arn("ec2", f"vpc/{rid}"),
        "ownerId": c.acct,
        "mainRouteTableId": f"rtb-{_h(c.seed, 'main')}",
        "defaultSecurityGroupId": f"sg-{_h(c.seed, 'default')}",
        "defaultNetworkAclId": f"acl-{_h(c.seed, 'acl')}",
    }


def _eip(c: _Ctx) -> tuple[str, dict]:
    rid = f"eipalloc-{_h(c.seed)}"
    n = int(_h(c.seed, n=4), 16)
    return rid, {
        "allocationId": rid,
        "publicIp": f"203.0.{n % 250}.{(n >> 8) % 250 + 1}",
        "domain": "vpc",
        "arn": c.arn("ec2", f"elastic-ip/{rid}"),
    }


def _vpc_endpoint(c: _Ctx) -> tuple[str, dict]:
    rid = f"vpce-{_h(c.seed)}"
    service = str(c.inputs.get("serviceName", ""))
    dns = [
        {
            "dnsName": f"{rid}.{service.rsplit('.', 1)[-1]}.{c.region}.vpce.amazonaws.com",
            "hostedZoneId": "Z7HUB22UULQXV",
        }
    ]
    return rid, {
        "arn": c.arn("ec2", f"vpc-endpoint/{rid}"),
        "dnsEntries": dns,
        "ownerId": c.acct,
        "prefixListId": f"pl-{_h(c.seed, n=8)}" if c.inputs.get("vpcEndpointType") == "Gateway" else None,
    }


def _lb(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=32)
    kind = "net" if c.inputs.get("loadBalancerType") == "network" else "app"
    suffix = f"{kind}/{name}/{_h(c.seed, n=16)}"
    arn = c.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    return arn, {
        "name": name,
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{name}-{int(_h(c.seed, n=8), 16) % 10**10}.{c.region}.elb.amazonaws.com",
        "zoneId": ALB_ZONE_IDS.get(c.region, "Z35SXDOTRQ7X7K"),
    }


def _target_group(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=32)
    suffix = f"targetgroup/{name}/{_h(c.seed, n=16)}"
    arn = c.arn("elasticloadbalancing", suffix)
    return arn, {"name": name, "arn": arn, "arnSuffix": suffix}


def _listener(c: _Ctx) -> tuple[str, dict]:
    arn = c.arn("elasticloadbalancing", f"listener/app/{c.name}/{_h(c.seed, n=16)}/{_h(c.seed, 'l', n=16)}")
    return arn, {"arn": arn}


def _listener_rule(c: _Ctx) -> tuple[str, dict]:
    arn = c.arn(
        "elasticloadbalancing", f"listener-rule/app/{c.name}/{_h(c.seed, n=16)}/{_h(c.seed, 'r', n=16)}"
    )
    return arn, {"arn": arn}


def _certificate(c: _Ctx) -> tuple[str, dict]:
    arn = c.arn("acm", f"certificate/{_uuid(c.seed)}")
    domains = [c.inputs.get("domainName")] + list(c.inputs.get("subjectAlternativeNames") or [])
    options = [
        {
            "domainName": d,
            "resourceRecordName": f"_{_h(c.seed, d, n=32)}.{d.lstrip('*.')}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_h(c.seed, d, 'v', n=32)}.acm-validations.aws.",
        }
        for d in domains
        if isinstance(d, str)
    ]
    return arn, {"arn": arn, "domainValidationOptions": options, "status": "PENDING_VALIDATION"}


def _webacl(c: _Ctx) -> tuple[str, dict]:
    rid = _uuid(c.seed)
    name = c.auto_name()
    scope = "global" if c.inputs.get("scope") == "CLOUDFRONT" else "regional"
    return rid, {
        "name": name,
        "arn": c.arn("wafv2", f"{scope}/webacl/{name}/{rid}"),
        "capacity": 1000,
        "lockToken": _uuid(c.seed, "lock"),
    }


def _kms_key(c: _Ctx) -> tuple[str, dict]:
    rid = _uuid(c.seed)
    return rid, {
        "keyId": rid,
        "arn": c.arn("kms", f"key/{rid}"),
        # AWS's defaults when the program sets none; a key created asymmetric (DNSSEC's) keeps what it asked for.
        "keyUsage": c.inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "customerMasterKeySpec": c.inputs.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
    }


def _kms_alias(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "arn": c.arn("kms", name),
        "targetKeyArn": c.arn("kms", f"key/{c.inputs.get('targetKeyId')}"),
    }


def _rds_instance(c: _Ctx) -> tuple[str, dict]:
    ident = (
        c.inputs.get("identifier")
        if isinstance(c.inputs.get("identifier"), str)
        else f"{c.name}{_h(c.seed, n=7)}"
    )
    code = _h(c.seed, n=12)
    address = f"{ident}.{code}.{c.region}.rds.amazonaws.com"
    port = c.inputs.get("port") or 3306
    out = {
        "identifier": ident,
        "arn": c.arn("rds", f"db:{ident}"),
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": f"db-{_upper(c.seed, n=26)}",
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "status": "available",
    }
    if c.inputs.get("manageMasterUserPassword"):
        secret = c.arn("secretsmanager", f"secret:rds!db-{_uuid(c.seed)}-{_h(c.seed, n=6)}")
        out["masterUserSecrets"] = [
            {
                "secretArn": secret,
                "kmsKeyId": c.inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ]
    return ident, out


def _rds_cluster(c: _Ctx) -> tuple[str, dict]:
    ident = c.inputs.get("clusterIdentifier") or f"{c.name}-{_h(c.seed, n=7)}"
    code = _h(c.seed, n=12)
    return ident, {
        "clusterIdentifier": ident,
        "arn": c.arn("rds", f"cluster:{ident}"),
        "endpoint": f"{ident}.cluster-{code}.{c.region}.rds.amazonaws.com",
        "readerEndpoint": f"{ident}.cluster-ro-{code}.{c.region}.rds.amazonaws.com",
        "clusterResourceId": f"cluster-{_upper(c.seed, n=26)}",
    }


def _named_arn(
    service: str, kind: str, sep: str = ":", key: str = "name"
) -> Callable[[_Ctx], tuple[str, dict]]:
    def build(c: _Ctx) -> tuple[str, dict]:
        name = c.auto_name(key)
        return name, {key: name, "arn": c.arn(service, f"{kind}{sep}{name}")}

    return build


def _replication_group(c: _Ctx) -> tuple[str, dict]:
    rid = c.inputs.get("replicationGroupId") or f"{c.name}-{_h(c.seed, n=7)}"
    code = _h(c.seed, n=6)
    rc = _CACHE_REGION_CODE.get(c.region, c.region)
    n = int(c.inputs.get("numCacheClusters") or 1)
    return rid, {
        "replicationGroupId": rid,
        "arn": c.arn("elasticache", f"replicationgroup:{rid}"),
        "primaryEndpointAddress": f"master.{rid}.{code}.{rc}.cache.amazonaws.com",
        "readerEndpointAddress": f"replica.{rid}.{code}.{rc}.cache.amazonaws.com",
        "port": c.inputs.get("port") or 6379,
        "memberClusters": [f"{rid}-{i + 1:03d}" for i in range(n)],
    }


def _bucket(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name("bucket", limit=63).lower()
    return name, {
        "bucket": name,
        "arn": f"arn:{PARTITION}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{c.region}.amazonaws.com",
        "region": c.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _distribution(c: _Ctx) -> tuple[str, dict]:
    rid = "E" + _upper(c.seed, n=13)
    return rid, {
        "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:distribution/{rid}",
        "domainName": f"d{_h(c.seed, n=13)}.cloudfront.net",
        "hostedZoneId": CLOUDFRONT_ZONE_ID,
        "status": "Deployed",
        "etag": _upper(c.seed, "etag"),
    }


def _cloudfront_global(kind: str) -> Callable[[_Ctx], tuple[str, dict]]:
    def build(c: _Ctx) -> tuple[str, dict]:
        rid = "E" + _upper(c.seed, n=13) if kind == "oac" else _uuid(c.seed)
        return rid, {
            "etag": _upper(c.seed, "etag"),
            "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:{kind}/{rid}",
        }

    return build


def _cloudfront_function(c: _Ctx) -> tuple[str, dict]:
    # A CloudFront function is known by its name; its ARN is global (no region), like the distribution's.
    name = c.auto_name()
    return name, {
        "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:function/{name}",
        "etag": _upper(c.seed, "etag"),
        "liveStageEtag": _upper(c.seed, "live"),
        "status": "DEPLOYED",
    }


def _repository(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "name": name,
        "arn": c.arn("ecr", f"repository/{name}"),
        "registryId": c.acct,
        "repositoryUrl": f"{c.acct}.dkr.ecr.{c.region}.amazonaws.com/{name}",
    }


def _ecs_cluster(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("ecs", f"cluster/{name}")
    return arn, {"name": name, "arn": arn}


def _ecs_service(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    cluster = str(c.inputs.get("cluster") or "default").rsplit("/", 1)[-1]
    arn = c.arn("ecs", f"service/{cluster}/{name}")
    return arn, {"name": name, "arn": arn}


def _task_definition(c: _Ctx) -> tuple[str, dict]:
    family = c.inputs.get("family") or c.name
    base = c.arn("ecs", f"task-definition/{family}")
    return f"{family}", {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1, "family": family}


def _iam(kind: str, key: str = "name") -> Callable[[_Ctx], tuple[str, dict]]:
    def build(c: _Ctx) -> tuple[str, dict]:
        name = c.auto_name(key, limit=64)
        path = c.inputs.get("path") or "/"
        return name, {
            key: name,
            "arn": f"arn:{PARTITION}:iam::{c.acct}:{kind}{path}{name}",
            "uniqueId": f"AROA{_upper(c.seed, n=17)}",
            "createDate": "2026-11-25T00:00:00Z",
        }

    return build


def _iam_policy(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=128)
    arn = f"arn:{PARTITION}:iam::{c.acct}:policy{c.inputs.get('path') or '/'}{name}"
    return arn, {"name": name, "arn": arn, "policyId": f"ANPA{_upper(c.seed, n=17)}"}


def _oidc_provider(c: _Ctx) -> tuple[str, dict]:
    host = str(c.inputs.get("url", "https://example.com")).removeprefix("https://")
    arn = f"arn:{PARTITION}:iam::{c.acct}:oidc-provider/{host}"
    return arn, {"arn": arn}


def _log_group(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _secret(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("secretsmanager", f"secret:{name}-{_h(c.seed, n=6)}")
    return arn, {"name": name, "arn": arn}


def _secret_version(c: _Ctx) -> tuple[str, dict]:
    vid = _uuid(c.seed)
    return f"{c.inputs.get('secretId')}|{vid}", {"versionId": vid, "arn": c.inputs.get("secretId")}


def _sqs_queue(c: _Ctx) -> tuple[str, dict]:
    """SQS identifies a queue by its URL; the ARN names the queue."""
    name = c.auto_name()
    url = f"https://sqs.{c.region}.amazonaws.com/{c.acct}/{name}"
    return url, {"name": name, "url": url, "arn": c.arn("sqs", name)}


def _ssm_parameter(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    path = name if name.startswith("/") else f"/{name}"
    return name, {
        "name": name,
        "arn": c.arn("ssm", f"parameter{path}"),
        "version": 1,
        "tier": c.inputs.get("tier") or "Standard",
    }


def _search_domain(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name("domainName", limit=28)
    code = _h(c.seed, n=26)
    vpc = "vpc-" if c.inputs.get("vpcOptions") else "search-"
    return name, {
        "domainName": name,
        "arn": c.arn("es", f"domain/{name}"),
        "domainId": f"{c.acct}/{name}",
        "endpoint": f"{vpc}{name}-{code}.{c.region}.es.amazonaws.com",
        "dashboardEndpoint": f"{vpc}{name}-{code}.{c.region}.es.amazonaws.com/_dashboards",
    }


def _firehose(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("firehose", f"deliverystream/{name}")
    return arn, {"name": name, "arn": arn}


def _backup_vault(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("backup", f"backup-vault:{name}"), "recoveryPoints": 0}


def _backup_plan(c: _Ctx) -> tuple[str, dict]:
    rid = _uuid(c.seed)
    return rid, {"arn": c.arn("backup", f"backup-plan:{rid}"), "version": _h(c.seed, n=32)}


def _sns_topic(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("sns", name)
    return arn, {"name": name, "arn": arn}


def _alarm(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("cloudwatch", f"alarm:{name}")}


def _event_rule(c: _Ctx) -> tuple[str, dict]:
    """EventBridge rules live in pulumi-aws's cloudwatch module but their ARNs are EventBridge's: rule/<name>."""
    name = c.auto_name()
    return name, {"name": name, "arn": c.arn("events", f"rule/{name}")}


def _dashboard(c: _Ctx) -> tuple[str, dict]:
    name = c.inputs.get("dashboardName") or c.auto_name()
    return name, {
        "dashboardName": name,
        "dashboardArn": f"arn:{PARTITION}:cloudwatch::{c.acct}:dashboard/{name}",
    }


def _route53_record(c: _Ctx) -> tuple[str, dict]:
    name = str(c.inputs.get("name", c.name)).rstrip(".")
    return f"{c.inputs.get('zoneId')}_{name}_{c.inputs.get('type')}", {"fqdn": name}


def _zone(c: _Ctx) -> tuple[str, dict]:
    zid = "Z" + _upper(c.seed, n=20)
    return zid, {
        "zoneId": zid,
        "arn": f"arn:{PARTITION}:route53:::hostedzone/{zid}",
        "nameServers": [
            f"ns-{int(_h(c.seed, str(i), n=3), 16) % 2000}.awsdns-{i:02d}.{tld}"
            for i, tld in enumerate(("com", "net", "org", "co.uk"))
        ],
    }


def _key_signing_key(c: _Ctx) -> tuple[str, dict]:
    """A KSK's DNSSEC material: ECDSA P-256 with SHA-256 (algorithm 13) and its SHA-256 DS digest (type 2)."""
    tag = int(_h(c.seed, n=4), 16) % 65536
    digest = _upper(c.seed, "ds", n=64)
    return f"{c.inputs.get('hostedZoneId')},{c.inputs.get('name')}", {
        "keyTag": tag,
        "signingAlgorithmMnemonic": "ECDSAP256SHA256",
        "signingAlgorithmType": 13,
        "digestAlgorithmMnemonic": "SHA-256",
        "digestAlgorithmType": 2,
        "digestValue": digest,
        "dsRecord": f"{tag} 13 2 {digest}",
        "flag": 257,
        "status": c.inputs.get("status") or "ACTIVE",
    }


def _cert_validation(c: _Ctx) -> tuple[str, dict]:
    return "2026-11-25 00:00:00 +0000 UTC", {"certificateArn": c.inputs.get("certificateArn")}


def _autoscaling_target(c: _Ctx) -> tuple[str, dict]:
    rid = str(c.inputs.get("resourceId", c.name))
    return rid, {"arn": c.arn("application-autoscaling", f"scalable-target/{_h(c.seed, n=32)}")}


def _autoscaling_policy(c: _Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "name": name,
        "arn": c.arn(
            "autoscaling",
            f"scalingPolicy:{_uuid(c.seed)}:resource/ecs/{c.inputs.get('resourceId', '')}:policyName/{name}",
        ),
    }


def _opaque(prefix: str) -> Callable[[_Ctx], tuple[str, dict]]:
    def build(c: _Ctx) -> tuple[str, dict]:
        return f"{prefix}{_h(c.seed)}", {}

    return build


def _pulumi_service(c: _Ctx) -> tuple[str, dict]:
    """Pulumi Cloud objects (the Pulumi Service provider): ids as the provider documents them for import."""
    i = c.inputs
    kind = c.typ.rsplit(":", 1)[-1]
    if kind == "DeploymentSettings":
        return f"{i.get('organization')}/{i.get('project')}/{i.get('stack')}", {}
    if kind == "OidcIssuer":
        return f"{i.get('organization')}/{_uuid(c.seed)}", {}
    if kind == "PolicyGroup":
        return f"{i.get('organizationName')}/{i.get('name')}", {}
    if kind == "PolicyPack":
        return f"{i.get('organization')}/{i.get('name')}/{i.get('versionTag')}", {}
    return _uuid(c.seed), {}


def _random(c: _Ctx) -> tuple[str, dict]:
    """Deterministic stand-ins for generated values; they are secret outputs, so never shown in clear."""
    length = int(c.inputs.get("length") or c.inputs.get("byteLength") or 32)
    value = ("Offline" + _h(c.seed, n=64) * 2)[:length]
    out: dict[str, Any] = {"result": value}
    if c.typ == "random:index/randomPassword:RandomPassword":
        out["bcryptHash"] = "$2a$10$" + _h(c.seed, "bcrypt", n=53)
    if c.typ == "random:index/randomId:RandomId":
        out = {
            "hex": _h(c.seed, n=length * 2),
            "b64Url": _h(c.seed, n=length),
            "dec": str(int(_h(c.seed, n=12), 16)),
        }
    return _uuid(c.seed), out


_BUILDERS: dict[str, Callable[[_Ctx], tuple[str, dict]]] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ec2("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _ec2("sgr", "security-group-rule"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": _opaque("sgrule-"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": _ec2(
        "eigw", "egress-only-internet-gateway"
    ),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/route:Route": _opaque("r-rtb-"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _opaque("rtbassoc-"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/vpnGateway:VpnGateway": _ec2("vgw", "vpn-gateway"),
    "aws:ec2/vpnGatewayAttachment:VpnGatewayAttachment": _opaque("vpn-attachment-"),
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": _opaque("vgw-prop-"),
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:ec2/networkAcl:NetworkAcl": _ec2("acl", "network-acl"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
    "aws:lb/loadBalancer:LoadBalancer": _lb,
    "aws:alb/loadBalancer:LoadBalancer": _lb,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:alb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:alb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:alb/listenerRule:ListenerRule": _listener_rule,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _cert_validation,
    "aws:wafv2/webAcl:WebAcl": _webacl,
    "aws:wafv2/webAclAssociation:WebAclAssociation": _opaque("webacl-assoc-"),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": _opaque("webacl-logging-"),
    "aws:kms/key:Key": _kms_key,
    "aws:kms/replicaKey:ReplicaKey": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/subnetGroup:SubnetGroup": _named_arn("rds", "subgrp"),
    "aws:rds/parameterGroup:ParameterGroup": _named_arn("rds", "pg"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _named_arn("rds", "cluster-pg"),
    "aws:rds/optionGroup:OptionGroup": _named_arn("rds", "og"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:elasticache/subnetGroup:SubnetGroup": _named_arn("elasticache", "subnetgroup"),
    "aws:elasticache/parameterGroup:ParameterGroup": _named_arn("elasticache", "parametergroup"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _cloudfront_global("oac"),
    "aws:cloudfront/function:Function": _cloudfront_function,
    "aws:cloudfront/cachePolicy:CachePolicy": _cloudfront_global("cache-policy"),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _cloudfront_global("origin-request-policy"),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _cloudfront_global(
        "response-headers-policy"
    ),
    "aws:ecr/repository:Repository": _repository,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/user:User": _iam("user"),
    "aws:iam/policy:Policy": _iam_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:iam/rolePolicy:RolePolicy": _opaque("role-policy-"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _opaque("role-attachment-"),
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": _opaque("cwlsf-"),
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:opensearch/domain:Domain": _search_domain,
    "aws:elasticsearch/domain:Domain": _search_domain,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _firehose,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/selection:Selection": _opaque("selection-"),
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": _named_arn("sns", "subscription", sep="/"),
    "aws:route53/record:Record": _route53_record,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/keySigningKey:KeySigningKey": _key_signing_key,
    "aws:appautoscaling/target:Target": _autoscaling_target,
    "aws:appautoscaling/policy:Policy": _autoscaling_policy,
}


def _policy_document(m: AwsMocks, args: dict, region: str) -> dict:
    """aws.iam.get_policy_document: the JSON IAM would receive (keys in the documented order)."""
    statements = []
    for s in args.get("statements") or []:
        st: dict[str, Any] = {}
        if s.get("sid"):
            st["Sid"] = s["sid"]
        st["Effect"] = s.get("effect", "Allow")
        for key, out in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                merged: dict[str, Any] = {}
                for p in s[key]:
                    ids = p.get("identifiers") or []
                    merged[p["type"]] = ids[0] if len(ids) == 1 else ids
                st[out] = "*" if merged == {"*": "*"} else merged
        for key, out in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if s.get(key):
                st[out] = s[key][0] if len(s[key]) == 1 else s[key]
        if s.get("conditions"):
            cond: dict[str, dict] = {}
            for c in s["conditions"]:
                vals = c.get("values") or []
                cond.setdefault(c["test"], {})[c["variable"]] = vals[0] if len(vals) == 1 else vals
            st["Condition"] = cond
        statements.append(st)
    doc = json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements}, indent=2)
    return {"json": doc, "minifiedJson": json.dumps(json.loads(doc), separators=(",", ":")), "id": _h(doc)}


def _elb_service_account(m: AwsMocks, args: dict, region: str) -> dict:
    # Elastic Load Balancing's account per region (ELB user guide: "Enable access logs").
    accounts = {
        "us-east-1": "127311923021",
        "us-east-2": "033677994240",
        "us-west-1": "027434742980",
        "us-west-2": "797873946194",
        "eu-west-1": "156460612806",
        "sa-east-1": "507241528517",
    }
    acct = accounts.get(region, "127311923021")
    return {"id": acct, "arn": f"arn:{PARTITION}:iam::{acct}:root", "region": region}


def _managed_prefix_list(m: AwsMocks, args: dict, region: str) -> dict:
    # AWS-managed prefix lists of the S3 gateway endpoint per region (their ids are fixed by AWS).
    s3 = {
        "us-east-1": "pl-63a5400a",
        "us-west-2": "pl-68a54001",
        "us-east-2": "pl-7ba54012",
        "us-west-1": "pl-6ba54002",
    }
    name = args.get("name") or f"com.amazonaws.{region}.s3"
    pid = s3.get(region, f"pl-{_h(name, n=8)}") if name.endswith(".s3") else f"pl-{_h(name, n=8)}"
    return {
        "id": pid,
        "name": name,
        "arn": f"arn:{PARTITION}:ec2:{region}:aws:prefix-list/{pid}",
        "addressFamily": "IPv4",
        "maxEntries": 0,
        "ownerId": "AWS",
        "entries": [],
        "version": 1,
    }


def _get_zone(m: AwsMocks, args: dict, region: str) -> dict | tuple[dict, list[tuple[str, str]]]:
    """aws.route53.get_zone: the account holds a public zone for every name the stacks look up, except names under
    `.invalid` (RFC 2606 reserves it: no such zone can exist), answered as the provider answers a missing zone."""
    name = str(args.get("name") or "").rstrip(".")
    zid = args.get("zoneId") or ("Z" + _upper("zone", name, n=20))
    if name.endswith(".invalid") or name == "invalid":
        # A data source's own error reaches the program as the invoke's failure (the engine answers it, the call
        # does not crash): what a program may catch, as it can against AWS.
        return {}, [
            ("name", f"reading Route 53 Hosted Zone ({name}): no matching Route 53 Hosted Zone found")
        ]
    return {
        "id": zid,
        "zoneId": zid,
        "name": name,
        "arn": f"arn:{PARTITION}:route53:::hostedzone/{zid}",
        "comment": "",
        "callerReference": _uuid("zone", name),
        "nameServers": [
            f"ns-{int(_h(name, str(i), n=3), 16) % 2000}.awsdns-{i:02d}.{tld}"
            for i, tld in enumerate(("com", "net", "org", "co.uk"))
        ],
        "primaryNameServer": f"ns-{int(_h(name, '0', n=3), 16) % 2000}.awsdns-00.com",
        "privateZone": False,
        "resourceRecordSetCount": 12,
        "linkedServiceDescription": "",
        "linkedServicePrincipal": "",
        "tags": {},
        "enableAcceleratedRecovery": False,
    }


_INVOKES: dict[str, Callable[[AwsMocks, dict, str], Any]] = {
    "aws:route53/getZone:getZone": _get_zone,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:elb/getServiceAccount:getServiceAccount": _elb_service_account,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _managed_prefix_list,
}
