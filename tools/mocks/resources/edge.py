"""The edge: load balancers and their listeners, certificates, WAF, CloudFront and Route 53."""

from __future__ import annotations

from tools.mocks.context import PARTITION, Builder, Ctx, digest, opaque, upper_digest, uuid_of

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


def _lb(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=32)
    kind = "net" if c.inputs.get("loadBalancerType") == "network" else "app"
    suffix = f"{kind}/{name}/{digest(c.seed, n=16)}"
    arn = c.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    return arn, {
        "name": name,
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{name}-{int(digest(c.seed, n=8), 16) % 10**10}.{c.region}.elb.amazonaws.com",
        "zoneId": ALB_ZONE_IDS.get(c.region, "Z35SXDOTRQ7X7K"),
    }


def _target_group(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name(limit=32)
    suffix = f"targetgroup/{name}/{digest(c.seed, n=16)}"
    arn = c.arn("elasticloadbalancing", suffix)
    return arn, {"name": name, "arn": arn, "arnSuffix": suffix}


def _listener(c: Ctx) -> tuple[str, dict]:
    arn = c.arn(
        "elasticloadbalancing", f"listener/app/{c.name}/{digest(c.seed, n=16)}/{digest(c.seed, 'l', n=16)}"
    )
    return arn, {"arn": arn}


def _listener_rule(c: Ctx) -> tuple[str, dict]:
    arn = c.arn(
        "elasticloadbalancing",
        f"listener-rule/app/{c.name}/{digest(c.seed, n=16)}/{digest(c.seed, 'r', n=16)}",
    )
    return arn, {"arn": arn}


def _certificate(c: Ctx) -> tuple[str, dict]:
    arn = c.arn("acm", f"certificate/{uuid_of(c.seed)}")
    domains = [c.inputs.get("domainName")] + list(c.inputs.get("subjectAlternativeNames") or [])
    options = [
        {
            "domainName": d,
            "resourceRecordName": f"_{digest(c.seed, d, n=32)}.{d.lstrip('*.')}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{digest(c.seed, d, 'v', n=32)}.acm-validations.aws.",
        }
        for d in domains
        if isinstance(d, str)
    ]
    return arn, {"arn": arn, "domainValidationOptions": options, "status": "PENDING_VALIDATION"}


def _cert_validation(c: Ctx) -> tuple[str, dict]:
    return "2026-11-25 00:00:00 +0000 UTC", {"certificateArn": c.inputs.get("certificateArn")}


def _webacl(c: Ctx) -> tuple[str, dict]:
    rid = uuid_of(c.seed)
    name = c.auto_name()
    scope = "global" if c.inputs.get("scope") == "CLOUDFRONT" else "regional"
    return rid, {
        "name": name,
        "arn": c.arn("wafv2", f"{scope}/webacl/{name}/{rid}"),
        "capacity": 1000,
        "lockToken": uuid_of(c.seed, "lock"),
    }


def _distribution(c: Ctx) -> tuple[str, dict]:
    rid = "E" + upper_digest(c.seed, n=13)
    return rid, {
        "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:distribution/{rid}",
        "domainName": f"d{digest(c.seed, n=13)}.cloudfront.net",
        "hostedZoneId": CLOUDFRONT_ZONE_ID,
        "status": "Deployed",
        "etag": upper_digest(c.seed, "etag"),
    }


def _cloudfront_global(kind: str) -> Builder:
    def build(c: Ctx) -> tuple[str, dict]:
        rid = "E" + upper_digest(c.seed, n=13) if kind == "oac" else uuid_of(c.seed)
        return rid, {
            "etag": upper_digest(c.seed, "etag"),
            "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:{kind}/{rid}",
        }

    return build


def _cloudfront_function(c: Ctx) -> tuple[str, dict]:
    # A CloudFront function is known by its name; its ARN is global (no region), like the distribution's.
    name = c.auto_name()
    return name, {
        "arn": f"arn:{PARTITION}:cloudfront::{c.acct}:function/{name}",
        "etag": upper_digest(c.seed, "etag"),
        "liveStageEtag": upper_digest(c.seed, "live"),
        "status": "DEPLOYED",
    }


def _route53_record(c: Ctx) -> tuple[str, dict]:
    name = str(c.inputs.get("name", c.name)).rstrip(".")
    return f"{c.inputs.get('zoneId')}_{name}_{c.inputs.get('type')}", {"fqdn": name}


def _zone(c: Ctx) -> tuple[str, dict]:
    zid = "Z" + upper_digest(c.seed, n=20)
    return zid, {
        "zoneId": zid,
        "arn": f"arn:{PARTITION}:route53:::hostedzone/{zid}",
        "nameServers": [
            f"ns-{int(digest(c.seed, str(i), n=3), 16) % 2000}.awsdns-{i:02d}.{tld}"
            for i, tld in enumerate(("com", "net", "org", "co.uk"))
        ],
    }


def _key_signing_key(c: Ctx) -> tuple[str, dict]:
    """A KSK's DNSSEC material: ECDSA P-256 with SHA-256 (algorithm 13) and its SHA-256 DS digest (type 2)."""
    tag = int(digest(c.seed, n=4), 16) % 65536
    ds_digest = upper_digest(c.seed, "ds", n=64)
    return f"{c.inputs.get('hostedZoneId')},{c.inputs.get('name')}", {
        "keyTag": tag,
        "signingAlgorithmMnemonic": "ECDSAP256SHA256",
        "signingAlgorithmType": 13,
        "digestAlgorithmMnemonic": "SHA-256",
        "digestAlgorithmType": 2,
        "digestValue": ds_digest,
        "dsRecord": f"{tag} 13 2 {ds_digest}",
        "flag": 257,
        "status": c.inputs.get("status") or "ACTIVE",
    }


# Type token → builder; pulumi-aws's lb and alb modules name the same load-balancing resources.
BUILDERS: dict[str, Builder] = {
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
    "aws:wafv2/webAclAssociation:WebAclAssociation": opaque("webacl-assoc-"),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": opaque("webacl-logging-"),
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _cloudfront_global("oac"),
    "aws:cloudfront/function:Function": _cloudfront_function,
    "aws:cloudfront/cachePolicy:CachePolicy": _cloudfront_global("cache-policy"),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _cloudfront_global("origin-request-policy"),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _cloudfront_global(
        "response-headers-policy"
    ),
    "aws:route53/record:Record": _route53_record,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/keySigningKey:KeySigningKey": _key_signing_key,
}
