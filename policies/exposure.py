"""Exposure: what the internet can reach, and what a leaked credential could do."""

from __future__ import annotations

import re

from factories import resource_policy, stack_policy
from properties import UNKNOWN, as_json, get, items, policy_statements, truthy
from relations import bucket_keys, index_by_target, keys_of, of_types, refs, related
from resource_types import (
    ADMIN_ATTACHMENT_TYPES,
    BUCKET_PUBLIC_ACCESS,
    BUCKETS,
    CLASSIC_LBS,
    CLOUDFRONT,
    CLUSTER_INSTANCES,
    EC2_INSTANCES,
    ECR_REPOSITORIES,
    ECS_SERVICES,
    EGRESS_RULES,
    IAM_POLICY_TYPES,
    INGRESS_RULES,
    LAUNCH_TEMPLATES,
    LEGACY_RULES,
    LOAD_BALANCERS,
    RDS_ALL,
    ROLE_INLINE_POLICIES,
    ROLE_POLICY_ATTACHMENTS,
    ROLES,
    SECURITY_GROUPS,
    SUBNETS,
    TASK_DEFINITIONS,
    WAF_ASSOCIATIONS,
)

WORLD = ("0.0.0.0/0", "::/0")


def _world_ingress(resources):
    """(rule resource, what its security group is known by, whether that group is unrelatable, from, to,
    protocol) for every ingress open to the internet, however declared."""
    for r in resources:
        if r.resource_type in INGRESS_RULES:
            if get(r.props, "cidrIpv4") in WORLD or get(r.props, "cidrIpv6") in WORLD:
                keys, unknown = refs(r, "securityGroupId")
                yield (
                    r,
                    keys,
                    unknown,
                    get(r.props, "fromPort"),
                    get(r.props, "toPort"),
                    get(r.props, "ipProtocol"),
                )
        elif r.resource_type in LEGACY_RULES and get(r.props, "type") == "ingress":
            cidrs = items(get(r.props, "cidrBlocks")) + items(get(r.props, "ipv6CidrBlocks"))
            if any(c in WORLD for c in cidrs):
                keys, unknown = refs(r, "securityGroupId")
                yield (
                    r,
                    keys,
                    unknown,
                    get(r.props, "fromPort"),
                    get(r.props, "toPort"),
                    get(r.props, "protocol"),
                )
        elif r.resource_type in SECURITY_GROUPS:
            for rule in items(get(r.props, "ingress")):
                cidrs = items(get(rule, "cidrBlocks")) + items(get(rule, "ipv6CidrBlocks"))
                if any(c in WORLD for c in cidrs):
                    yield (
                        r,
                        keys_of(r, "id"),
                        False,
                        get(rule, "fromPort"),
                        get(rule, "toPort"),
                        get(rule, "protocol"),
                    )


def _security_groups_public_ingress(resources, cfg):
    # The groups internet-facing load balancers use, by id or (on a first preview) by the URN their
    # securityGroups property depends on; a load balancer that may be internet-facing counts.
    lb_groups: set = set()
    lb_groups_unknown = False
    for lb in of_types(resources, LOAD_BALANCERS):
        if get(lb.props, "internal") is True:
            continue
        keys, unknown = refs(lb, "securityGroups")
        lb_groups |= keys
        lb_groups_unknown |= unknown
    allowed = set(cfg["allowedPorts"])
    for rule, group, group_unknown, lo, hi, proto in _world_ingress(resources):
        if UNKNOWN in (lo, hi, proto):
            continue  # which ports is not known yet
        ports = (
            "all ports" if str(proto) in ("-1", "all") else (f"port {lo}" if lo == hi else f"ports {lo}-{hi}")
        )
        if str(proto) in ("-1", "all") or lo != hi or lo not in allowed:
            # A defect whichever group the rule belongs to: judged even when the group is unknown.
            yield (
                rule,
                f"opens {ports} to the internet; allow only {sorted(allowed)} on a load balancer's group",
            )
        elif not (group & lb_groups) and not group_unknown and not lb_groups_unknown:
            yield (
                rule,
                (
                    f"opens {ports} to the internet on a group no internet-facing load balancer uses; "
                    "reference the load balancer's security group instead of 0.0.0.0/0"
                ),
            )


def _rds_private(props, cfg, args):
    if truthy(get(props, "publiclyAccessible")):
        yield "is publicly accessible; set publiclyAccessible: false and keep it in private subnets"


def _bucket_public_access_block(resources, cfg):
    index, unknown = index_by_target(resources, BUCKET_PUBLIC_ACCESS, "bucket")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket in of_types(resources, BUCKETS):
        found = related(index, bucket_keys(bucket))
        if unknown and not found:
            continue
        if not found:
            yield (
                bucket,
                "has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings true",
            )
            continue
        values = {f: get(found[0].props, f) for f in flags}
        off = [f for f, v in values.items() if v is not UNKNOWN and not truthy(v)]
        if off:
            yield bucket, f"its public access block leaves {', '.join(off)} off; set all four to true"


def _ecr_scanning(props, cfg, args):
    scan = get(props, "imageScanningConfiguration", "scanOnPush")
    if scan is not UNKNOWN and not truthy(scan):
        yield "images are not scanned on push; set imageScanningConfiguration.scanOnPush: true"
    mutability = get(props, "imageTagMutability", default="MUTABLE")
    if mutability is not UNKNOWN and not str(mutability).startswith("IMMUTABLE"):
        yield "image tags are mutable (a tag can be repointed); set imageTagMutability: IMMUTABLE"


def _ecs_no_public_ip(props, cfg, args):
    if truthy(get(props, "networkConfiguration", "assignPublicIp")):
        yield "tasks get public IP addresses; set networkConfiguration.assignPublicIp: false (private subnets + NAT)"


def _containers(props):
    defs = as_json(get(props, "containerDefinitions"))
    return defs if isinstance(defs, list) else []


def _no_privileged(props, cfg, args):
    for c in _containers(props):
        if c.get("privileged") is True:
            yield f"container {c.get('name')} is privileged; remove privileged: true"


def _no_secrets_in_environment(props, cfg, args):
    pattern = re.compile(cfg["secretNamePattern"], re.I)
    for c in _containers(props):
        for env in c.get("environment") or []:
            name = str(env.get("name", ""))
            if pattern.search(name) and name not in cfg["allowedNames"]:
                yield (
                    f"container {c.get('name')} passes {name} in environment (visible to anyone who can read the "
                    "task definition); pass it through secrets with valueFrom an SSM SecureString or secret ARN"
                )


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _iam_admin(props, cfg, args):
    documents = []
    if args.resource_type == "aws:iam/role:Role":
        documents += [as_json(get(p, "policy")) for p in items(get(props, "inlinePolicies"))]
    else:
        documents.append(as_json(get(props, "policy")))
    for doc in documents:
        for st in policy_statements(doc):
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            resources = _as_list(st.get("Resource", []))
            everywhere = "*" in resources or "NotResource" in st
            if not everywhere:
                continue
            if any(a in ("*", "*:*") for a in _as_list(st.get("Action", []))):
                yield 'grants Action "*" on Resource "*" (full admin); list the actions and resources it needs'
            elif "NotAction" in st:
                # Allow + NotAction grants every action of every service except the few listed.
                excluded = ", ".join(map(str, _as_list(st["NotAction"]))) or "nothing"
                yield (
                    f"allows every action except {excluded} (Allow with NotAction) on every resource; "
                    "list the actions it needs in Action instead"
                )


def _waf_everywhere(resources, cfg):
    protected: set = set()
    unrelated = False  # an association whose load balancer is unknown might protect any of them
    for a in of_types(resources, WAF_ASSOCIATIONS):
        keys, unknown = refs(a, "resourceArn")
        protected |= keys
        unrelated |= unknown
    for lb in of_types(resources, LOAD_BALANCERS):
        internal, kind = get(lb.props, "internal"), get(lb.props, "loadBalancerType", default="application")
        if internal not in (False, None) or kind != "application":
            continue  # internal, not known yet to be internet-facing (unknown), or not an ALB
        if keys_of(lb, "arn", "id") & protected or unrelated:
            continue
        yield lb, "is internet-facing with no WAF web ACL; associate one (aws.wafv2.WebAclAssociation)"
    for dist in of_types(resources, CLOUDFRONT):
        acl = get(dist.props, "webAclId")
        if acl is not UNKNOWN and not acl:
            yield (
                dist,
                "has no WAF web ACL; set webAclId to a CLOUDFRONT-scope web ACL ARN (created in us-east-1)",
            )


def _lb_deletion_protection(props, cfg, args):
    value = get(props, "enableDeletionProtection")
    if value is not UNKNOWN and not truthy(value):
        yield "can be deleted by one API call; set enableDeletionProtection: true"


def _lb_access_logs(props, cfg, args):
    logs = get(props, "accessLogs")
    if logs is UNKNOWN:
        return
    enabled = get(logs, "enabled", default=True) if logs else False
    if enabled is UNKNOWN:
        return  # whether logging is on is not known yet
    if not truthy(enabled) or not get(logs, "bucket"):
        yield "writes no access logs; set accessLogs {bucket, enabled: true}"


def _lb_drop_invalid_headers(props, cfg, args):
    if get(props, "loadBalancerType", default="application") != "application":
        return
    value = get(props, "dropInvalidHeaderFields")
    if value is not UNKNOWN and not truthy(value):
        yield "forwards invalid HTTP headers (request smuggling); set dropInvalidHeaderFields: true"


def _sg_rules_in_one_place(resources, cfg):
    separate = INGRESS_RULES | LEGACY_RULES | EGRESS_RULES
    index, _ = index_by_target(resources, separate, "securityGroupId")
    for sg in of_types(resources, SECURITY_GROUPS):
        inline = items(get(sg.props, "ingress")) + items(get(sg.props, "egress"))
        if not inline:
            continue
        rules = related(index, {sg.urn, *[v for v in (get(sg.props, "id"),) if isinstance(v, str)]})
        if rules:
            yield (
                sg,
                (
                    f"has inline rules and {len(rules)} separate rule resource(s) ({rules[0].name}, …); they overwrite "
                    "each other on every update: keep the rules in aws.vpc.SecurityGroupIngressRule/EgressRule only"
                ),
            )


def _role_policies_in_one_place(resources, cfg):
    inline_index, _ = index_by_target(resources, ROLE_INLINE_POLICIES, "role")
    attach_index, _ = index_by_target(resources, ROLE_POLICY_ATTACHMENTS, "role")
    for role in of_types(resources, ROLES):
        keys = {
            role.urn,
            *[v for v in (get(role.props, "name"), get(role.props, "id")) if isinstance(v, str)],
        }
        if items(get(role.props, "inlinePolicies")) and related(inline_index, keys):
            yield (
                role,
                (
                    "declares inlinePolicies and also has aws.iam.RolePolicy resources; keep inline policies in one place"
                ),
            )
        if items(get(role.props, "managedPolicyArns")) and related(attach_index, keys):
            yield (
                role,
                (
                    "declares managedPolicyArns and also has aws.iam.RolePolicyAttachment resources; keep attachments in "
                    "one place"
                ),
            )


def _public_ips(resources, cfg):
    # An instance that says nothing about a public IP gets one when its subnet maps public IPs on launch.
    mapping = {}
    for subnet in of_types(resources, SUBNETS):
        for key in keys_of(subnet, "id", "arn"):
            mapping[key] = get(subnet.props, "mapPublicIpOnLaunch")
    for r in of_types(resources, EC2_INSTANCES):
        explicit = get(r.props, "associatePublicIpAddress")
        if explicit is UNKNOWN:
            continue
        if truthy(explicit):
            yield (
                r,
                "gets a public IP address; set associatePublicIpAddress: false and reach it through a load balancer or SSM",
            )
        elif explicit is None:
            keys, _ = refs(r, "subnetId")
            if any(truthy(mapping.get(k)) for k in keys):
                yield (
                    r,
                    "gets a public IP address from its subnet (mapPublicIpOnLaunch); set associatePublicIpAddress: "
                    "false or place it in a private subnet",
                )
    for r in of_types(resources, LAUNCH_TEMPLATES):
        for nic in items(get(r.props, "networkInterfaces")):
            if truthy(get(nic, "associatePublicIpAddress")):
                yield (
                    r,
                    'its network interfaces get public IP addresses; set associatePublicIpAddress: "false"',
                )
                break


def _imdsv2(props, cfg, args):
    options = get(props, "metadataOptions")
    if options is UNKNOWN:
        return
    endpoint, tokens = get(options, "httpEndpoint"), get(options, "httpTokens")
    if endpoint == "disabled" or UNKNOWN in (endpoint, tokens):
        return
    if tokens != "required":
        yield (
            f"instance metadata accepts IMDSv1 (httpTokens {tokens or 'optional by default'}); set "
            "metadataOptions.httpTokens: required"
        )


ADMIN_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")


def _admin_attachments(props, cfg, args):
    if args.resource_type == "aws:iam/role:Role":
        arns = items(get(props, "managedPolicyArns"))
    elif args.resource_type.endswith("AttachmentsExclusive"):
        arns = items(get(props, "policyArns"))
    else:
        arns = [get(props, "policyArn")]
    for arn in arns:
        if isinstance(arn, str) and ADMIN_POLICY.match(arn):
            yield (
                "attaches the AWS-managed AdministratorAccess policy (every action on every resource); attach a "
                "policy that lists the actions and resources this principal needs"
            )


SECRET_ENV = {
    "secretNamePattern": {
        "type": "string",
        "format": "regex",
        "default": r"(PASS(WORD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)",
    },
    "allowedNames": {"type": "array", "items": {"type": "string"}, "default": []},
}

POLICIES = [
    stack_policy(
        "security-group-no-public-ingress",
        "Checks that no security group rule is open to 0.0.0.0/0 or ::/0 except "
        "allowed ports on internet-facing load balancers (EC2.18, EC2.19).",
        _security_groups_public_ingress,
        control="EC2.18",
        severity="high",
        level="mandatory",
        config={
            "allowedPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [80, 443],
            }
        },
        remediation="Reference the source security group (referencedSecurityGroupId) instead of a world CIDR.",
    ),
    resource_policy(
        "rds-not-publicly-accessible",
        "Checks that RDS instances and clusters are not publicly accessible (RDS.2).",
        RDS_ALL | CLUSTER_INSTANCES,
        _rds_private,
        control="RDS.2",
        severity="critical",
        level="mandatory",
        remediation="Set publiclyAccessible: false.",
    ),
    stack_policy(
        "s3-bucket-public-access-block",
        "Checks that every bucket blocks public access with all four settings (S3.8).",
        _bucket_public_access_block,
        control="S3.8",
        severity="high",
        level="mandatory",
        remediation="Add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
        "restrictPublicBuckets true.",
    ),
    resource_policy(
        "ecr-scan-on-push-immutable-tags",
        "Checks that ECR repositories scan images on push and keep tags immutable (ECR.1, ECR.2).",
        ECR_REPOSITORIES,
        _ecr_scanning,
        control="ECR.1",
        severity="medium",
        level="mandatory",
        remediation="Set imageScanningConfiguration.scanOnPush and imageTagMutability IMMUTABLE.",
    ),
    resource_policy(
        "ecs-no-public-ip",
        "Checks that ECS services do not give tasks public IP addresses (ECS.2).",
        ECS_SERVICES,
        _ecs_no_public_ip,
        control="ECS.2",
        severity="high",
        level="mandatory",
        remediation="Set networkConfiguration.assignPublicIp: false.",
    ),
    resource_policy(
        "ecs-no-privileged-containers",
        "Checks that task definitions run no privileged container (ECS.4).",
        TASK_DEFINITIONS,
        _no_privileged,
        control="ECS.4",
        severity="high",
        level="mandatory",
        remediation="Remove privileged: true from the container definition.",
    ),
    resource_policy(
        "ecs-no-secrets-in-environment",
        "Checks that container definitions pass no secret-looking variable in environment (ECS.8).",
        TASK_DEFINITIONS,
        _no_secrets_in_environment,
        control="ECS.8",
        severity="high",
        level="mandatory",
        config=SECRET_ENV,
        remediation="Move the variable to secrets with valueFrom an SSM SecureString or Secrets Manager ARN.",
    ),
    resource_policy(
        "iam-no-admin-statements",
        'Checks that no IAM policy allows Action "*" on Resource "*" (IAM.1).',
        IAM_POLICY_TYPES,
        _iam_admin,
        control="IAM.1",
        severity="high",
        level="mandatory",
        remediation="Grant only the actions and resources the principal needs.",
    ),
    resource_policy(
        "iam-no-administrator-access",
        "Checks that no role, user or group is given the AWS-managed AdministratorAccess policy, by attachment "
        "or a role's managedPolicyArns.",
        ADMIN_ATTACHMENT_TYPES,
        _admin_attachments,
        severity="high",
        level="mandatory",
        remediation="Replace AdministratorAccess with a policy listing the actions and resources the principal needs.",
    ),
    stack_policy(
        "ec2-no-public-ip",
        "Checks that EC2 instances and launch templates give no public IP address, explicitly or through their "
        "subnet (EC2.9, EC2.25).",
        _public_ips,
        control="EC2.9",
        severity="high",
        level="mandatory",
        remediation="Set associatePublicIpAddress: false and use private subnets behind a load balancer or SSM.",
    ),
    resource_policy(
        "ec2-imdsv2-required",
        "Checks that EC2 instances and launch templates require IMDSv2 (EC2.8, EC2.170).",
        EC2_INSTANCES | LAUNCH_TEMPLATES,
        _imdsv2,
        control="EC2.8",
        severity="high",
        level="mandatory",
        remediation="Set metadataOptions {httpTokens: required} (or httpEndpoint: disabled).",
    ),
    stack_policy(
        "waf-on-public-endpoints",
        "Checks that every internet-facing ALB and CloudFront distribution has a WAF web "
        "ACL (ELB.16, CloudFront.6).",
        _waf_everywhere,
        control="ELB.16",
        severity="high",
        level="mandatory",
        remediation="Associate a REGIONAL web ACL with each public ALB and set webAclId on each distribution.",
    ),
    stack_policy(
        "security-group-rules-in-one-place",
        "Checks that no security group has both inline rules and separate rule "
        "resources (AWSGuard's rule: they overwrite each other).",
        _sg_rules_in_one_place,
        severity="medium",
        level="mandatory",
        remediation="Remove the inline ingress/egress blocks and keep one aws.vpc.SecurityGroup*Rule per rule.",
    ),
    stack_policy(
        "iam-role-policies-in-one-place",
        "Checks that no IAM role manages its policies both inline and through separate policy resources.",
        _role_policies_in_one_place,
        severity="medium",
        level="mandatory",
        remediation="Use either inlinePolicies/managedPolicyArns on the role or RolePolicy/RolePolicyAttachment "
        "resources, not both.",
    ),
    resource_policy(
        "lb-deletion-protection",
        "Checks that load balancers have deletion protection (ELB.6).",
        LOAD_BALANCERS,
        _lb_deletion_protection,
        control="ELB.6",
        severity="medium",
        level="advisory",
        remediation="Set enableDeletionProtection: true.",
    ),
    resource_policy(
        "lb-access-logs",
        "Checks that Application, Network and Classic Load Balancers write access logs (ELB.5).",
        LOAD_BALANCERS | CLASSIC_LBS,
        _lb_access_logs,
        control="ELB.5",
        severity="medium",
        level="mandatory",
        remediation="Set accessLogs {bucket, enabled: true} to an SSE-S3 bucket ELB may write to.",
    ),
    resource_policy(
        "lb-drop-invalid-headers",
        "Checks that application load balancers drop invalid HTTP headers (ELB.4).",
        LOAD_BALANCERS,
        _lb_drop_invalid_headers,
        control="ELB.4",
        severity="medium",
        level="mandatory",
        remediation="Set dropInvalidHeaderFields: true.",
    ),
]
