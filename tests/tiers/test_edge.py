"""The edge tier: the guide's load balancer and WAF, with TLS 1.2+ and HTTPS only."""

from __future__ import annotations

import json

import pytest

from tests.render import Render
from tests.tiers import primary_site

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
DIST = "aws:cloudfront/distribution:Distribution"


# The primary region's edge: the DR site's is specified in tests/tiers/test_dr_site.py.
render, prod, staging = primary_site.FIXTURES


def listener(r: Render, port: int) -> dict:
    [found] = [x for x in r.of_type(LISTENER) if x["inputs"]["port"] == port]
    return found


def test_alb_is_internet_facing_in_the_public_subnets_behind_its_group(prod: Render) -> None:
    alb = prod.one(LB)["inputs"]
    public = {
        s["id"] for s in prod.of_type("aws:ec2/subnet:Subnet") if s["inputs"]["tags"]["Tier"] == "public"
    }
    assert alb["internal"] is False and set(alb["subnets"]) == public and len(public) == 3
    alb_sg = prod.one("aws:ec2/securityGroup:SecurityGroup", "network-alb")["id"]
    assert alb["securityGroups"] == [alb_sg]
    assert alb["dropInvalidHeaderFields"] is True


@pytest.mark.parametrize("stack,protected", [("prod", True), ("staging", False)])
def test_deletion_protection_in_prod_only(render, stack: str, protected: bool) -> None:
    assert render(stack).one(LB)["inputs"]["enableDeletionProtection"] is protected, (
        f"stack {stack}: edge.deletionProtection"
    )


def test_nothing_listens_in_clear_and_only_cloudfront_reaches_the_alb(prod: Render, staging: Render) -> None:
    for r in (prod, staging):
        ports = sorted(x["inputs"]["port"] for x in r.of_type(LISTENER))
        assert ports == [443], (
            f"stack {r.stack}: HTTPS only (CloudFront reaches the origin https-only), got {ports}"
        )
        alb_sg = r.one("aws:ec2/securityGroup:SecurityGroup", "network-alb")["id"]
        ingress = [
            x["inputs"]
            for x in r.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if x["inputs"]["securityGroupId"] == alb_sg
        ]
        # One rule: the CloudFront origin-facing prefix list (weight 55 of the group's 60 rules), port 443.
        assert [(i["fromPort"], i["toPort"], "cidrIpv4" in i, "cidrIpv6" in i) for i in ingress] == [
            (443, 443, False, False)
        ], f"stack {r.stack}: the ALB's group admits only CloudFront on 443"
        assert ingress[0]["prefixListId"].startswith("pl-"), f"stack {r.stack}: {ingress[0]}"


def test_https_uses_tls12_or_newer_and_the_validated_certificate(prod: Render) -> None:
    https = listener(prod, 443)["inputs"]
    assert https["protocol"] == "HTTPS" and https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    validation = prod.one("aws:acm/certificateValidation:CertificateValidation", "edge-certificate")
    cert = prod.one("aws:acm/certificate:Certificate", "edge-certificate")
    assert https["certificateArn"] == validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
    assert cert["inputs"]["domainName"] == "elitelocadora.com"
    assert cert["inputs"]["subjectAlternativeNames"] == ["*.elitelocadora.com"]
    assert cert["inputs"]["validationMethod"] == "DNS"


def test_listener_forwards_only_requests_carrying_cloudfronts_secret_header(
    prod: Render, staging: Render
) -> None:
    for r in (prod, staging):
        tgs = {t["inputs"]["name"].rsplit("-", 1)[-1]: t for t in r.of_type(TG)}
        web, api = tgs["web"], tgs["api"]
        assert (web["inputs"]["port"], api["inputs"]["port"]) == (80, 8000)
        for tg, path in ((web, "/health"), (api, "/up")):
            assert tg["inputs"]["targetType"] == "ip" and tg["inputs"]["protocol"] == "HTTP", tg["urn"]
            assert tg["inputs"]["healthCheck"]["path"] == path, tg["urn"]
        https = listener(r, 443)
        [default] = https["inputs"]["defaultActions"]
        assert default["type"] == "fixed-response" and default["fixedResponse"]["statusCode"] == "403", (
            f"stack {r.stack}: a request without the origin header (not from our distribution) is refused"
        )
        rules = sorted(r.of_type(RULE), key=lambda x: x["inputs"]["priority"])
        assert all(x["inputs"]["listenerArn"] == https["outputs"]["arn"] for x in rules)
        routes = []
        for rule in rules:
            conds = {k: v for c in rule["inputs"]["conditions"] for k, v in c.items()}
            header = conds.pop("httpHeader")
            assert header["httpHeaderName"] == "X-Origin-Verify" and header["values"] == ["[secret]"], rule[
                "urn"
            ]
            target = rule["inputs"]["actions"][0]["targetGroupArn"]
            routes.append((conds.get("pathPattern", {}).get("values"), target))
        assert routes == [(["/api/*"], api["outputs"]["arn"]), (None, web["outputs"]["arn"])], (
            f"stack {r.stack}: /api/* to the API, the rest to the web tasks, both only with the header"
        )
        secret = r.one("random:index/randomPassword:RandomPassword", "edge-origin-verify")["inputs"]
        assert secret["length"] >= 32 and secret["special"] is False, "no ALB wildcard characters (* and ?)"
        [alb_origin] = [o for o in r.one(DIST)["inputs"]["origins"] if "customOriginConfig" in o]
        assert alb_origin["customHeaders"] == [{"name": "X-Origin-Verify", "value": "[secret]"}], (
            f"stack {r.stack}: CloudFront sends the header the listener requires, kept secret"
        )


def test_access_logs_go_to_a_locked_down_bucket(prod: Render) -> None:
    alb = prod.one(LB)["inputs"]
    bucket = prod.one("aws:s3/bucket:Bucket", "edge-access-logs")
    assert alb["accessLogs"]["enabled"] and alb["accessLogs"]["bucket"] == bucket["outputs"]["bucket"]
    pab = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "edge-access-logs")["inputs"]
    assert all(
        pab[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    policy = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy", "edge-access-logs")["inputs"]["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["DenyInsecureConnections"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    writer = by_sid["ElasticLoadBalancingWritesAccessLogs"]
    assert writer["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}, "ELB's account in us-east-1"
    assert writer["Action"] == "s3:PutObject" and writer["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert bucket["protect"] and bucket["retainOnDelete"], "prod keeps its access logs"


def test_waf_has_the_guides_rules_and_logs(prod: Render) -> None:
    acl = prod.one("aws:wafv2/webAcl:WebAcl", "edge-waf")
    rules = {r["name"]: r for r in acl["inputs"]["rules"]}
    common, rate = rules["AWSManagedRulesCommonRuleSet"], rules["RateLimitRule"]
    assert acl["inputs"]["scope"] == "REGIONAL" and acl["inputs"]["defaultAction"] == {"allow": {}}
    assert common["priority"] == 1 and common["overrideAction"] == {"none": {}}
    assert rate["priority"] == 2 and rate["action"] == {"block": {}}
    assert {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"} <= set(rules)
    for rule in rules.values():
        vis = rule["visibilityConfig"]
        assert vis["cloudwatchMetricsEnabled"] and vis["sampledRequestsEnabled"], rule["name"]
    assoc = prod.one("aws:wafv2/webAclAssociation:WebAclAssociation")["inputs"]
    assert assoc == {"resourceArn": prod.one(LB)["outputs"]["arn"], "webAclArn": acl["outputs"]["arn"]}
    logging = prod.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "edge-waf")[
        "inputs"
    ]
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "edge-waf-logs")
    assert group["inputs"]["name"].startswith("aws-waf-logs-")
    assert logging["logDestinationConfigs"] == [group["outputs"]["arn"]]


@pytest.mark.parametrize(
    "stack,domain", [("prod", "elitelocadora.com"), ("staging", "staging.elitelocadora.com")]
)
def test_only_the_origin_name_points_at_the_alb_and_the_public_names_at_cloudfront(
    render, stack: str, domain: str
) -> None:
    r = render(stack)
    alb, dist = r.one(LB)["outputs"], r.one(DIST)
    records = r.of_type("aws:route53/record:Record")
    to_alb = [
        x["inputs"]["name"]
        for x in records
        if (x["inputs"].get("aliases") or [{}])[0].get("name") == alb["dnsName"]
    ]
    assert to_alb == [f"origin.{domain}"], (
        f"stack {stack}: only edge.originSubdomain names the ALB, got {to_alb}"
    )
    [alb_origin] = [o for o in dist["inputs"]["origins"] if "customOriginConfig" in o]
    assert alb_origin["domainName"] == f"origin.{domain}", (
        "CloudFront connects to that name (the *.<domain> certificate)"
    )
    public = {
        x["inputs"]["name"]
        for x in records
        if (x["inputs"].get("aliases") or [{}])[0].get("name") == dist["outputs"]["domainName"]
    }
    assert public == {domain, f"www.{domain}"}, f"stack {stack}: the guide's aliases point at CloudFront"
    assert r.outputs["siteUrl"] == f"https://{domain}" and r.outputs["apiUrl"] == f"https://{domain}/api"


def test_ssl_policy_outside_the_tls12_list_is_refused() -> None:
    from settings import ConfigError, build_settings
    from tests.test_settings import with_change

    cfg = with_change("staging", "elite-locadora:edge", ["sslPolicy"], "ELBSecurityPolicy-2016-08")
    with pytest.raises(
        ConfigError, match=r"stack 'staging'.*'elite-locadora:edge.sslPolicy' = 'ELBSecurityPolicy-2016-08'"
    ):
        build_settings(cfg, "elite-locadora", "staging")


# -- item 7: uploads pass the WAFs on the upload routes only, up to the API's limit -----------------------------
ACLS = (("edge-waf", "REGIONAL"), ("cdn-waf", "CLOUDFRONT"))


@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize("acl_name,scope", ACLS)
def test_bodies_over_8_kb_pass_only_on_upload_routes_up_to_the_api_limit(
    render, stack: str, acl_name: str, scope: str
) -> None:
    from settings import build_settings
    from tests.test_settings import raw
    from tests.tiers.waf_eval import Request, verdict

    edge = build_settings(raw(stack), "elite-locadora", stack).edge
    acl = render(stack).one("aws:wafv2/webAcl:WebAcl", acl_name)
    assert acl["inputs"]["scope"] == scope
    rules, where = acl["inputs"]["rules"], f"stack {stack}: {acl['urn']}"
    upload, limit = edge.upload_paths[0] + "licence", edge.upload_max_bytes
    cases = {
        "a small JSON body anywhere": (Request("/api/bookings", 2_000), "allow"),
        "a 20 KB body off the upload routes (SizeRestrictions_BODY kept)": (
            Request("/api/bookings", 20_000),
            "block",
        ),
        "a 20 KB body on the site's paths": (Request("/checkout", 20_000), "block"),
        "a 3 MB photo on an upload route": (Request(upload, 3_000_000), "allow"),
        "an upload of exactly the limit (edge.uploadMaxBytes)": (Request(upload, limit), "allow"),
        "an upload one byte over the limit": (Request(upload, limit + 1), "block"),
        "an upload declaring 10x the limit": (Request(upload, limit * 10), "block"),
    }
    for what, (request, expected) in cases.items():
        got, rule = verdict(rules, request)
        assert got == expected, f"{where}: {what} is {got} (rule {rule}); expected {expected}"
    names = [r["name"] for r in sorted(rules, key=lambda r: r["priority"])]
    assert names[:2] == ["AWSManagedRulesCommonRuleSet", "RateLimitRule"], f"{where}: the guide's rules first"


def test_upload_settings_are_validated_naming_the_key() -> None:
    from settings import ConfigError, build_settings
    from tests.test_settings import with_change

    for key, value, message in (
        ("uploadPaths", ["/uploads/"], r"'elite-locadora:edge.uploadPaths\[0\]' = '/uploads/'"),
        ("uploadMaxBytes", 4096, r"'elite-locadora:edge.uploadMaxBytes' = 4096"),
    ):
        cfg = with_change("prod", "elite-locadora:edge", [key], value)
        with pytest.raises(ConfigError, match=rf"stack 'prod'.*{message}"):
            build_settings(cfg, "elite-locadora", "prod")


# -- item 12: the rate limit counts real clients ---------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_rate_limit_counts_clients_not_cloudfront_edges(render, stack: str) -> None:
    r = render(stack)

    def rate(acl_name: str) -> dict:
        acl = r.one("aws:wafv2/webAcl:WebAcl", acl_name)
        [rule] = [x for x in acl["inputs"]["rules"] if x["name"] == "RateLimitRule"]
        assert rule["priority"] == 2 and rule["action"] == {"block": {}}, rule
        return rule["statement"]["rateBasedStatement"]

    # CloudFront's web ACL sees the viewer's own address: the guide's per-IP limit applies to real clients there.
    assert rate("cdn-waf") == {"limit": 2000, "aggregateKeyType": "IP"}, f"stack {stack}: cdn.wafRateLimit"
    # The ALB only sees CloudFront's addresses; it aggregates on the client address CloudFront forwards.
    assert rate("edge-waf") == {
        "limit": 2000,
        "aggregateKeyType": "FORWARDED_IP",
        "forwardedIpConfig": {"headerName": "X-Forwarded-For", "fallbackBehavior": "MATCH"},
    }, f"stack {stack}: edge.wafRateLimit per forwarded client"
