"""TLS 1.2 or newer on every hop: load balancers, CloudFront, buckets, OpenSearch, MySQL."""

from __future__ import annotations

from factories import resource_policy, stack_policy
from properties import UNKNOWN, as_json, get, items, truthy
from relations import bucket_keys, index_by_target, keys_of, of_types, refs, related
from resource_types import (
    BUCKET_POLICIES,
    BUCKETS,
    CLASSIC_LB_POLICIES,
    CLASSIC_LBS,
    CLASSIC_LISTENER_POLICIES,
    CLASSIC_SSL_POLICIES,
    CLOUDFRONT,
    LISTENER_RULES,
    LISTENERS,
    RDS_PARAMETER_GROUPS,
    SEARCH_DOMAINS,
)

# Elastic Load Balancing's predefined policies that refuse TLS 1.0 and 1.1 (ELB user guide, "Security policies
# for your Application Load Balancer", 2026): the TLS 1.3 family, FIPS, hybrid post-quantum (PQ, the console's
# default ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09) and FIPS post-quantum, the RFC 9151 (CNSA) FIPS ones and the
# older TLS 1.2-only ones. Everything else (2016-08, TLS13-1-0/1-1, FS-2018-06...) still offers TLS 1.0 or 1.1.
# Each TLS 1.3 release comes in the same variants (1-2 floor, restricted, extended ciphers, 1-3 only); the FIPS
# releases add Ext0. Written as releases x variants so that a list a reader can check against the guide stays
# short; tests/policies/test_adversarial.py holds the guide's list written out, and a pack list that differs
# from it fails there.
_TLS13_VARIANTS = ("1-2", "1-2-Res", "1-2-Ext1", "1-2-Ext2", "1-3")
_TLS13_FIPS_VARIANTS = ("1-2", "1-2-Res", "1-2-Ext0", "1-2-Ext1", "1-2-Ext2", "1-3")
_TLS13_RELEASES = {
    "PQ-2025-09": _TLS13_VARIANTS,
    "FIPS-PQ-2025-09": _TLS13_FIPS_VARIANTS,
    "2021-06": _TLS13_VARIANTS,
    "FIPS-2023-04": _TLS13_FIPS_VARIANTS,
    # RFC 9151 (CNSA suite): FIPS only, with four interoperability variants.
    "FIPS-2023-07": (
        "1-2-RFC9151",
        "1-2-Ext0-RFC9151",
        *(f"1-2-RFC9151-INTEROP{n}" for n in range(1, 5)),
        "1-3-RFC9151",
    ),
}
TLS12_LB_POLICIES = [
    f"ELBSecurityPolicy-TLS13-{variant}-{release}"
    for release, variants in _TLS13_RELEASES.items()
    for variant in variants
] + [
    # The TLS 1.2-only policies from before TLS 1.3.
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]
# The predefined Classic Load Balancer policy without TLS 1.0/1.1 (Security Hub ELB.8 asks for it by name).
TLS12_CLASSIC_POLICIES = ["ELBSecurityPolicy-TLS-1-2-2017-01"]
# CloudFront viewer policies with TLS 1.2 as the floor (CloudFront developer guide, supported protocols).
TLS12_CLOUDFRONT = ["TLSv1.2_2021", "TLSv1.2_2019", "TLSv1.2_2018", "TLSv1.2_2025", "TLSv1.3_2025"]
TLS12_OPENSEARCH = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"]


def _listener_tls(props, cfg, args):
    protocol = get(props, "protocol")
    if protocol in ("HTTPS", "TLS"):
        policy = get(props, "sslPolicy")
        if policy is UNKNOWN:
            return
        if policy not in cfg["allowedPolicies"]:
            yield (
                f"{protocol} listener uses ssl policy {policy or '(default, TLS 1.0+)'}; set sslPolicy to one of "
                + ", ".join(cfg["allowedPolicies"][:3])
                + " …"
            )


def _listener_protocol(props):
    """A listener's protocol as AWS applies it: omitted on a listener with a port means HTTP (the ALB default);
    a Gateway Load Balancer listener has neither."""
    protocol = get(props, "protocol")
    if protocol is None and get(props, "port") is not None:
        return "HTTP"
    return protocol


def _http_redirects(props, cfg, args):
    if _listener_protocol(props) != "HTTP":
        return
    actions = get(props, "defaultActions")
    if actions is UNKNOWN:
        return  # what the listener does is not known yet
    actions = items(actions)
    for action in actions:
        if action is UNKNOWN:
            return
        kind, proto = get(action, "type"), get(action, "redirect", "protocol")
        if kind is UNKNOWN or proto is UNKNOWN:
            return
        if kind != "redirect" or proto != "HTTPS":
            yield f"HTTP listener {kind}s traffic in clear; make its only default action a redirect to HTTPS (HTTP_301)"
            return
    if not actions:
        yield "HTTP listener has no redirect; make its default action a redirect to HTTPS"


def _clear_text_action(action) -> str | None:
    """What an action on an HTTP listener does in clear: forward (or authenticate then forward), or a redirect
    that keeps HTTP ("#{protocol}" is the default); None for a redirect to HTTPS or a fixed response."""
    kind = get(action, "type")
    if kind in ("forward", "authenticate-oidc", "authenticate-cognito"):
        return kind
    if kind == "redirect" and get(action, "redirect", "protocol") not in ("HTTPS", UNKNOWN):
        return "redirect to HTTP"
    return None


def _http_rules(resources, cfg):
    http = {}
    for listener in of_types(resources, LISTENERS):
        if _listener_protocol(listener.props) == "HTTP":
            for key in keys_of(listener, "arn", "id"):
                http[key] = listener
    for rule in of_types(resources, LISTENER_RULES):
        keys, _ = refs(rule, "listenerArn")
        listener = next((http[k] for k in keys if k in http), None)
        if listener is None:
            continue
        for action in items(get(rule.props, "actions")):
            what = _clear_text_action(action)
            if what:
                yield (
                    rule,
                    f"{what}s in clear on HTTP listener {listener.name}; put this rule on the HTTPS listener and "
                    "keep the HTTP listener a redirect to HTTPS",
                )
                break


def _classic_listeners(props, cfg, args):
    for listener in items(get(props, "listeners")):
        protocol = get(listener, "lbProtocol")
        if protocol is UNKNOWN:
            continue
        if str(protocol).upper() not in ("HTTPS", "SSL"):
            yield (
                f"listener on port {get(listener, 'lbPort')} takes {protocol} in clear; use lbProtocol HTTPS (or SSL) "
                "with an sslCertificateId"
            )


def _reference_policy(attributes) -> object:
    """The predefined policy an SSLNegotiationPolicyType policy refers to (Reference-Security-Policy), if any."""
    for a in items(attributes):
        if get(a, "name") == "Reference-Security-Policy":
            return get(a, "value")
    return None


def _classic_tls(resources, cfg):
    allowed = set(cfg["allowedPolicies"])
    # Which predefined policy each (load balancer, policy name) refers to, from LoadBalancerPolicy resources.
    named: dict[tuple[str, str], object] = {}
    untraceable = False  # a policy whose load balancer is unknown might belong to any of them
    for p in of_types(resources, CLASSIC_LB_POLICIES):
        if get(p.props, "policyTypeName") not in ("SSLNegotiationPolicyType", UNKNOWN):
            continue
        lbs, unknown = refs(p, "loadBalancerName")
        untraceable |= unknown
        for lb in lbs:
            named[(lb, get(p.props, "policyName"))] = _reference_policy(get(p.props, "policyAttributes"))
    # What each (load balancer, port) negotiates: ListenerPolicy names, or an SslNegotiationPolicy on that port.
    by_port: dict[tuple[str, object], list] = {}
    for lp in of_types(resources, CLASSIC_LISTENER_POLICIES):
        lbs, unknown = refs(lp, "loadBalancerName")
        untraceable |= unknown
        names = items(get(lp.props, "policyNames"))
        for lb in lbs:
            values = [UNKNOWN if n is UNKNOWN else named.get((lb, n), UNKNOWN) for n in names]
            by_port.setdefault((lb, get(lp.props, "loadBalancerPort")), []).extend(values or [None])
    for sp in of_types(resources, CLASSIC_SSL_POLICIES):
        lbs, unknown = refs(sp, "loadBalancer")
        untraceable |= unknown
        for lb in lbs:
            by_port.setdefault((lb, get(sp.props, "lbPort")), []).append(
                _reference_policy(get(sp.props, "attributes"))
            )
    for lb in of_types(resources, CLASSIC_LBS):
        keys = keys_of(lb, "name", "id", "arn")
        for listener in items(get(lb.props, "listeners")):
            protocol, port = get(listener, "lbProtocol"), get(listener, "lbPort")
            if str(protocol).upper() not in ("HTTPS", "SSL"):
                continue
            policies = [v for k in keys for v in by_port.get((k, port), [])]
            if UNKNOWN in policies or port is UNKNOWN or (untraceable and not policies):
                continue
            if not any(p in allowed for p in policies):
                seen = (
                    ", ".join(str(p) for p in policies if p)
                    or "none (the default ELBSecurityPolicy-2016-08, TLS 1.0+)"
                )
                yield (
                    lb,
                    f"listener on port {port} negotiates with {seen}; attach an SSLNegotiationPolicyType policy whose "
                    f"Reference-Security-Policy is {sorted(allowed)[0]} through aws.elb.ListenerPolicy",
                )


def _behaviours(props):
    return [b for b in [get(props, "defaultCacheBehavior"), *items(get(props, "orderedCacheBehaviors"))] if b]


def _viewer_https(props, cfg, args):
    for b in _behaviours(props):
        policy = get(b, "viewerProtocolPolicy")
        if policy == "allow-all":
            path = get(b, "pathPattern", default="default")
            yield f"behaviour {path} allows HTTP; set viewerProtocolPolicy to redirect-to-https or https-only"


def _viewer_tls(props, cfg, args):
    cert = get(props, "viewerCertificate")
    if cert is UNKNOWN:
        return
    if truthy(get(cert, "cloudfrontDefaultCertificate")):
        yield "uses the default *.cloudfront.net certificate (TLSv1 floor); attach an ACM certificate from us-east-1"
        return
    # sslSupportMethod (sni-only, vip, static-ip) says how certificates are served, not which TLS versions are:
    # a vip distribution with a TLS 1.2 floor is as strict as an SNI one (it only costs more).
    version = get(cert, "minimumProtocolVersion")
    if version is not UNKNOWN and version not in cfg["allowedVersions"]:
        yield f"minimumProtocolVersion is {version}; set it to {cfg['allowedVersions'][0]}"


def _origin_tls(props, cfg, args):
    for origin in items(get(props, "origins")):
        custom = get(origin, "customOriginConfig")
        if not custom or custom is UNKNOWN:
            continue
        oid = get(origin, "originId", default="?")
        if get(custom, "originProtocolPolicy") not in ("https-only", UNKNOWN):
            yield f"origin {oid} is reached over HTTP; set customOriginConfig.originProtocolPolicy: https-only"
        protocols = items(get(custom, "originSslProtocols"))
        weak = sorted({p for p in protocols if p in ("SSLv3", "TLSv1", "TLSv1.1")})
        if weak:
            yield f"origin {oid} allows {', '.join(weak)}; set originSslProtocols: [TLSv1.2]"


def _listish(value):
    """An IAM policy element that may be a string or a list of strings, as a list."""
    if value is None or value is UNKNOWN:
        return []
    return [value] if isinstance(value, (str, bool)) else items(value)


def _everyone(principal) -> bool:
    """Principal "*", {"AWS": "*"} or {"AWS": ["*"]}: IAM reads the three the same way."""
    if principal == "*":
        return True
    return "*" in _listish(get(principal, "AWS")) if hasattr(principal, "get") else False


def _insecure_transport_condition(condition) -> bool:
    """Condition {"Bool"|"BoolIfExists": {"aws:SecureTransport": "false" | ["false"]}} (keys case-insensitive)."""
    if not hasattr(condition, "items"):
        return False
    for operator, block in dict(condition).items():
        if str(operator).lower() not in ("bool", "boolifexists") or not hasattr(block, "items"):
            continue
        for key, value in dict(block).items():
            if str(key).lower() == "aws:securetransport" and any(
                str(v).lower() == "false" for v in _listish(value)
            ):
                return True
    return False


def _denies_insecure_transport(document) -> bool:
    statements = get(document, "Statement") if hasattr(document, "get") else None
    for st in [statements] if hasattr(statements, "keys") else items(statements):
        if get(st, "Effect") != "Deny" or not _everyone(get(st, "Principal")):
            continue
        actions = {str(a).lower() for a in _listish(get(st, "Action"))}
        if actions & {"s3:*", "*"} and _insecure_transport_condition(get(st, "Condition")):
            return True
    return False


def _bucket_tls_policy(resources, cfg):
    index, unknown = index_by_target(resources, BUCKET_POLICIES, "bucket")
    for bucket in of_types(resources, BUCKETS):
        documents = [as_json(get(p.props, "policy")) for p in related(index, bucket_keys(bucket))]
        inline = as_json(get(bucket.props, "policy"))
        if inline:
            documents.append(inline)
        if UNKNOWN in documents or (unknown and not documents):
            continue
        if not any(_denies_insecure_transport(d) for d in documents):
            yield (
                bucket,
                (
                    "no bucket policy denies requests without TLS; add a BucketPolicy statement Deny s3:* for Principal * "
                    'with Condition {"Bool": {"aws:SecureTransport": "false"}} on the bucket and its objects'
                ),
            )


def _search_tls(props, cfg, args):
    opts = get(props, "domainEndpointOptions")
    if opts is UNKNOWN:
        return
    enforce, policy = get(opts, "enforceHttps"), get(opts, "tlsSecurityPolicy")
    if enforce is not UNKNOWN and not truthy(enforce):
        yield "HTTPS is not enforced; set domainEndpointOptions.enforceHttps: true"
    if policy is not UNKNOWN and policy not in cfg["allowedPolicies"]:
        yield f"TLS policy is {policy or 'the default (TLS 1.0+)'}; set tlsSecurityPolicy to {cfg['allowedPolicies'][-1]}"


def _mysql_secure_transport(props, cfg, args):
    family = get(props, "family")
    if family is UNKNOWN or not str(family).startswith(("mysql", "aurora-mysql")):
        return
    parameters = get(props, "parameters")
    if parameters is UNKNOWN:
        return
    values = {get(p, "name"): get(p, "value") for p in items(parameters)}
    setting = values.get("require_secure_transport")
    if setting is UNKNOWN or (UNKNOWN in values and setting is None):
        return  # the parameter, or one whose name is unknown, may set it
    if str(setting).lower() not in ("1", "on", "true"):
        yield "MySQL accepts unencrypted connections; set parameter require_secure_transport = 1 (ON)"


POLICIES = [
    resource_policy(
        "lb-listener-tls12",
        "Checks that HTTPS/TLS listeners use a TLS 1.2+ security policy (ELB.17).",
        LISTENERS,
        _listener_tls,
        control="ELB.17",
        severity="high",
        level="mandatory",
        config={
            "allowedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "default": TLS12_LB_POLICIES,
            }
        },
        remediation="Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another allowed policy).",
    ),
    resource_policy(
        "lb-http-redirects-to-https",
        "Checks that HTTP listeners only redirect to HTTPS (ELB.1).",
        LISTENERS,
        _http_redirects,
        control="ELB.1",
        severity="medium",
        level="mandatory",
        remediation="Make the HTTP listener's default action a redirect to HTTPS on 443 with HTTP_301.",
    ),
    stack_policy(
        "lb-http-listener-rules-redirect",
        "Checks that no listener rule on an HTTP listener forwards traffic in clear (ELB.1).",
        _http_rules,
        control="ELB.1",
        severity="medium",
        level="mandatory",
        remediation="Attach forwarding rules to the HTTPS listener; the HTTP listener only redirects to HTTPS.",
    ),
    resource_policy(
        "elb-classic-https-listeners",
        "Checks that Classic Load Balancer listeners terminate HTTPS or TLS (ELB.3).",
        CLASSIC_LBS,
        _classic_listeners,
        control="ELB.3",
        severity="medium",
        level="mandatory",
        remediation="Set each listener's lbProtocol to HTTPS (or SSL) with an sslCertificateId from ACM.",
    ),
    stack_policy(
        "elb-classic-tls12-policy",
        "Checks that Classic Load Balancer HTTPS/SSL listeners negotiate with a TLS 1.2 predefined policy (ELB.8).",
        _classic_tls,
        control="ELB.8",
        severity="high",
        level="mandatory",
        config={
            "allowedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "default": TLS12_CLASSIC_POLICIES,
            }
        },
        remediation="Create an aws.elb.LoadBalancerPolicy of type SSLNegotiationPolicyType with "
        "Reference-Security-Policy ELBSecurityPolicy-TLS-1-2-2017-01 and attach it with aws.elb.ListenerPolicy.",
    ),
    resource_policy(
        "cloudfront-viewer-https",
        "Checks that no CloudFront behaviour allows plain HTTP (CloudFront.3).",
        CLOUDFRONT,
        _viewer_https,
        control="CloudFront.3",
        severity="medium",
        level="mandatory",
        remediation="Set viewerProtocolPolicy redirect-to-https (or https-only) on every cache behaviour.",
    ),
    resource_policy(
        "cloudfront-tls12-minimum",
        "Checks that CloudFront serves a custom certificate with a TLS 1.2+ floor (CloudFront.15).",
        CLOUDFRONT,
        _viewer_tls,
        control="CloudFront.15",
        severity="medium",
        level="mandatory",
        config={
            "allowedVersions": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "default": TLS12_CLOUDFRONT,
            }
        },
        remediation="Use an ACM certificate from us-east-1 and minimumProtocolVersion TLSv1.2_2021.",
    ),
    resource_policy(
        "cloudfront-origin-tls12",
        "Checks that CloudFront reaches custom origins over HTTPS with TLS 1.2 only "
        "(CloudFront.9, CloudFront.10).",
        CLOUDFRONT,
        _origin_tls,
        control="CloudFront.9",
        severity="medium",
        level="mandatory",
        remediation="Set customOriginConfig.originProtocolPolicy https-only and originSslProtocols [TLSv1.2].",
    ),
    stack_policy(
        "s3-bucket-denies-insecure-transport",
        "Checks that every bucket's policy denies requests without TLS (S3.5).",
        _bucket_tls_policy,
        control="S3.5",
        severity="medium",
        level="mandatory",
        remediation="Add a Deny statement conditioned on aws:SecureTransport = false to the bucket policy.",
    ),
    resource_policy(
        "opensearch-https-tls12",
        "Checks that OpenSearch domains enforce HTTPS with a TLS 1.2 policy (Opensearch.8).",
        SEARCH_DOMAINS,
        _search_tls,
        control="Opensearch.8",
        severity="medium",
        level="mandatory",
        config={
            "allowedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "default": TLS12_OPENSEARCH,
            }
        },
        remediation="Set domainEndpointOptions {enforceHttps: true, tlsSecurityPolicy: Policy-Min-TLS-1-2-PFS-2023-10}.",
    ),
    resource_policy(
        "mysql-require-secure-transport",
        "Checks that MySQL parameter groups refuse unencrypted connections.",
        RDS_PARAMETER_GROUPS,
        _mysql_secure_transport,
        severity="low",
        remediation="Add parameter require_secure_transport = 1 to the DB parameter group.",
    ),
]
