"""TLS 1.2 or newer on every hop: load balancers, CloudFront, buckets, OpenSearch, MySQL."""

from __future__ import annotations

from common import (
    BUCKET_POLICIES,
    BUCKETS,
    CLOUDFRONT,
    LISTENERS,
    RDS_PARAMETER_GROUPS,
    SEARCH_DOMAINS,
    UNKNOWN,
    as_json,
    bucket_keys,
    get,
    index_by_target,
    items,
    of_types,
    related,
    resource_policy,
    stack_policy,
    truthy,
)

# Elastic Load Balancing's predefined policies that refuse TLS 1.0 and 1.1 (ELB user guide, security policies).
TLS12_LB_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]
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


def _http_redirects(props, cfg, args):
    if get(props, "protocol") != "HTTP":
        return
    actions = items(get(props, "defaultActions"))
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
    version = get(cert, "minimumProtocolVersion")
    if version is not UNKNOWN and version not in cfg["allowedVersions"]:
        yield f"minimumProtocolVersion is {version}; set it to {cfg['allowedVersions'][0]}"
    method = get(cert, "sslSupportMethod")
    if method not in (None, UNKNOWN, "sni-only"):
        yield f"sslSupportMethod {method} uses dedicated IPs; set sni-only"


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


def _denies_insecure_transport(document) -> bool:
    for st in items(get(document, "Statement")) if isinstance(document, dict) else []:
        if get(st, "Effect") != "Deny":
            continue
        cond = get(st, "Condition", "Bool", "aws:SecureTransport")
        if str(cond).lower() == "false" and get(st, "Principal") in ("*", {"AWS": "*"}):
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
    values = {get(p, "name"): str(get(p, "value")).lower() for p in items(get(props, "parameters"))}
    if values.get("require_secure_transport") not in ("1", "on", "true"):
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
        remediation="Use an ACM certificate from us-east-1, sslSupportMethod sni-only, minimumProtocolVersion "
        "TLSv1.2_2021.",
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
