"""What every theme module shares: type-token tables, safe property access, metadata, policy factories.

Every validator is wrapped so that it never raises: a value unknown at preview time means "cannot judge
yet" (no violation, the CLI judges it again at `pulumi up`), and an unexpected shape (code we have never
seen) passes rather than failing the whole gRPC call and hiding every other verdict.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# -- type tokens (aliases included: aws:alb/* is the older module name of aws:lb/*) ----------------------
LOAD_BALANCERS = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
    }
)
LISTENERS = frozenset(
    {"aws:lb/listener:Listener", "aws:alb/listener:Listener", "aws:elasticloadbalancingv2/listener:Listener"}
)
LISTENER_RULES = frozenset(
    {
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws:elasticloadbalancingv2/listenerRule:ListenerRule",
    }
)
RDS_INSTANCES = frozenset({"aws:rds/instance:Instance"})
RDS_CLUSTERS = frozenset({"aws:rds/cluster:Cluster"})
RDS_ALL = RDS_INSTANCES | RDS_CLUSTERS
RDS_PARAMETER_GROUPS = frozenset(
    {"aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"}
)
REPLICATION_GROUPS = frozenset({"aws:elasticache/replicationGroup:ReplicationGroup"})
CACHE_CLUSTERS = frozenset({"aws:elasticache/cluster:Cluster"})
CLUSTER_INSTANCES = frozenset({"aws:rds/clusterInstance:ClusterInstance"})
EBS_VOLUMES = frozenset({"aws:ebs/volume:Volume"})
EC2_INSTANCES = frozenset({"aws:ec2/instance:Instance"})
LAUNCH_TEMPLATES = frozenset({"aws:ec2/launchTemplate:LaunchTemplate"})
EFS = frozenset({"aws:efs/fileSystem:FileSystem"})
DYNAMODB_TABLES = frozenset({"aws:dynamodb/table:Table"})
# Classic Load Balancers: aws:elb/* is the module, aws:elasticloadbalancing/* its pre-v4 alias.
CLASSIC_LBS = frozenset(
    {"aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer"}
)
CLASSIC_LISTENER_POLICIES = frozenset(
    {"aws:elb/listenerPolicy:ListenerPolicy", "aws:elasticloadbalancing/listenerPolicy:ListenerPolicy"}
)
CLASSIC_LB_POLICIES = frozenset(
    {
        "aws:elb/loadBalancerPolicy:LoadBalancerPolicy",
        "aws:elasticloadbalancing/loadBalancerPolicy:LoadBalancerPolicy",
    }
)
CLASSIC_SSL_POLICIES = frozenset(
    {
        "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy",
        "aws:elasticloadbalancing/sslNegotiationPolicy:SslNegotiationPolicy",
    }
)
SUBNETS = frozenset({"aws:ec2/subnet:Subnet"})
ROLES = frozenset({"aws:iam/role:Role"})
BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
BUCKET_VERSIONING = frozenset(
    {"aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"}
)
BUCKET_POLICIES = frozenset({"aws:s3/bucketPolicy:BucketPolicy"})
BUCKET_PUBLIC_ACCESS = frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"})
SEARCH_DOMAINS = frozenset({"aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"})
SECURITY_GROUPS = frozenset({"aws:ec2/securityGroup:SecurityGroup"})
INGRESS_RULES = frozenset({"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"})
LEGACY_RULES = frozenset({"aws:ec2/securityGroupRule:SecurityGroupRule"})
CLOUDFRONT = frozenset({"aws:cloudfront/distribution:Distribution"})
WAF_ASSOCIATIONS = frozenset(
    {"aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafregional/webAclAssociation:WebAclAssociation"}
)

SECRET_NAME = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|jwt|stripe)", re.I
)

FRAMEWORK = "AWS Foundational Security Best Practices"
FRAMEWORK_VERSION = "1.0.0"
_CONTROL_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/{service}-controls.html#{anchor}"
_SERVICE_PAGES = {
    "ELB": "elb",
    "RDS": "rds",
    "S3": "s3",
    "ECR": "ecr",
    "ECS": "ecs",
    "EC2": "ec2",
    "KMS": "kms",
    "IAM": "iam",
    "CloudFront": "cloudfront",
    "ElastiCache": "elasticache",
    "SNS": "sns",
    "Opensearch": "opensearch",
    "SecretsManager": "secretsmanager",
    "SSM": "ssm",
    "WAF": "waf",
    "CloudWatch": "cloudwatch",
    "Backup": "backup",
}


class _Unknown:
    """A value the engine cannot know during preview."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """props[path...] or `default` when absent, UNKNOWN when unknown at preview; never raises."""
    value = props
    try:
        for key in path:
            if isinstance(key, int):
                if not isinstance(value, (list, tuple)) and not hasattr(value, "__getitem__"):
                    return default
                if key >= len(value):
                    return default
                value = value[key]
            else:
                if value is None or not hasattr(value, "get") or key not in value:
                    return default
                value = value[key]
    except UnknownValueError:
        return UNKNOWN
    except (TypeError, KeyError, IndexError):
        return default
    if value is None:
        return default
    # The wire carries every number as a double; whole numbers read back as ints (ports, days, counts).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def known(*values: Any) -> bool:
    return not any(v is UNKNOWN for v in values)


def items(value: Any) -> list[Any]:
    """A list property as a list (None/absent → [], unknown → []); elements may still be UNKNOWN."""
    if value is None or value is UNKNOWN:
        return []
    try:
        return [get(value, i) for i in range(len(value))]
    except (TypeError, UnknownValueError):
        return []


def as_json(value: Any) -> Any:
    """A JSON document property (policies, container definitions) parsed; UNKNOWN/None when it can't be."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on", "yes"))


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def tags_of(props: Any, provider: Any) -> dict[str, str]:
    """A resource's effective tags: its provider's defaultTags merged with its own tags."""
    merged: dict[str, str] = {}
    default_tags = get(provider.props, "defaultTags") if provider is not None else None
    if isinstance(default_tags, str):
        default_tags = as_json(default_tags)
    if isinstance(default_tags, Mapping) or hasattr(default_tags, "get"):
        tags = get(default_tags, "tags")
        if isinstance(tags, Mapping) or hasattr(tags, "items"):
            merged.update({str(k): v for k, v in dict(tags).items()})
    own = get(props, "tags")
    if own is not UNKNOWN and own is not None and hasattr(own, "items"):
        merged.update({str(k): v for k, v in dict(own).items()})
    return merged


# -- metadata and factories ------------------------------------------------------------------------------
def _framework(control: str | None) -> PolicyComplianceFramework | None:
    if not control:
        return None
    return PolicyComplianceFramework(
        name=FRAMEWORK,
        version=FRAMEWORK_VERSION,
        reference=control,
        specification=f"Security Hub control {control}",
    )


def _url(control: str | None) -> str | None:
    if not control:
        return None
    service, _, number = control.partition(".")
    page = _SERVICE_PAGES.get(service, service.lower())
    return _CONTROL_URL.format(service=page, anchor=f"{page}-{number}")


def _schema(config: Mapping[str, dict] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


def _defaults(config: Mapping[str, dict] | None) -> dict[str, Any]:
    return {k: v["default"] for k, v in (config or {}).items() if "default" in v}


Check = Callable[..., Iterator[str] | Iterable[str] | None]


def resource_policy(
    name: str,
    description: str,
    types: frozenset[str] | None,
    check: Check,
    *,
    remediation: str,
    control: str | None = None,
    severity: str = "medium",
    level: str = "advisory",
    config: Mapping[str, dict] | None = None,
    url: str | None = None,
) -> ResourceValidationPolicy:
    """A policy judging one resource of `types` (None: every aws: resource): `check(props, cfg, args)` yields
    violation messages."""
    defaults = _defaults(config)

    def validate(args: Any, report_violation: Callable[[str], None]) -> None:
        if (types is None and not args.resource_type.startswith("aws:")) or (
            types is not None and args.resource_type not in types
        ):
            return
        try:
            cfg = {k: _integral(v) for k, v in {**defaults, **(args.get_config() or {})}.items()}
            for message in check(args.props, cfg, args) or ():
                report_violation(f"{args.name} ({args.resource_type}): {message}")
        except UnknownValueError:
            return
        except Exception:  # noqa: BLE001 - a validator must never fail the gRPC call (see module doc)
            return

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel(level),
        config_schema=_schema(config),
        severity=Severity(severity),
        framework=_framework(control),
        remediation_steps=remediation,
        url=url or _url(control),
    )


def stack_policy(
    name: str,
    description: str,
    check: Check,
    *,
    remediation: str,
    control: str | None = None,
    severity: str = "medium",
    level: str = "advisory",
    config: Mapping[str, dict] | None = None,
    url: str | None = None,
) -> StackValidationPolicy:
    """A policy judging the whole stack: `check(resources, cfg)` yields (resource or None, message) pairs."""
    defaults = _defaults(config)

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        try:
            cfg = {k: _integral(v) for k, v in {**defaults, **(args.get_config() or {})}.items()}
            for resource, message in check(args.resources, cfg) or ():
                if resource is not None:
                    report_violation(f"{resource.name} ({resource.resource_type}): {message}", resource.urn)
                else:
                    report_violation(message)
        except UnknownValueError:
            return
        except Exception:  # noqa: BLE001 - see module doc
            return

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel(level),
        config_schema=_schema(config),
        severity=Severity(severity),
        framework=_framework(control),
        remediation_steps=remediation,
        url=url or _url(control),
    )


# -- relating resources in a stack -----------------------------------------------------------------------
def of_types(resources: Iterable[Any], types: frozenset[str]) -> list[Any]:
    return [r for r in resources if r.resource_type in types]


def bucket_keys(bucket: Any) -> set[str]:
    """What other resources use to point at a bucket: its name (= id), its ARN, its URN."""
    keys = {bucket.urn}
    for prop in ("bucket", "id", "arn"):
        value = get(bucket.props, prop)
        if isinstance(value, str):
            keys.add(value)
    return keys


def index_by_target(
    resources: Iterable[Any], types: frozenset[str], prop: str
) -> tuple[dict[str, list], bool]:
    """Resources of `types` indexed by what their `prop` refers to (its value, and the URNs it depends on for
    that property), built once so that relating N resources costs O(N); the flag says whether some of them
    refer to something unknown at preview (they might belong to anything)."""
    index: dict[str, list] = {}
    unknown = False
    for r in resources:
        if r.resource_type not in types:
            continue
        keys = {getattr(d, "urn", d) for d in (r.property_dependencies or {}).get(prop) or []}
        value = get(r.props, prop)
        if isinstance(value, str):
            keys.add(value)
        elif value is UNKNOWN and not keys:
            unknown = True
        for k in keys:
            index.setdefault(k, []).append(r)
    return index, unknown


def related(index: dict[str, list], keys: Iterable[str]) -> list:
    found: dict[int, Any] = {}
    for k in keys:
        for r in index.get(k, ()):
            found.setdefault(id(r), r)
    return list(found.values())


def keys_of(resource: Any, *props: str) -> set[str]:
    """What other resources use to point at `resource`: its URN and the known values of `props` (id, arn,
    name...), so that a reference is found by value when known and by property dependency when not."""
    keys = {resource.urn}
    for prop in props:
        value = get(resource.props, prop)
        if isinstance(value, str) and value:
            keys.add(value)
    return keys


def refs(resource: Any, prop: str, value: Any = None) -> tuple[set[str], bool]:
    """What `resource`'s `prop` refers to: its string value(s) and the URNs the engine recorded as that
    property's dependencies; the flag says the reference is unknown and untraceable (cannot judge yet)."""
    keys = {getattr(d, "urn", d) for d in (resource.property_dependencies or {}).get(prop) or []}
    value = get(resource.props, prop) if value is None else value
    values = [value] if value is None or value is UNKNOWN or isinstance(value, str) else items(value)
    unknown = False
    for v in values:
        if isinstance(v, str) and v:
            keys.add(v)
        elif v is UNKNOWN:
            unknown = True
    return keys, unknown and not keys
