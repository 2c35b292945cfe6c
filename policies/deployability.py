"""Deployability: combinations AWS refuses at create time, which mocks (and so the offline preview) accept.

Each policy names the AWS documentation or provider issue that states the refusal as its `url`. The rules hold
with values unknown at a first preview: resources are tied by value when known and by property dependency (the
engine's record of which resource a property came from) when not.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

from factories import resource_policy, stack_policy
from properties import UNKNOWN, as_json, get, items, policy_statements, raw, truthy
from relations import index_by_target, keys_of, of_types, refs, related
from resource_types import (
    BUCKET_ENCRYPTION,
    BUCKETS,
    CAPACITY_PROVIDERS,
    CLOUDFRONT,
    DB_SUBNET_GROUPS,
    ECS_CLUSTERS,
    ECS_SERVICES,
    KEY_POLICIES,
    LOAD_BALANCERS,
    RDS_INSTANCES,
    ROLE_POLICY_TYPES,
    ROLES,
    SEARCH_DOMAINS,
    SUBNETS,
    TASK_DEFINITIONS,
    WAF_ASSOCIATIONS,
)

# Properties through which a resource hands AWS a role to use (Lambda's `role`, ECS's `iamRole`, `*RoleArn`...).
ROLE_PROPERTY = re.compile(r"(rolearn|^role$|^iamrole$|^servicerole$)$", re.I)


def _az_of(subnets_by_key: dict, keys: set[str]):
    """(AZs, subnets) of the stack's subnets that `keys` name; UNKNOWN when one's AZ is unknown at preview."""
    azs = set()
    found = {id(s): s for k in keys for s in subnets_by_key.get(k, ())}
    for subnet in found.values():
        az = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
        if az is UNKNOWN or az is None:
            return UNKNOWN
        azs.add(az)
    return azs, list(found.values())


def _subnets_index(resources) -> dict:
    index: dict[str, list] = defaultdict(list)
    for s in of_types(resources, SUBNETS):
        for k in keys_of(s, "id", "arn"):
            index[k].append(s)
    return index


# -- (a) read replicas of a source whose master password Secrets Manager manages ----------------------------------
def _replica_of_managed_password(resources, cfg):
    sources: dict[str, object] = {}
    for db in of_types(resources, RDS_INSTANCES):
        for k in keys_of(db, "identifier", "id", "arn", "resourceId"):
            sources[k] = db
    for replica in of_types(resources, RDS_INSTANCES):
        if get(replica.props, "replicateSourceDb") is None:
            continue
        keys, _ = refs(replica, "replicateSourceDb")
        source = next((sources[k] for k in keys if k in sources), None)
        if source is None:
            continue
        managed, engine = get(source.props, "manageMasterUserPassword"), get(source.props, "engine")
        if managed is UNKNOWN or engine is UNKNOWN or not truthy(managed):
            continue
        if str(engine).startswith("sqlserver"):
            continue  # the one engine whose replicas AWS creates from a Secrets Manager-managed source
        yield (
            replica,
            f"replicates {source.name}, whose master password Secrets Manager manages (manageMasterUserPassword): "
            f"AWS refuses it (InvalidParameterValue: Creating read replicas for source instance with engine {engine} "
            "where ManageMasterUserPassword is enabled is not supported); manage the source's password another way "
            "(a Secrets Manager secret you rotate) before adding replicas",
        )


# -- (b) ECS services leaning on the cluster's default capacity provider strategy -------------------------------
def _implicit_capacity(resources, cfg):
    defaulted: set[str] = set()
    for cp in of_types(resources, CAPACITY_PROVIDERS):
        strategies = get(cp.props, "defaultCapacityProviderStrategies")
        if strategies is UNKNOWN or items(strategies):
            keys, _ = refs(cp, "clusterName")
            defaulted |= keys
    if not defaulted:
        return
    for cluster in of_types(resources, ECS_CLUSTERS):
        keys = keys_of(cluster, "name", "id", "arn")
        if keys & defaulted:
            defaulted |= keys
    for service in of_types(resources, ECS_SERVICES):
        if get(service.props, "launchType") is not None or items(
            get(service.props, "capacityProviderStrategies")
        ):
            continue
        if get(service.props, "capacityProviderStrategies") is UNKNOWN:
            continue
        if get(service.props, "deploymentController", "type") == "EXTERNAL":
            continue
        keys, _ = refs(service, "cluster")
        # A cluster ARN ends with cluster/<name>, which is what ClusterCapacityProviders names.
        keys |= {k.rsplit("/", 1)[-1] for k in keys if k.startswith("arn:") and "/" in k}
        if keys & defaulted:
            yield (
                service,
                "sets neither capacityProviderStrategies nor launchType, so it uses its cluster's default capacity "
                "provider strategy; with the provider pulumi-aws 7 builds on, later updates then fail unless "
                "forceNewDeployment is set (hashicorp/terraform-provider-aws#44776); give the service its own "
                "capacityProviderStrategies",
            )


# -- (c) resources that use a role before the role's policies exist ----------------------------------------------
@functools.lru_cache(maxsize=4096)
def _hands_a_role(key: str) -> bool:
    # Property names repeat across the stack's thousands of nested keys: match each distinct name once.
    return ROLE_PROPERTY.search(key) is not None


def _role_uses(resource):
    """(top-level property, value) for every place `resource` hands AWS a role, nested blocks included.

    Walks every property of every resource of the stack, so it reads the proxies' targets (`raw`)."""
    stack = [(None, raw(resource.props))]
    while stack:
        top, value = stack.pop()
        if type(value) is dict:
            for key, v in value.items():
                v = raw(v)
                kind = type(v)
                if kind is dict or kind is list:
                    stack.append((top or key, v))
                elif (kind is str or v is UNKNOWN) and _hands_a_role(str(key)):
                    yield top or key, v
        elif type(value) is list:
            stack.extend((top, raw(v)) for v in value)


def _policies_reachable(resource, memo: dict, policy_urns: set[str]) -> set[str]:
    """The role-policy URNs `resource` depends on, directly or through its dependencies: an iterative post-order
    walk, memoized, so that the whole stack costs O(resources + dependencies)."""
    stack, visiting = [(resource, False)], set()
    while stack:
        r, done = stack.pop()
        if r.urn in memo:
            continue
        if done:
            found = set()
            for d in r.dependencies or []:
                if d.urn in policy_urns:
                    found.add(d.urn)
                found |= memo.get(d.urn, set())
            memo[r.urn] = found
            continue
        if r.urn in visiting:
            continue
        visiting.add(r.urn)
        stack.append((r, True))
        stack.extend((d, False) for d in r.dependencies or [] if d.urn not in memo)
    return memo[resource.urn]


def _role_policies_first(resources, cfg):
    roles: dict[str, object] = {}
    for role in of_types(resources, ROLES):
        for k in keys_of(role, "arn", "name", "id"):
            roles[k] = role
    policies_of: dict[str, list] = defaultdict(list)
    for r in resources:
        prop = ROLE_POLICY_TYPES.get(r.resource_type)
        if prop is None:
            continue
        keys, _ = refs(r, prop)
        for role in {id(roles[k]): roles[k] for k in keys if k in roles}.values():
            policies_of[role.urn].append(r)
    if not policies_of:
        return
    policy_urns = {p.urn for ps in policies_of.values() for p in ps}
    memo: dict[str, set[str]] = {}
    for r in resources:
        if r.resource_type.startswith("aws:iam/") or not r.resource_type.startswith("aws:"):
            continue
        used = {}
        for prop, value in _role_uses(r):
            # A known ARN names its role exactly; an unknown one came from the property's dependencies.
            keys = {value} if isinstance(value, str) else refs(r, prop, UNKNOWN)[0]
            for k in keys:
                if k in roles:
                    used[roles[k].urn] = roles[k]
        for role in used.values():
            needed = policies_of.get(role.urn)
            if not needed:
                continue
            reachable = _policies_reachable(r, memo, policy_urns)
            missing = [p for p in needed if p.urn not in reachable]
            if missing:
                names = ", ".join(p.name for p in missing)
                yield (
                    r,
                    f"uses role {role.name} but does not depend on its policies ({names}); AWS checks the role's "
                    "permissions when it creates the resource, so a first deploy can fail: add depends_on=[...] on "
                    "those policies (or pass their output into this resource)",
                )


# -- deliveries AWS drops -----------------------------------------------------------------------------------------
# Condition keys AWS does not support in a key policy statement that lets EventBridge deliver to an encrypted SNS
# topic (SNS Developer Guide, "Key management"): with either, EventBridge cannot use the key and drops every event.
_EVENTBRIDGE_UNSUPPORTED = ("aws:sourceaccount", "aws:sourcearn")
_SNS_KEY_DOCS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"


def _services(principal) -> list:
    if not isinstance(principal, dict):
        return []
    service = principal.get("Service")
    return [service] if isinstance(service, str) else service if isinstance(service, list) else []


def _eventbridge_key_grant(props, cfg, args):
    document = as_json(get(props, "policy"))
    if not isinstance(document, dict):
        return  # absent, unknown at preview, or not JSON (another policy judges that)
    for i, st in enumerate(policy_statements(document)):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        if "events.amazonaws.com" not in _services(st.get("Principal")):
            continue
        operators = st.get("Condition") if isinstance(st.get("Condition"), dict) else {}
        used = sorted(
            {
                key
                for keys in operators.values()
                if isinstance(keys, dict)
                for key in keys
                if str(key).lower() in _EVENTBRIDGE_UNSUPPORTED
            }
        )
        if used:
            yield (
                f"statement {st.get('Sid') or i + 1} lets events.amazonaws.com use the key on condition of "
                f"{', '.join(used)}, which AWS does not support for EventBridge delivery to encrypted SNS topics: "
                "every event sent to a topic encrypted with this key is dropped (the rule's FailedInvocations); "
                "give events.amazonaws.com a statement of its own without those conditions"
            )


# -- network placement AWS refuses -----------------------------------------------------------------------------
def _db_subnet_group_azs(resources, cfg):
    subnets = _subnets_index(resources)
    for group in of_types(resources, DB_SUBNET_GROUPS):
        values = items(get(group.props, "subnetIds"))
        keys, unknown = refs(group, "subnetIds", get(group.props, "subnetIds"))
        if unknown or get(group.props, "subnetIds") is UNKNOWN and not keys:
            continue
        placed = _az_of(subnets, keys)
        if placed is UNKNOWN:
            continue
        azs, found = placed
        if len(found) < len([v for v in values if isinstance(v, str)]):
            continue  # some subnets live outside this stack: their AZs are not known here
        if len(azs) < 2:
            yield (
                group,
                f"its subnets cover {len(azs)} Availability Zone(s) ({', '.join(sorted(azs)) or 'none'}); AWS refuses "
                "it (DBSubnetGroupDoesNotCoverEnoughAZs): add subnets in at least 2 AZs",
            )


def _alb_subnet_azs(resources, cfg):
    subnets = _subnets_index(resources)
    for lb in of_types(resources, LOAD_BALANCERS):
        kind = get(lb.props, "loadBalancerType", default="application")
        if kind != "application":
            continue
        listed = get(lb.props, "subnets")
        prop = "subnets"
        if not items(listed) and listed is not UNKNOWN:
            prop, listed = (
                "subnetMappings",
                [get(m, "subnetId") for m in items(get(lb.props, "subnetMappings"))],
            )
        keys, unknown = refs(lb, prop, listed)
        if unknown or not keys:
            continue
        placed = _az_of(subnets, keys)
        if placed is UNKNOWN:
            continue
        azs, found = placed
        strings = [v for v in (listed if isinstance(listed, list) else items(listed)) if isinstance(v, str)]
        if not found or len(found) < len(strings):
            continue  # subnets outside this stack: their AZs are not known here
        if len(azs) < 2:
            yield (
                lb,
                f"its subnets are in {len(azs)} Availability Zone ({', '.join(sorted(azs))}); AWS refuses it "
                "(ValidationError: At least two subnets in two different Availability Zones must be specified)",
            )
        elif len(found) > len(azs):
            yield (
                lb,
                "two of its subnets share an Availability Zone; AWS refuses it (InvalidConfigurationRequest: A load "
                "balancer cannot be attached to multiple subnets in the same Availability Zone): one subnet per AZ",
            )


# -- edge services -------------------------------------------------------------------------------------------------
def _cloudfront_certificate_region(props, cfg, args):
    arn = get(props, "viewerCertificate", "acmCertificateArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return
    parts = arn.split(":")
    if len(parts) > 3 and parts[3] and parts[3] != "us-east-1":
        yield (
            f"uses ACM certificate from {parts[3]}; CloudFront only accepts ACM certificates from us-east-1: request "
            "the certificate with a us-east-1 provider"
        )


def _backup_replication_key(props, cfg, args):
    key = get(props, "kmsKeyId")
    if key is UNKNOWN:
        return
    if key in (None, ""):
        yield (
            "names no KMS key; RDS replicates an encrypted instance's backups only under a key of the destination "
            "region: set kmsKeyId to a key of this resource's region"
        )
        return
    region = get(props, "region")
    if region in (None, "") and args.provider is not None:
        region = get(args.provider.props, "region")
    parts = str(key).split(":")
    if (
        isinstance(region, str)
        and region
        and str(key).startswith("arn:")
        and len(parts) > 3
        and parts[3] != region
    ):
        yield (
            f"kmsKeyId is a key of {parts[3]} but the backups are replicated to {region}; a KMS key never leaves "
            "its region: use the destination region's key"
        )


def _waf_scope(props, cfg, args):
    if args.resource_type in CLOUDFRONT:
        acl = get(props, "webAclId")
        if isinstance(acl, str) and ":regional/webacl/" in acl:
            yield (
                "webAclId is a REGIONAL web ACL; a distribution takes only a CLOUDFRONT-scope ACL created in "
                "us-east-1"
            )
    else:
        acl = get(props, "webAclArn")
        if isinstance(acl, str) and ":global/webacl/" in acl:
            yield (
                "associates a CLOUDFRONT-scope web ACL; AssociateWebACL takes REGIONAL ACLs only (a distribution "
                "names its ACL in webAclId)"
            )


def _access_log_bucket_sse(resources, cfg):
    """ALB access logs: the only server-side encryption ELB can write with is SSE-S3; ELB tests the bucket when
    access logging is turned on, so an SSE-KMS default fails the load balancer's update."""
    buckets = {}
    for b in of_types(resources, BUCKETS):
        name = get(b.props, "bucket")
        if isinstance(name, str):
            buckets[name] = b
    index, _ = index_by_target(resources, BUCKET_ENCRYPTION, "bucket")
    for lb in of_types(resources, LOAD_BALANCERS):
        logs = get(lb.props, "accessLogs")
        if not logs or logs is UNKNOWN or not truthy(get(logs, "enabled", default=True)):
            continue
        name = get(logs, "bucket")
        bucket = buckets.get(name) if isinstance(name, str) else None
        if bucket is None:
            continue
        algorithms = [
            get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
            for c in related(index, keys_of(bucket, "bucket", "id", "arn"))
            for rule in items(get(c.props, "rules"))
        ]
        kms = [a for a in algorithms if isinstance(a, str) and a.startswith("aws:kms")]
        if kms:
            yield (
                lb,
                f"writes access logs to bucket {name}, whose default encryption is {kms[0]}; Elastic Load Balancing "
                "only writes to SSE-S3 (AES256) buckets and refuses the attribute: give the logs bucket AES256",
            )


def _multi_az_with_zone(props, cfg, args):
    multi_az, zone = get(props, "multiAz"), get(props, "availabilityZone")
    if truthy(multi_az) and isinstance(zone, str) and zone:
        yield (
            f"sets multiAz with availabilityZone {zone}; AWS refuses it (InvalidParameterCombination: Requesting a "
            "specific availability zone is not valid for Multi-AZ instances): drop availabilityZone"
        )


# Fargate's task sizes: CPU units → (lowest MiB, highest MiB, step) (ECS developer guide, task CPU and memory).
FARGATE_SIZES = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


def _units(value, per_unit: int):
    """A task size as ECS converts it at registration: "1 vCPU" → 1024 units, "2GB" → 2048 MiB, "512" → 512."""
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip().lower().replace(" ", "")
    for suffix in ("vcpu", "gb"):
        if text.endswith(suffix):
            try:
                return int(float(text[: -len(suffix)]) * per_unit)
            except ValueError:
                return None
    try:
        return int(float(text))
    except ValueError:
        return None


def _fargate_task_size(props, cfg, args):
    compat = get(props, "requiresCompatibilities")
    if compat is UNKNOWN or "FARGATE" not in items(compat):
        return
    cpu, memory = get(props, "cpu"), get(props, "memory")
    if UNKNOWN in (cpu, memory):
        return
    if cpu is None or memory is None:
        missing = "cpu" if cpu is None else "memory"
        yield f"Fargate requires '{missing}' at the task level; AWS refuses the task definition without it"
        return
    units, mib = _units(cpu, 1024), _units(memory, 1024)
    size = FARGATE_SIZES.get(units)
    windows = str(get(props, "runtimePlatform", "operatingSystemFamily") or "").startswith("WINDOWS")
    if size is None or mib is None or not (size[0] <= mib <= size[1] and (mib - size[0]) % size[2] == 0):
        yield (
            f"cpu {cpu} with memory {memory} is no Fargate task size; AWS refuses it (No Fargate configuration exists "
            "for given values): pick a supported pair, e.g. cpu 256 with 512-2048 MiB, 1024 with 2048-8192 MiB"
        )
    elif windows and units < 1024:
        yield f"cpu {cpu} is below 1 vCPU, which Windows containers on Fargate refuse; set cpu to at least 1024"


# -- Route 53: DNSSEC signing keys and query logs ---------------------------------------------------------------------
KMS_KEYS = frozenset({"aws:kms/key:Key"})
KEY_SIGNING_KEYS = frozenset({"aws:route53/keySigningKey:KeySigningKey"})
QUERY_LOGS = frozenset({"aws:route53/queryLog:QueryLog"})
# Route 53 accepts a key-signing key's KMS key only in us-east-1, asymmetric ECC_NIST_P256, for signing.
DNSSEC_KEY = {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"}
DNSSEC_REGION = "us-east-1"


def _arn_region(value) -> str | None:
    if isinstance(value, str) and value.startswith("arn:") and len(value.split(":")) > 3:
        return value.split(":")[3] or None
    return None


def _dnssec_key(resources, cfg):
    keys: dict[str, object] = {}
    for key in of_types(resources, KMS_KEYS):
        for k in keys_of(key, "arn", "id", "keyId"):
            keys[k] = key
    for ksk in of_types(resources, KEY_SIGNING_KEYS):
        arn = get(ksk.props, "keyManagementServiceArn")
        region = _arn_region(arn)
        if region is not None and region != DNSSEC_REGION:
            yield (
                ksk,
                (
                    f"uses KMS key {arn} of {region}; Route 53 takes DNSSEC keys from {DNSSEC_REGION} only: create the "
                    f"key with a provider for {DNSSEC_REGION}"
                ),
            )
        wanted, _ = refs(ksk, "keyManagementServiceArn")
        for key in {id(keys[k]): keys[k] for k in wanted if k in keys}.values():
            shape = {
                "customerMasterKeySpec": get(key.props, "customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
                "keyUsage": get(key.props, "keyUsage") or "ENCRYPT_DECRYPT",
            }
            if UNKNOWN in shape.values():
                continue
            if shape != DNSSEC_KEY:
                yield (
                    ksk,
                    (
                        f"signs with KMS key {key.name} ({shape['customerMasterKeySpec']}, {shape['keyUsage']}); Route 53 "
                        "refuses any key but an asymmetric ECC_NIST_P256 SIGN_VERIFY one: set customerMasterKeySpec "
                        "ECC_NIST_P256 and keyUsage SIGN_VERIFY on the key"
                    ),
                )


def _depends_on(resource, wanted) -> list:
    """The resources of `resource`'s dependencies, direct or transitive, for which `wanted(r)` holds."""
    found, seen, stack = [], set(), list(resource.dependencies or [])
    while stack:
        r = stack.pop()
        if r.urn in seen:
            continue
        seen.add(r.urn)
        if wanted(r):
            found.append(r)
        stack.extend(r.dependencies or [])
    return found


SIGNING = frozenset({"aws:route53/hostedZoneDnsSec:HostedZoneDnsSec"})
LOG_RESOURCE_POLICIES = frozenset({"aws:cloudwatch/logResourcePolicy:LogResourcePolicy"})


def _signing_after_ksk(resources, cfg):
    """EnableHostedZoneDNSSEC fails (DNSSECNotFound, KeySigningKeyWithActiveStatusNotFound) unless the zone has an
    active KSK: signing must be created after one of its zone's key-signing keys."""
    for signing in of_types(resources, SIGNING):
        if get(signing.props, "signingStatus") == "NOT_SIGNING":
            continue
        zone = get(signing.props, "hostedZoneId")

        def ksk_of_zone(r, zone=zone):
            if r.resource_type not in KEY_SIGNING_KEYS or get(r.props, "status") == "INACTIVE":
                return False
            other = get(r.props, "hostedZoneId")
            return not isinstance(zone, str) or not isinstance(other, str) or other == zone

        if not _depends_on(signing, ksk_of_zone):
            yield (
                signing,
                (
                    "turns DNSSEC signing on without depending on an ACTIVE key-signing key of its zone; Route 53 "
                    "refuses it (DNSSECNotFound, KeySigningKeyWithActiveStatusNotFound): create the KSK first "
                    "(depends_on, or take hostedZoneId from the KSK)"
                ),
            )


def _query_log_after_policy(resources, cfg):
    """CreateQueryLoggingConfig checks that route53.amazonaws.com may write to the log group
    (InsufficientCloudWatchLogsResourcePolicy): the configuration must come after such a resource policy."""

    def admits_route53(r):
        if r.resource_type not in LOG_RESOURCE_POLICIES:
            return False
        document = get(r.props, "policyDocument")
        return not isinstance(document, str) or "route53.amazonaws.com" in document

    for log in of_types(resources, QUERY_LOGS):
        if not _depends_on(log, admits_route53):
            yield (
                log,
                (
                    "configures query logging without depending on a CloudWatch Logs resource policy that admits "
                    "route53.amazonaws.com; Route 53 refuses it (InsufficientCloudWatchLogsResourcePolicy): create the "
                    "policy in us-east-1 first and add it to depends_on"
                ),
            )


def _query_log_region(props, cfg, args):
    arn = get(props, "cloudwatchLogGroupArn")
    region = _arn_region(arn)
    if region is not None and region != DNSSEC_REGION:
        yield (
            f"sends the zone's query logs to a log group in {region}; Route 53 writes public DNS query logs only to "
            f"log groups in {DNSSEC_REGION}: create the log group (and its resource policy) with a {DNSSEC_REGION} "
            "provider"
        )


# -- OpenSearch fine-grained access control: the master user's kind follows the internal user database -------------
def _search_master_user(props, cfg, args):
    security = get(props, "advancedSecurityOptions")
    if not security or security is UNKNOWN or not truthy(get(security, "enabled")):
        return
    internal = get(security, "internalUserDatabaseEnabled")
    master = get(security, "masterUserOptions") or {}
    if internal is UNKNOWN or master is UNKNOWN:
        return
    arn, name = get(master, "masterUserArn"), get(master, "masterUserName")
    if truthy(internal) and arn not in (None, ""):
        yield (
            "names an IAM master (masterUserArn) with the internal user database on; OpenSearch takes masterUserArn "
            "only when internalUserDatabaseEnabled is false: turn the internal users off (an IAM master needs no "
            "password)"
        )
    elif not truthy(internal) and name not in (None, ""):
        yield (
            "names an internal master user (masterUserName) with the internal user database off; OpenSearch takes a "
            "master user name and password only when internalUserDatabaseEnabled is true: use masterUserArn"
        )


_ALB_LOGS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html"
POLICIES = [
    stack_policy(
        "route53-dnssec-key-shape",
        "Checks that every Route 53 key-signing key uses an asymmetric ECC_NIST_P256 SIGN_VERIFY KMS key in "
        "us-east-1, the only key Route 53 accepts for DNSSEC signing.",
        _dnssec_key,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-configuring-dnssec-cmk-requirements.html",
        remediation="Create the key in us-east-1 with customerMasterKeySpec ECC_NIST_P256 and keyUsage SIGN_VERIFY, "
        "and a key policy that lets dnssec-route53.amazonaws.com use it.",
    ),
    resource_policy(
        "opensearch-master-user-matches-user-database",
        "Checks that a search domain's fine-grained access control master is an IAM ARN when the internal user "
        "database is off, and a user name and password only when it is on (OpenSearch refuses the other pairings).",
        SEARCH_DOMAINS,
        _search_master_user,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_MasterUserOptions.html",
        remediation="With an IAM master set internalUserDatabaseEnabled: false and masterUserArn only; with internal "
        "users set masterUserName and masterUserPassword only.",
    ),
    stack_policy(
        "route53-dnssec-signing-after-ksk",
        "Checks that DNSSEC signing of a zone is turned on only after an active key-signing key of that zone exists "
        "(Route 53 refuses it otherwise).",
        _signing_after_ksk,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/Route53/latest/APIReference/API_EnableHostedZoneDNSSEC.html",
        remediation="Create the KeySigningKey first and make HostedZoneDnsSec depend on it (or take its "
        "hostedZoneId from the KSK's output).",
    ),
    stack_policy(
        "route53-query-log-after-resource-policy",
        "Checks that Route 53 query logging is configured after a CloudWatch Logs resource policy that lets "
        "route53.amazonaws.com write the logs (Route 53 refuses it otherwise).",
        _query_log_after_policy,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateQueryLoggingConfig.html",
        remediation="Create the aws.cloudwatch.LogResourcePolicy for route53.amazonaws.com (us-east-1) and add it to "
        "the QueryLog's depends_on.",
    ),
    resource_policy(
        "route53-query-log-group-us-east-1",
        "Checks that Route 53 query logging writes to a log group in us-east-1 (Route 53 accepts no other region).",
        QUERY_LOGS,
        _query_log_region,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateQueryLoggingConfig.html",
        remediation="Create the query log group and the CloudWatch Logs resource policy for route53.amazonaws.com "
        "with a us-east-1 provider.",
    ),
    stack_policy(
        "rds-replica-source-password-not-managed",
        "Checks that no RDS read replica is created from a source whose master password Secrets Manager manages "
        "(AWS refuses it for every engine but SQL Server).",
        _replica_of_managed_password,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html"
        "#rds-secrets-manager-limitations",
        remediation="Give the source a password you manage in Secrets Manager (manageMasterUserPassword off) before "
        "creating replicas; see terraform-aws-modules/terraform-aws-rds#532.",
    ),
    stack_policy(
        "ecs-service-explicit-capacity-strategy",
        "Checks that ECS services in a cluster with a default capacity provider strategy name their own strategy "
        "(or launch type).",
        _implicit_capacity,
        severity="medium",
        level="mandatory",
        url="https://github.com/hashicorp/terraform-provider-aws/issues/44776",
        remediation="Set capacityProviderStrategies on every service (the cluster default's providers and weights).",
    ),
    stack_policy(
        "iam-role-policies-before-use",
        "Checks that every resource using an IAM role depends on that role's policies, which AWS checks when it "
        "creates the resource (Firehose, CloudWatch Logs subscriptions, Lambda...).",
        _role_policies_first,
        severity="medium",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#FirehoseExample",
        remediation="Add ResourceOptions(depends_on=[role_policy, ...]) for every RolePolicy/RolePolicyAttachment of "
        "the role the resource uses.",
    ),
    stack_policy(
        "rds-subnet-group-two-azs",
        "Checks that each DB subnet group covers at least two Availability Zones (AWS refuses fewer).",
        _db_subnet_group_azs,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
        remediation="Put one subnet per AZ, in at least two AZs, in the subnet group.",
    ),
    stack_policy(
        "alb-subnets-distinct-azs",
        "Checks that each Application Load Balancer has subnets in at least two Availability Zones and at most "
        "one per AZ (AWS refuses otherwise).",
        _alb_subnet_azs,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html"
        "#availability-zones",
        remediation="Give the load balancer exactly one subnet in each of at least two AZs.",
    ),
    resource_policy(
        "kms-eventbridge-grant-without-source-conditions",
        "Checks that a key policy letting EventBridge use the key (to deliver to encrypted SNS topics) does not "
        "condition it on aws:SourceAccount or aws:SourceArn, which AWS does not support there.",
        KEY_POLICIES,
        _eventbridge_key_grant,
        severity="high",
        level="mandatory",
        url=_SNS_KEY_DOCS,
        remediation="Move events.amazonaws.com into its own Allow statement (kms:Decrypt, kms:GenerateDataKey*) "
        "without aws:SourceAccount/aws:SourceArn; keep the account scoping in the topic policy.",
    ),
    resource_policy(
        "cloudfront-certificate-us-east-1",
        "Checks that CloudFront distributions use an ACM certificate from us-east-1 (CloudFront accepts no other).",
        CLOUDFRONT,
        _cloudfront_certificate_region,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html",
        remediation="Request the certificate with a provider for us-east-1 and pass its ARN.",
    ),
    resource_policy(
        "rds-backup-replication-destination-key",
        "Checks that replicated RDS automated backups name a KMS key of their destination region (RDS refuses to "
        "replicate an encrypted instance's backups without one, and a key of another region cannot be used).",
        frozenset({"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"}),
        _backup_replication_key,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html",
        remediation="Create the replication with the destination region's provider and that region's KMS key ARN.",
    ),
    resource_policy(
        "waf-acl-scope-matches-target",
        "Checks that CloudFront takes a CLOUDFRONT-scope web ACL and regional resources a REGIONAL one.",
        CLOUDFRONT | WAF_ASSOCIATIONS,
        _waf_scope,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html",
        remediation="Create the distribution's ACL with scope CLOUDFRONT in us-east-1; associate REGIONAL ACLs with "
        "load balancers and APIs.",
    ),
    resource_policy(
        "rds-multi-az-without-availability-zone",
        "Checks that no Multi-AZ RDS instance names an Availability Zone (AWS refuses the combination).",
        RDS_INSTANCES,
        _multi_az_with_zone,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        remediation="Leave availabilityZone unset on Multi-AZ instances; RDS places the primary and the standby.",
    ),
    resource_policy(
        "ecs-fargate-task-size",
        "Checks that Fargate task definitions set a task-level cpu and memory pair Fargate offers.",
        TASK_DEFINITIONS,
        _fargate_task_size,
        severity="high",
        level="mandatory",
        url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
        remediation="Set cpu and memory at the task level to a pair from the Fargate table (memory in MiB).",
    ),
    stack_policy(
        "lb-access-logs-bucket-sse-s3",
        "Checks that load balancers write access logs to a bucket encrypted with SSE-S3, the only encryption "
        "Elastic Load Balancing writes with.",
        _access_log_bucket_sse,
        severity="high",
        level="mandatory",
        url=_ALB_LOGS,
        remediation="Give the access-log bucket sseAlgorithm AES256 (and allow it in s3-bucket-kms-encryption's "
        "sseS3AllowedBuckets).",
    ),
]
