"""The CDN tier: the guide's CloudFront distribution, corrected (OAC, verified managed policy IDs, TLS 1.2 with a
us-east-1 certificate, WAF in us-east-1, security headers, access logs)."""

from __future__ import annotations

import json

import pytest

from settings import ConfigError, build_settings
from tests.render import ROOT, Render
from tests.test_settings import with_change

DIST = "aws:cloudfront/distribution:Distribution"
# AWS-managed policy IDs as the CloudFront developer guide lists them ("Use managed cache policies", "Use managed
# origin request policies"). The guide's "CachingOptimized" 4135ea2d-… is in fact CachingDisabled.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def dist(r: Render) -> dict:
    return r.one(DIST)


def origin(r: Render, origin_id: str) -> dict:
    [o] = [o for o in dist(r)["inputs"]["origins"] if o["originId"] == origin_id]
    return o


@pytest.mark.parametrize(
    "stack,aliases,price_class",
    [
        ("prod", ["www.elitelocadora.com", "elitelocadora.com"], "PriceClass_All"),
        ("staging", ["www.staging.elitelocadora.com", "staging.elitelocadora.com"], "PriceClass_100"),
    ],
)
def test_distribution_answers_the_guides_aliases_over_tls12_http2_http3_and_ipv6(
    render, stack: str, aliases: list[str], price_class: str
) -> None:
    d = dist(render(stack))["inputs"]
    assert d["aliases"] == aliases, f"stack {stack}: aliases from elite-locadora:domain"
    assert d["enabled"] is True and d["isIpv6Enabled"] is True
    assert d["httpVersion"] == "http2and3"
    assert d["priceClass"] == price_class, f"stack {stack}: elite-locadora:cdn.priceClass"
    cert = d["viewerCertificate"]
    assert cert["minimumProtocolVersion"] == "TLSv1.2_2021" and cert["sslSupportMethod"] == "sni-only"
    assert "cloudfrontDefaultCertificate" not in cert


def test_certificate_is_issued_in_us_east_1_for_every_alias_and_validated_by_dns(prod: Render) -> None:
    d = dist(prod)
    cert = prod.one("aws:acm/certificate:Certificate", "cdn-certificate")
    validation = prod.one("aws:acm/certificateValidation:CertificateValidation", "cdn-certificate")
    assert cert["region"] == "us-east-1" and validation["region"] == "us-east-1", (
        "CloudFront takes us-east-1 only"
    )
    names = [cert["inputs"]["domainName"], *cert["inputs"]["subjectAlternativeNames"]]
    assert sorted(names) == sorted(d["inputs"]["aliases"]), cert["urn"]
    assert cert["inputs"]["validationMethod"] == "DNS"
    assert d["inputs"]["viewerCertificate"]["acmCertificateArn"] == validation["outputs"]["certificateArn"]
    assert validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
    options = {o["domainName"]: o for o in cert["outputs"]["domainValidationOptions"]}
    fqdns = []
    for alias in d["inputs"]["aliases"]:
        record = prod.one("aws:route53/record:Record", f"cdn-validation-{alias}")["inputs"]
        assert record["name"] == options[alias]["resourceRecordName"], alias
        assert record["records"] == [options[alias]["resourceRecordValue"]], alias
        res = prod.one("aws:route53/record:Record", f"cdn-validation-{alias}")
        assert res["inputs"]["allowOverwrite"] and res["retainOnDelete"], f"{res['urn']}: shared ACM record"
        fqdns.append(record["name"].rstrip("."))
    assert sorted(validation["inputs"]["validationRecordFqdns"]) == sorted(fqdns)


@pytest.fixture(scope="module")
def sao_paulo(render, tmp_path_factory) -> Render:
    """prod with its primary region moved to sa-east-1: what must stay in us-east-1 shows up as such."""
    program = tmp_path_factory.mktemp("primary-sa-east-1")
    for name in ("components", "settings", "__main__.py", "Pulumi.yaml"):
        (program / name).symlink_to(ROOT / name)
    config = (ROOT / "Pulumi.prod.yaml").read_text()
    assert "aws:region: us-east-1" in config
    (program / "Pulumi.prod.yaml").write_text(
        config.replace("aws:region: us-east-1", "aws:region: sa-east-1")
    )
    return render("prod", program=program, policy=False)  # its tests read regions, no verdict


def test_cloudfront_pieces_use_the_us_east_1_provider_whatever_the_primary_region(sao_paulo: Render) -> None:
    for token, name in (
        ("aws:acm/certificate:Certificate", "cdn-certificate"),
        ("aws:acm/certificateValidation:CertificateValidation", "cdn-certificate"),
        ("aws:wafv2/webAcl:WebAcl", "cdn-waf"),
        (DIST, "cdn"),
        ("aws:cloudwatch/logDeliverySource:LogDeliverySource", "cdn-access-logs"),
        ("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "cdn-access-logs"),
    ):
        res = sao_paulo.one(token, name)
        assert res["region"] == "us-east-1", f"{res['urn']} must be created in us-east-1, not {res['region']}"
    for name in ("storage-assets", "storage-logs"):
        b = sao_paulo.one("aws:s3/bucket:Bucket", name)
        assert b["region"] == "sa-east-1", f"{b['urn']} stays in the primary region"
    assert sao_paulo.one("aws:s3/bucket:Bucket", "storage-replica")["region"] == "us-west-2"


def test_s3_origin_uses_origin_access_control_not_an_identity(prod: Render) -> None:
    s3 = origin(prod, "S3-assets")
    oac = prod.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert s3["originAccessControlId"] == oac["outputs"]["id"], "the S3 origin signs with our OAC"
    assert oac["inputs"]["originAccessControlOriginType"] == "s3"
    assert oac["inputs"]["signingBehavior"] == "always" and oac["inputs"]["signingProtocol"] == "sigv4"
    assert "s3OriginConfig" not in s3, "no Origin Access Identity (legacy)"
    assets = prod.one("aws:s3/bucket:Bucket", "storage-assets")["outputs"]
    assert s3["domainName"] == assets["bucketRegionalDomainName"], "regional endpoint of the assets bucket"
    replica = origin(prod, "S3-assets-replica")
    assert replica["originAccessControlId"] == oac["outputs"]["id"], "the DR origin signs with the same OAC"
    dr_bucket = prod.one("aws:s3/bucket:Bucket", "storage-replica")["outputs"]
    assert replica["domainName"] == dr_bucket["bucketRegionalDomainName"], "regional endpoint of the replica"


def test_assets_fail_over_to_the_dr_replica_on_server_errors_only(prod: Render) -> None:
    d = dist(prod)["inputs"]
    [group] = d["originGroups"]
    assert group["members"] == [{"originId": "S3-assets"}, {"originId": "S3-assets-replica"}], "primary first"
    assert group["failoverCriteria"] == {"statusCodes": [500, 502, 503, 504]}, (
        "403/404 are answers, not outages"
    )
    assets = [
        b for b in d["orderedCacheBehaviors"] if b["pathPattern"] in ("/static/*", "/vehicles/images/*")
    ]
    assert len(assets) == 2 and all(b["targetOriginId"] == group["originId"] for b in assets)


def test_alb_origin_is_https_only_with_tls12(prod: Render, staging: Render) -> None:
    for r, host in ((prod, "origin.elitelocadora.com"), (staging, "origin.staging.elitelocadora.com")):
        alb = origin(r, "ALB")
        assert alb["domainName"] == host, f"stack {r.stack}: <edge.originSubdomain>.<domain>"
        custom = alb["customOriginConfig"]
        assert custom["originProtocolPolicy"] == "https-only" and custom["httpsPort"] == 443
        assert custom["originSslProtocols"] == ["TLSv1.2"]


def behaviours(r: Render) -> dict[str, dict]:
    d = dist(r)["inputs"]
    return {"*": d["defaultCacheBehavior"], **{b["pathPattern"]: b for b in d["orderedCacheBehaviors"]}}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_public_names_serve_the_app_the_api_and_the_assets_through_cloudfront(render, stack: str) -> None:
    r = render(stack)
    d, b = dist(r)["inputs"], behaviours(r)
    where = f"stack {stack}"
    assert d["defaultRootObject"] == "index.html", f"{where}: / answers the app's index.html"
    # Behaviour → origin: the app and the API on the ALB, the public prefixes from the bucket (with DR failover).
    assert {path: x["targetOriginId"] for path, x in b.items()} == {
        "*": "ALB",
        "/api/*": "ALB",
        "/static/*": "S3-assets-with-failover",
        "/vehicles/images/*": "S3-assets-with-failover",
    }, f"{where}: storage.publicPrefixes from S3, everything else from the ALB"
    app, api = b["*"], b["/api/*"]
    assert app["cachePolicyId"] == CACHING_DISABLED, f"{where}: index.html is never stale after a release"
    assert app["viewerProtocolPolicy"] == "redirect-to-https"
    [fa] = app["functionAssociations"]
    fn = r.one("aws:cloudfront/function:Function", "cdn-spa-fallback")
    assert fa == {"eventType": "viewer-request", "functionArn": fn["outputs"]["arn"]}, (
        f"{where}: SPA fallback"
    )
    assert fn["inputs"]["publish"] is True and fn["region"] == "us-east-1", fn["urn"]
    for path in ("/api/*", "/static/*", "/vehicles/images/*"):
        assert not b[path].get("functionAssociations"), f"{where}: {path} is never rewritten to index.html"
    assert not d.get("customErrorResponses"), (
        f"{where}: distribution-wide error pages would rewrite the API's 404s"
    )
    assert api["cachePolicyId"] == CACHING_DISABLED and set(api["allowedMethods"]) == set(
        ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    )
    for path in ("/static/*", "/vehicles/images/*"):
        assert b[path]["cachePolicyId"] == CACHING_OPTIMIZED, f"{where}: {path} cached (CachingOptimized)"
        assert b[path]["originRequestPolicyId"] == CORS_S3_ORIGIN, path
        assert set(b[path]["allowedMethods"]) == {"GET", "HEAD", "OPTIONS"}, (
            "the bucket is read-only via the CDN"
        )


def test_spa_fallback_answers_the_apps_routes_and_leaves_files_alone(prod: Render) -> None:
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "node is not installed: the CloudFront function (cloudfront-js-2.0) cannot be executed here"
        )
    code = prod.one("aws:cloudfront/function:Function", "cdn-spa-fallback")["inputs"]["code"]
    cases = {
        "/": "/index.html",
        "/reservas/123": "/index.html",
        "/conta/": "/index.html",
        "/index.html": "/index.html",
        "/config.js": "/config.js",
        "/favicon.ico": "/favicon.ico",
        "/manifest.json": "/manifest.json",
    }
    harness = (
        code
        + "\nconst cases = "
        + json.dumps(list(cases))
        + ";\n"
        + ("console.log(JSON.stringify(cases.map(u => handler({request: {uri: u, headers: {}}}).uri)));")
    )
    out = subprocess.run([node, "-e", harness], capture_output=True, text=True, check=True, timeout=30).stdout
    assert dict(zip(cases, json.loads(out), strict=True)) == cases


def test_security_headers_hsts_nosniff_and_frame_options(prod: Render) -> None:
    policy = prod.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    sec = policy["inputs"]["securityHeadersConfig"]
    hsts = sec["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31_536_000 and hsts["includeSubdomains"] and hsts["override"]
    assert sec["contentTypeOptions"] == {"override": True}
    assert sec["frameOptions"] == {"frameOption": "DENY", "override": True}
    assert policy["region"] == "us-east-1"


def test_waf_is_cloudfront_scoped_in_us_east_1_with_the_guides_rules(prod: Render) -> None:
    acl = prod.one("aws:wafv2/webAcl:WebAcl", "cdn-waf")
    assert acl["inputs"]["scope"] == "CLOUDFRONT" and acl["region"] == "us-east-1", acl["urn"]
    assert acl["inputs"]["defaultAction"] == {"allow": {}}
    rules = {r["name"]: r for r in acl["inputs"]["rules"]}
    common, rate = rules["AWSManagedRulesCommonRuleSet"], rules["RateLimitRule"]
    assert common["priority"] == 1 and common["overrideAction"] == {"none": {}}
    group = common["statement"]["managedRuleGroupStatement"]
    assert (group["vendorName"], group["name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert rate["priority"] == 2 and rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP"}
    assert all(
        r["visibilityConfig"]["cloudwatchMetricsEnabled"] and r["visibilityConfig"]["sampledRequestsEnabled"]
        for r in rules.values()
    )
    assert dist(prod)["inputs"]["webAclId"] == acl["outputs"]["arn"]


@pytest.mark.parametrize("stack,days", [("prod", 365), ("staging", 30)])
def test_waf_logs_go_to_an_encrypted_us_east_1_log_group_without_credentials(
    render, stack: str, days: int
) -> None:
    r = render(stack)
    acl = r.one("aws:wafv2/webAcl:WebAcl", "cdn-waf")
    [logging] = [
        x
        for x in r.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
        if x["inputs"]["resourceArn"] == acl["outputs"]["arn"]
    ]
    group = r.one("aws:cloudwatch/logGroup:LogGroup", "cdn-waf-logs")
    key = r.one("aws:kms/key:Key", "cdn-waf-logs")
    assert logging["inputs"]["logDestinationConfigs"] == [group["outputs"]["arn"]], logging["urn"]
    assert group["inputs"]["name"].startswith("aws-waf-logs-"), "WAF only writes to aws-waf-logs-* groups"
    assert group["inputs"]["retentionInDays"] == days, (
        f"stack {stack}: elite-locadora:cdn.wafLogRetentionDays"
    )
    assert group["inputs"]["kmsKeyId"] == key["outputs"]["arn"], group["urn"]
    assert {x["region"] for x in (logging, group, key)} == {"us-east-1"}, (
        "a CLOUDFRONT web ACL logs in us-east-1"
    )
    [logs] = [
        s
        for s in json.loads(key["inputs"]["policy"])["Statement"]
        if s["Sid"] == "CloudWatchLogsEncryptLogGroups"
    ]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}, key["urn"]
    redacted = {f["singleHeader"]["name"] for f in logging["inputs"]["redactedFields"]}
    assert redacted == {"authorization", "cookie"}, logging["urn"]
    assert key["protect"] is (stack == "prod") and key["inputs"]["enableKeyRotation"] is True, key["urn"]


@pytest.mark.parametrize("name,region", [("assets", "us-east-1"), ("replica", "us-west-2")])
def test_the_data_keys_let_only_this_distribution_decrypt(prod: Render, name: str, region: str) -> None:
    key = prod.one("aws:kms/key:Key", f"storage-{name}")
    kp = prod.one("aws:kms/keyPolicy:KeyPolicy", f"cdn-{name}")
    assert kp["inputs"]["keyId"] == key["outputs"]["keyId"], kp["urn"]
    assert kp["region"] == key["region"] == region, f"{kp['urn']} must use the key's regional provider"
    assert "policy" not in key["inputs"], f"{key['urn']}: its policy is the KeyPolicy resource, never both"
    by_sid = {s["Sid"]: s for s in json.loads(kp["inputs"]["policy"])["Statement"]}
    cf = by_sid["CloudFrontDecryptsThroughOac"]
    assert cf["Principal"] == {"Service": "cloudfront.amazonaws.com"} and cf["Action"] == "kms:Decrypt"
    assert cf["Condition"] == {"StringEquals": {"AWS:SourceArn": dist(prod)["outputs"]["arn"]}}
    assert by_sid["EnableIamPolicies"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    policy = prod.one("aws:s3/bucketPolicy:BucketPolicy", f"cdn-{name}")
    assert (
        policy["inputs"]["bucket"] == prod.one("aws:s3/bucket:Bucket", f"storage-{name}")["outputs"]["bucket"]
    )
    assert policy["region"] == region, policy["urn"]


def test_access_logs_are_delivered_to_the_log_bucket(prod: Render) -> None:
    source = prod.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    destination = prod.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    delivery = prod.one("aws:cloudwatch/logDelivery:LogDelivery")
    logs = prod.one("aws:s3/bucket:Bucket", "storage-logs")
    assert source["inputs"]["resourceArn"] == dist(prod)["outputs"]["arn"]
    assert source["inputs"]["logType"] == "ACCESS_LOGS"
    assert destination["inputs"]["deliveryDestinationConfiguration"] == {
        "destinationResourceArn": logs["outputs"]["arn"]
    }
    assert delivery["inputs"]["deliverySourceName"] == source["outputs"]["name"]
    assert delivery["inputs"]["deliveryDestinationArn"] == destination["outputs"]["arn"]
    assert {x["region"] for x in (source, destination, delivery)} == {"us-east-1"}, (
        "CloudFront delivers from us-east-1"
    )
    [policy] = [
        p
        for p in prod.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if p["inputs"]["bucket"] == logs["outputs"]["bucket"]
    ]
    by_sid = {s["Sid"]: s for s in json.loads(policy["inputs"]["policy"])["Statement"]}
    write = by_sid["AWSLogDeliveryWrite"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Resource"] == f"{logs['outputs']['arn']}/AWSLogs/123456789012/*"
    assert write["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:delivery-source:*"
    }


def test_aliases_point_at_the_distribution_over_ipv4_and_ipv6(prod: Render) -> None:
    d = dist(prod)
    for alias in d["inputs"]["aliases"]:
        for kind in ("A", "AAAA"):
            rec = prod.one("aws:route53/record:Record", f"cdn-{alias}-{kind.lower()}")["inputs"]
            assert rec["type"] == kind and rec["name"] == alias
            assert rec["aliases"][0]["name"] == d["outputs"]["domainName"], alias
            assert rec["aliases"][0]["zoneId"] == d["outputs"]["hostedZoneId"], alias


@pytest.mark.parametrize(
    "key,value,message",
    [
        (
            "minimumProtocolVersion",
            "TLSv1_2016",
            r"'elite-locadora:cdn.minimumProtocolVersion' = 'TLSv1_2016'",
        ),
        ("priceClass", "PriceClass_50", r"'elite-locadora:cdn.priceClass' = 'PriceClass_50'"),
        (
            "aliases",
            ["www.elitelocadora.com", "www.elitelocadora.com"],
            r"'elite-locadora:cdn.aliases'.*each once",
        ),
        ("aliases", ["WWW.EliteLocadora.com"], r"'elite-locadora:cdn.aliases\[0\]'.*DNS host name"),
        ("wafRateLimit", 5, r"'elite-locadora:cdn.wafRateLimit' = 5"),
        ("hstsMaxAgeSeconds", 300, r"'elite-locadora:cdn.hstsMaxAgeSeconds' = 300"),
    ],
)
def test_bad_cdn_values_fail_naming_the_key(key: str, value, message: str) -> None:
    cfg = with_change("prod", "elite-locadora:cdn", [key], value)
    with pytest.raises(ConfigError, match=rf"stack 'prod'.*{message}"):
        build_settings(cfg, "elite-locadora", "prod")
