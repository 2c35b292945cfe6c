"""What every theme module shares: type-token tables, safe property access, metadata, policy factories.

Every validator is wrapped so that it never fails the gRPC call (which would hide every other verdict), and
never passes silently either:

- a value unknown at preview time means "cannot judge yet": no violation, unless the defect is provable
  from what is known (the CLI judges the resource again at `pulumi up`, when the value is known);
- `args.not_applicable(reason)` reaches the CLI as the SDK's not-applicable record;
- any other exception (a shape the validator never met, a bug) fails closed: it becomes a diagnostic at the
  policy's own enforcement level naming the policy, the resource and the error, so that a broken mandatory
  policy blocks the preview instead of passing everything.
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
    proxy,
)
from pulumi_policy.policy import _NotApplicableError  # what args.not_applicable raises (no public name)
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
# A key's policy is an argument of the key, of a multi-Region replica key, or a resource of its own.
KEY_POLICIES = frozenset({"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/keyPolicy:KeyPolicy"})
WAF_ASSOCIATIONS = frozenset(
    {"aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafregional/webAclAssociation:WebAclAssociation"}
)
# Compute, IAM and network tables the themes share.
ECS_SERVICES = frozenset({"aws:ecs/service:Service"})
ECS_CLUSTERS = frozenset({"aws:ecs/cluster:Cluster"})
CAPACITY_PROVIDERS = frozenset({"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"})
TASK_DEFINITIONS = frozenset({"aws:ecs/taskDefinition:TaskDefinition"})
ECR_REPOSITORIES = frozenset({"aws:ecr/repository:Repository"})
DB_SUBNET_GROUPS = frozenset({"aws:rds/subnetGroup:SubnetGroup"})
EGRESS_RULES = frozenset({"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"})
ROLE_INLINE_POLICIES = frozenset({"aws:iam/rolePolicy:RolePolicy"})
ROLE_POLICY_ATTACHMENTS = frozenset({"aws:iam/rolePolicyAttachment:RolePolicyAttachment"})
# A role's permissions live in these resources (the role's own inlinePolicies/managedPolicyArns are created with it).
ROLE_POLICY_TYPES = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/policyAttachment:PolicyAttachment": "roles",
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "roleName",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
}
# Resources that carry an IAM policy document (a role its inline policies).
IAM_POLICY_TYPES = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
        "aws:iam/role:Role",
    }
)
# Resources that attach a managed policy to a principal (a role its managedPolicyArns).
ADMIN_ATTACHMENT_TYPES = frozenset(
    {
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    }
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
_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)
_PROXIES = (proxy._DictProxy, proxy._ListProxy)
_PLAIN = frozenset({int, float, bool, type(None), dict, list})


def raw(value: Any) -> Any:
    """One level of a property as the engine sent it: a proxied dict or list as its target (whose members are
    proxies again), an unknown sentinel as UNKNOWN, anything else as is. For walks over every property of a
    stack, where going through the proxy's unknown check for each value would cost most of the walk."""
    kind = type(value)  # exact types first: isinstance against the proxies' abstract bases is slow
    if kind is str:
        return UNKNOWN if value in _SENTINELS else value
    if (
        kind is proxy._DictProxy
        or kind is proxy._ListProxy
        or (kind not in _PLAIN and isinstance(value, _PROXIES))
    ):
        return value["__target"]  # the SDK's own escape hatch (pulumi_policy/proxy.py)
    return value


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


def policy_statements(document: Any) -> list[Any]:
    """A parsed IAM, key or resource policy's statements (one statement may be written without a list)."""
    st = document.get("Statement") if isinstance(document, dict) else None
    return [st] if isinstance(st, dict) else (st if isinstance(st, list) else [])


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on", "yes"))


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _leaf(value: Any) -> Any:
    """A value of a proxied dict's target as `get` reads it through the proxy: UNKNOWN for an unknown
    sentinel, whole numbers as ints, anything else as is."""
    kind = type(value)
    if kind is str:
        return UNKNOWN if value in _SENTINELS else value
    if kind is float and value.is_integer():
        return int(value)
    return value


def _tag_layer(tags: Any) -> dict[str, Any] | _Unknown:
    """One set of tags (a resource's own, or its provider's defaults) as a plain dict; UNKNOWN when unknown.
    A proxied dict is read through its target (one pass, not one `get` through the proxy per tag), with the
    same values `get` gives, unless a tag is named like the proxy's escape hatch."""
    if tags is UNKNOWN:
        return UNKNOWN
    if type(tags) is proxy._DictProxy:
        target = tags["__target"]
        if "__target" not in target:
            return {str(k): _leaf(v) for k, v in target.items()}
    if isinstance(tags, Mapping) or hasattr(tags, "keys"):
        return {str(k): get(tags, k) for k in list(tags.keys())}
    return {}


# A provider's defaultTags reach a policy as the engine encodes provider inputs, one JSON string, the same on
# every resource of that provider: its tag layer is parsed once per distinct string (a plain function of the
# string, so the verdict cannot differ), not on every resource. Bounded: a pack sees a handful of providers.
_DEFAULT_TAG_LAYERS: dict[str, dict[str, Any]] = {}


def _default_tag_layer(provider: Any) -> dict[str, Any] | _Unknown:
    default_tags = get(provider.props, "defaultTags") if provider is not None else None
    if not isinstance(default_tags, str):
        return _tag_layer(get(default_tags, "tags") if default_tags is not UNKNOWN else UNKNOWN)
    layer = _DEFAULT_TAG_LAYERS.get(default_tags)
    if layer is None:
        layer = _tag_layer(get(as_json(default_tags), "tags"))
        if len(_DEFAULT_TAG_LAYERS) >= 64:
            _DEFAULT_TAG_LAYERS.clear()
        _DEFAULT_TAG_LAYERS[default_tags] = layer
    return layer


def tags_of(props: Any, provider: Any) -> dict[str, Any] | _Unknown:
    """A resource's effective tags: its provider's defaultTags merged with its own tags. UNKNOWN when either
    set is unknown at preview (any tag may be in it); a tag whose value alone is unknown is set (UNKNOWN)."""
    defaults = _default_tag_layer(provider)
    if defaults is UNKNOWN:
        return UNKNOWN
    own = _tag_layer(get(props, "tags"))
    if own is UNKNOWN:
        return UNKNOWN
    return {**defaults, **own}


# -- failing closed --------------------------------------------------------------------------------------
def failure(policy: str, subject: str, exc: BaseException) -> str:
    """The diagnostic for a validator that raised: names the policy, what it was judging and the error."""
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (
        f"{subject}: policy '{policy}' failed while judging it ({error}), so it cannot pass; "
        "fix the resource's shape or the policy (policies/), then preview again"
    )


def _resource_in_traceback(exc: BaseException) -> Any:
    """The innermost stack resource a failing stack check was looking at (a local of its frames), if any."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if hasattr(value, "resource_type") and hasattr(value, "urn") and hasattr(value, "props"):
                found = value
        tb = tb.tb_next
    return found


def stack_failure(policy: str, exc: BaseException, report_violation: Callable[..., None]) -> None:
    """Report a stack validator's exception at the policy's level, on the resource it was judging if known."""
    resource = _resource_in_traceback(exc)
    if resource is not None:
        subject = f"{resource.name} ({resource.resource_type})"
        report_violation(failure(policy, subject, exc), resource.urn)
    else:
        report_violation(failure(policy, "the stack", exc))


# -- refusing a bad config at Configure -------------------------------------------------------------------
def config_problem(policies: Iterable[Any], config: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What is wrong with the per-policy config the CLI sends to Configure, or None.

    The CLI checks each value against its policy's schema, but the schema it receives carries no
    `additionalProperties`, so a misspelled property (`minDay` for `minDays`) would load and change
    nothing; and JSON Schema does not compile regexes, so a bad pattern would turn its policy off. Both
    are refused here, naming the policy and the property."""
    by_name = {p.name: p for p in policies}
    for name, props in config.items():
        policy = by_name.get(name)
        if policy is None or not isinstance(props, Mapping):
            continue
        schema = policy.config_schema.properties if policy.config_schema else {}
        for key, value in props.items():
            if key not in schema:
                allowed = ", ".join(sorted(schema)) or "none"
                return f"policy '{name}': property '{key}' is not one of its properties (it has: {allowed})"
            if schema[key].get("format") == "regex" and isinstance(value, str):
                try:
                    re.compile(value)
                except re.error as exc:
                    return f"policy '{name}': property '{key}': {value!r} is not a valid regular expression ({exc})"
    return None


def refuse_bad_config_at_configure() -> None:
    """Make the pack's Configure refuse what `config_problem` finds (INVALID_ARGUMENT, message as above).

    The SDK offers no hook into Configure, so its servicer method is wrapped once, before the pack starts."""
    import grpc
    from google.protobuf import json_format
    from pulumi_policy import policy as sdk

    servicer = sdk._PolicyAnalyzerServicer
    if getattr(servicer.Configure, "checks_config", False):
        return
    original = servicer.Configure

    def configure(self: Any, request: Any, context: Any) -> Any:
        policies = getattr(self, "_PolicyAnalyzerServicer__policies", [])
        config = {k: json_format.MessageToDict(v.properties) for k, v in request.policyConfig.items()}
        problem = config_problem(policies, config)
        if problem:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        return original(self, request, context)

    configure.checks_config = True  # type: ignore[attr-defined]
    servicer.Configure = configure


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


class TypedResourcePolicy(ResourceValidationPolicy):
    """A resource policy that judges the resource types it declares (`types`; None: every aws: resource).

    The SDK's Analyze calls every resource policy's `validate` method for every resource; subclassing
    ResourceValidationPolicy and overriding that method is the SDK's own extension point (a subclass need not
    pass `validate`). The override tests the type first and calls the judging function only on a type it
    judges, so a policy costs one set look-up on the types it does not judge, where the base method builds a
    list of its validations and loops over it on every call. Verdicts are the judging function's, unchanged;
    the function is also passed to the base class, so `has_validation` and direct callers see the same policy.
    """

    def __init__(self, *, types: frozenset[str] | None, judge: Callable[..., None], **kwargs: Any) -> None:
        super().__init__(validate=judge, **kwargs)
        self.types = types
        self._judge = judge

    def validate(self, args: Any, report_violation: Callable[..., None]) -> None:
        types = self.types
        if args.resource_type in types if types is not None else args.resource_type.startswith("aws:"):
            self._judge(args, report_violation)


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
    # The SDK hands each call a copy of the same configured values: the merged config is rebuilt only when they
    # change (checks read their config, never write it). One tuple, swapped whole, so threads see a pair.
    last: list[tuple[Any, dict[str, Any]]] = [(object(), {})]

    def judge(args: Any, report_violation: Callable[[str], None]) -> None:
        try:
            given = args.get_config()
            seen, cfg = last[0]
            if given != seen:
                cfg = {k: _integral(v) for k, v in {**defaults, **(given or {})}.items()}
                last[0] = (given, cfg)
            for message in check(args.props, cfg, args) or ():
                report_violation(f"{args.name} ({args.resource_type}): {message}")
        except UnknownValueError:
            return  # a value the check needed is unknown at preview: cannot judge yet
        except _NotApplicableError:
            raise  # the SDK turns it into the not-applicable record the CLI shows
        except Exception as exc:  # noqa: BLE001 - fail closed, never fail the gRPC call (see module doc)
            report_violation(failure(name, f"{args.name} ({args.resource_type})", exc))

    return TypedResourcePolicy(
        types=types,
        judge=judge,
        name=name,
        description=description,
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
        except _NotApplicableError:
            raise
        except Exception as exc:  # noqa: BLE001 - see module doc
            stack_failure(name, exc, report_violation)

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
    """What `resource`'s `prop` refers to (a string or a list of them; `value` stands for the property when
    given): its known string value(s) and the URNs the engine recorded as that property's dependencies. The
    flag says the reference cannot be traced: part of it is unknown at preview (an unknown list element is
    unknown, not absent) and no property dependency says where it comes from — cannot judge yet."""
    deps = {
        getattr(d, "urn", d) for d in (getattr(resource, "property_dependencies", None) or {}).get(prop) or []
    }
    value = get(resource.props, prop) if value is None else value
    values = [value] if value is None or value is UNKNOWN or isinstance(value, str) else items(value)
    keys = {v for v in values if isinstance(v, str) and v} | deps
    unknown = any(v is UNKNOWN for v in values) and not deps
    return keys, unknown
