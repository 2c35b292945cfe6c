"""The edge tier: the guide's load balancer and WAF, with TLS 1.2+ and HTTPS only."""

from __future__ import annotations

import json

import pytest

from tests.render import Render

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"


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


def test_http_only_redirects_to_https(prod: Render) -> None:
    [action] = listener(prod, 80)["inputs"]["defaultActions"]
    assert action["type"] == "redirect"
    assert action["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}


def test_https_uses_tls12_or_newer_and_the_validated_certificate(prod: Render) -> None:
    https = listener(prod, 443)["inputs"]
    assert https["protocol"] == "HTTPS" and https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    validation = prod.one("aws:acm/certificateValidation:CertificateValidation", "edge-certificate")
    cert = prod.one("aws:acm/certificate:Certificate", "edge-certificate")
    assert https["certificateArn"] == validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
    assert cert["inputs"]["domainName"] == "elitelocadora.com"
    assert cert["inputs"]["subjectAlternativeNames"] == ["*.elitelocadora.com"]
    assert cert["inputs"]["validationMethod"] == "DNS"


def test_routing_web_by_default_api_by_host_and_path(prod: Render) -> None:
    tgs = {t["inputs"]["name"]: t for t in prod.of_type(TG)}
    web, api = tgs["elite-locadora-prod-web"], tgs["elite-locadora-prod-api"]
    assert (web["inputs"]["port"], api["inputs"]["port"]) == (80, 8000)
    for tg, path in ((web, "/health"), (api, "/up")):
        assert tg["inputs"]["targetType"] == "ip" and tg["inputs"]["protocol"] == "HTTP", tg["urn"]
        assert tg["inputs"]["healthCheck"]["path"] == path, tg["urn"]
    assert listener(prod, 443)["inputs"]["defaultActions"][0]["targetGroupArn"] == web["outputs"]["arn"]
    rules = sorted(prod.of_type(RULE), key=lambda x: x["inputs"]["priority"])
    assert [x["inputs"]["conditions"] for x in rules] == [
        [{"hostHeader": {"values": ["api.elitelocadora.com"]}}],
        [{"pathPattern": {"values": ["/api/*"]}}],
    ]
    assert all(x["inputs"]["actions"][0]["targetGroupArn"] == api["outputs"]["arn"] for x in rules)


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


def test_api_and_app_hosts_point_at_the_alb(prod: Render) -> None:
    alb = prod.one(LB)["outputs"]
    records = {x["inputs"]["name"]: x["inputs"] for x in prod.of_type("aws:route53/record:Record")}
    for host in ("api.elitelocadora.com", "app.elitelocadora.com"):
        assert records[host]["aliases"][0]["name"] == alb["dnsName"], host


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
