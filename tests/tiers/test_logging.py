"""Log aggregation: the managed, secured OpenSearch domain that replaces the guide's ELK stack (security off,
single node, port 9200 open), and the CloudWatch Logs → Firehose → OpenSearch pipeline feeding it."""

from __future__ import annotations

import json

import pytest

from tests.render import Render
from tests.tiers.ops_helpers import DOMAIN, FILTER, ROLE, ROLE_POLICY, STREAM, key_arn, statements

SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"


def private_subnets(r: Render) -> list[str]:
    subnets = [s for s in r.of_type(SUBNET) if s["name"].startswith("network-private-")]
    return [s["id"] for s in sorted(subnets, key=lambda s: s["name"])]


def search_sg(r: Render) -> str:
    return r.one(SG, "network-search")["id"]


def role(r: Render, physical: str) -> dict:
    [found] = [
        x for x in r.of_type(ROLE) if x["inputs"].get("name") == f"elite-locadora-{r.stack}-{physical}"
    ]
    return found


def inline_policy(r: Render, role_res: dict) -> list[dict]:
    [p] = [p for p in r.of_type(ROLE_POLICY) if p["inputs"]["role"] == role_res["id"]]
    return statements(p["inputs"]["policy"])


# -- the domain -------------------------------------------------------------------------------------------------
def test_prod_domain_spreads_over_three_azs_with_dedicated_masters(prod: Render) -> None:
    d = prod.one(DOMAIN)
    c = d["inputs"]["clusterConfig"]
    assert (c["instanceType"], c["instanceCount"]) == ("r6g.large.search", 3), d["urn"]
    assert c["zoneAwarenessEnabled"] is True and c["zoneAwarenessConfig"] == {"availabilityZoneCount": 3}, d[
        "urn"
    ]
    assert (c["dedicatedMasterEnabled"], c["dedicatedMasterType"], c["dedicatedMasterCount"]) == (
        True,
        "m6g.large.search",
        3,
    ), d["urn"]
    assert d["inputs"]["vpcOptions"]["subnetIds"] == private_subnets(prod), (
        f"{d['urn']}: one private subnet per AZ"
    )
    assert d["protect"] is True and d["retainOnDelete"] is True, f"{d['urn']}: prod protects the log domain"


def test_staging_domain_is_a_single_small_node(staging: Render) -> None:
    d = staging.one(DOMAIN)
    c = d["inputs"]["clusterConfig"]
    assert (c["instanceType"], c["instanceCount"], c["zoneAwarenessEnabled"]) == (
        "t3.medium.search",
        1,
        False,
    )
    assert c["dedicatedMasterEnabled"] is False and "zoneAwarenessConfig" not in c, d["urn"]
    assert d["inputs"]["vpcOptions"]["subnetIds"] == private_subnets(staging)[:1], d["urn"]
    assert d["inputs"]["ebsOptions"]["volumeSize"] < 100 and d["protect"] is False


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_domain_is_private_encrypted_tls12_with_fine_grained_access(render, stack: str) -> None:
    r = render(stack)
    d = r.one(DOMAIN)
    i, urn = d["inputs"], d["urn"]
    assert i["domainName"] == f"elite-locadora-{stack}-logs" and i["engineVersion"].startswith("OpenSearch_")
    assert i["vpcOptions"]["securityGroupIds"] == [search_sg(r)], f"{urn}: the search security group only"
    assert i["encryptAtRest"] == {"enabled": True, "kmsKeyId": key_arn(r, "logs", "us-east-1")}, urn
    assert i["nodeToNodeEncryption"] == {"enabled": True}, urn
    assert i["domainEndpointOptions"] == {
        "enforceHttps": True,
        "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }, urn
    sec = i["advancedSecurityOptions"]
    assert sec["enabled"] is True and sec["anonymousAuthEnabled"] is False, urn
    # The master is an IAM role: no internal user, so no password to keep, leak or rotate (#15 item 10).
    assert sec["internalUserDatabaseEnabled"] is False, f"{urn}: internal users (basic auth) must stay off"
    assert sec["masterUserOptions"] == {"masterUserArn": role(r, "search-admin")["outputs"]["arn"]}, urn
    assert i["ebsOptions"]["volumeType"] == "gp3", urn


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_access_policy_admits_only_this_accounts_signed_requests(render, stack: str) -> None:
    r = render(stack)
    d = r.one(DOMAIN)
    firehose = role(r, "logs-firehose")["outputs"]["arn"]
    for st in statements(d["inputs"]["accessPolicies"]):
        principal = st["Principal"]
        assert principal != "*" and principal.get("AWS") != "*", f"{d['urn']}: open access policy"
        assert set(principal["AWS"]) == {firehose, "arn:aws:iam::123456789012:root"}, d["urn"]
        assert st["Resource"] == f"arn:aws:es:us-east-1:123456789012:domain/elite-locadora-{stack}-logs/*"
        assert all(a.startswith("es:ESHttp") for a in st["Action"]), d["urn"]


def test_no_master_password_exists_anywhere(prod: Render) -> None:
    leftovers = [
        r["urn"]
        for r in prod.resources
        if r["name"].startswith("operations-logs-master")
        or (r["type"] == "aws:secretsmanager/secret:Secret" and "opensearch" in r["inputs"].get("name", ""))
    ]
    assert not leftovers, f"prod: the IAM master needs no password, secret or version: {leftovers}"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_delivery_role_is_mapped_to_a_writing_role_by_the_roles_function(render, stack: str) -> None:
    r = render(stack)
    admin, firehose = role(r, "search-admin"), role(r, "logs-firehose")
    trusted = {
        json.dumps(st["Principal"], sort_keys=True) for st in statements(admin["inputs"]["assumeRolePolicy"])
    }
    assert trusted == {'{"AWS": "arn:aws:iam::123456789012:root"}', '{"Service": "lambda.amazonaws.com"}'}, (
        admin["urn"]
    )
    function = r.one("aws:lambda/function:Function", "operations-logs-roles")
    f = function["inputs"]
    assert f["role"] == admin["outputs"]["arn"], (
        f"{function['urn']}: runs as the master role (only it may map)"
    )
    assert f["vpcConfig"]["securityGroupIds"] == [search_sg(r)], (
        f"{function['urn']}: reaches the domain in the VPC"
    )
    invocation = r.one("aws:lambda/invocation:Invocation", "operations-logs-roles")
    assert invocation["inputs"]["functionName"] == function["outputs"]["name"], invocation["urn"]
    event = json.loads(invocation["inputs"]["input"])
    assert event["endpoint"] == r.one(DOMAIN)["outputs"]["endpoint"], invocation["urn"]
    writer = event["roles"]["log_delivery"]
    assert writer["backend_roles"] == [firehose["outputs"]["arn"]], "the Firehose delivery role is mapped"
    [perms] = writer["index_permissions"]
    indices = [st["inputs"]["opensearchConfiguration"]["indexName"] for st in r.of_type(STREAM)]
    assert indices and all(
        any(ix.startswith(p.rstrip("*")) for p in perms["index_patterns"]) for ix in indices
    ), f"{invocation['urn']}: the writing role must cover every stream's index {indices}: {perms}"
    assert set(perms["allowed_actions"]) == {"create_index", "manage", "crud"}, perms
    for st in r.of_type(STREAM):
        assert invocation["urn"] in st["dependsOn"], f"{st['urn']}: delivers only once its role is mapped"


# -- the delivery pipeline ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_each_source_has_a_stream_into_the_domain_with_failed_records_to_s3(render, stack: str) -> None:
    r = render(stack)
    domain = r.one(DOMAIN)["outputs"]["arn"]
    bucket = r.one("aws:s3/bucket:Bucket", "operations-logs-failed")["outputs"]["arn"]
    firehose = role(r, "logs-firehose")["outputs"]["arn"]
    streams = r.of_type(STREAM)
    assert streams, f"stack {stack}: no delivery streams"
    for st in streams:
        o, urn = st["inputs"]["opensearchConfiguration"], st["urn"]
        source = st["inputs"]["name"].removeprefix(f"elite-locadora-{stack}-logs-")
        assert st["inputs"]["destination"] == "opensearch" and o["domainArn"] == domain, urn
        assert o["indexName"] == f"{source}-logs" and o["indexRotationPeriod"] == "OneDay", urn
        assert o["s3BackupMode"] == "FailedDocumentsOnly" and o["s3Configuration"]["bucketArn"] == bucket, urn
        assert o["roleArn"] == o["s3Configuration"]["roleArn"] == o["vpcConfig"]["roleArn"] == firehose, urn
        assert o["vpcConfig"]["subnetIds"] == private_subnets(r) and o["vpcConfig"]["securityGroupIds"] == [
            search_sg(r)
        ], urn
        kinds = [p["type"] for p in o["processingConfiguration"]["processors"]]
        assert kinds == ["Decompression", "CloudWatchLogProcessing"], f"{urn}: CloudWatch Logs data is gzip"
        sse = st["inputs"]["serverSideEncryption"]
        assert sse == {
            "enabled": True,
            "keyType": "CUSTOMER_MANAGED_CMK",
            "keyArn": key_arn(r, "logs", "us-east-1"),
        }


def test_subscription_filters_send_each_log_group_to_its_sources_stream(prod: Render) -> None:
    streams = {s["inputs"]["name"]: s["outputs"]["arn"] for s in prod.of_type(STREAM)}
    subs_role = role(prod, "logs-subscriptions")["outputs"]["arn"]
    filters = prod.of_type(FILTER)
    waf_group = prod.one("aws:cloudwatch/logGroup:LogGroup", "edge-waf-logs")["inputs"]["name"]
    assert any(f["inputs"]["logGroup"] == waf_group for f in filters), "the WAF log group is not shipped"
    db_groups = {
        g["inputs"]["name"]
        for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g["inputs"]["name"].startswith("/aws/rds/instance/elite-locadora-prod-mysql/")
    }
    shipped = {f["inputs"]["logGroup"] for f in filters if f["name"].startswith("operations-logs-database-")}
    assert db_groups and shipped == db_groups, "every log group of the primary database is shipped"
    task_groups = set()
    for td in prod.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        defs = td["inputs"]["containerDefinitions"]
        for c in json.loads(defs) if isinstance(defs, str) else defs:
            task_groups.add(c["logConfiguration"]["options"]["awslogs-group"])
    shipped = {f["inputs"]["logGroup"] for f in filters if f["name"].startswith("operations-logs-ecs-")}
    assert task_groups and shipped == task_groups, (
        "every container's awslogs group is shipped to the ecs stream"
    )
    for f in filters:
        source = f["name"].removeprefix("operations-logs-").rsplit("-", 1)[0]
        assert f["inputs"]["destinationArn"] == streams[f"elite-locadora-prod-logs-{source}"], f["urn"]
        assert f["inputs"]["roleArn"] == subs_role and f["inputs"]["filterPattern"] == "", f["urn"]


def test_delivery_roles_are_least_privilege(prod: Render) -> None:
    domain = prod.one(DOMAIN)["outputs"]["arn"]
    bucket = prod.one("aws:s3/bucket:Bucket", "operations-logs-failed")["outputs"]["arn"]
    firehose = role(prod, "logs-firehose")
    trust = statements(firehose["inputs"]["assumeRolePolicy"])
    assert trust[0]["Principal"] == {"Service": "firehose.amazonaws.com"}, firehose["urn"]
    for st in inline_policy(prod, firehose):
        assert "*" not in st["Action"] and all(not a.endswith(":*") for a in st["Action"]), firehose["urn"]
        if st["Sid"] in ("DescribeDomain", "IndexDocuments"):
            assert set(st["Resource"]) == {domain, f"{domain}/*"}, firehose["urn"]
        if st["Sid"] == "FailedRecordsToS3":
            assert set(st["Resource"]) == {bucket, f"{bucket}/*"}, firehose["urn"]
        if st["Resource"] == "*":
            assert st["Sid"] == "VpcDelivery" and all(a.startswith("ec2:") for a in st["Action"]), firehose[
                "urn"
            ]
    subs = role(prod, "logs-subscriptions")
    assert statements(subs["inputs"]["assumeRolePolicy"])[0]["Principal"] == {
        "Service": "logs.us-east-1.amazonaws.com"
    }
    [st] = inline_policy(prod, subs)
    assert st["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"], subs["urn"]
    assert sorted(st["Resource"]) == sorted(s["outputs"]["arn"] for s in prod.of_type(STREAM)), subs["urn"]


def test_failed_records_bucket_is_encrypted_private_versioned_tls_only(prod: Render) -> None:
    b = prod.one("aws:s3/bucket:Bucket", "operations-logs-failed")
    bid = b["id"]

    def on_bucket(token: str) -> dict:
        [x] = [x for x in prod.of_type(token) if x["inputs"]["bucket"] == bid]
        return x["inputs"]

    [rule] = on_bucket(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key_arn(prod, "logs", "us-east-1"),
    }
    assert (
        on_bucket("aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"]["status"]
        == "Enabled"
    )
    pab = on_bucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        pab[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    policy = json.dumps(on_bucket("aws:s3/bucketPolicy:BucketPolicy")["policy"])
    assert "aws:SecureTransport" in policy
    [lc] = on_bucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    assert lc["expiration"]["days"] == 90, "operations.search.failedRecordsExpirationDays (prod: 90)"
    assert b["protect"] is True, b["urn"]


def test_domain_publishes_its_error_and_audit_logs_to_encrypted_groups_only_it_may_write(
    prod: Render,
) -> None:
    d = prod.one(DOMAIN)
    groups = {g["outputs"]["arn"]: g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup")}
    published = {o["logType"]: o for o in d["inputs"]["logPublishingOptions"]}
    assert set(published) == {"ES_APPLICATION_LOGS", "AUDIT_LOGS"}, d["urn"]
    for o in published.values():
        g = groups[o["cloudwatchLogGroupArn"]]
        assert o["enabled"] is True and g["inputs"]["kmsKeyId"] == key_arn(prod, "logs", "us-east-1"), g[
            "urn"
        ]
        if o["logType"] == "AUDIT_LOGS":
            # Who read or changed what in the logs: kept at least a year in prod (issue 14, item 16).
            assert g["inputs"]["retentionInDays"] >= 365, (
                f"{g['urn']}: operations.search.auditLogRetentionDays"
            )
        else:
            assert g["inputs"]["retentionInDays"] == 90, (
                f"{g['urn']}: operations.search.domainLogRetentionDays"
            )
    policy = prod.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "operations-logs-domain-logs")
    [st] = statements(policy["inputs"]["policyDocument"])
    assert st["Principal"] == {"Service": "es.amazonaws.com"}, policy["urn"]
    assert st["Condition"]["ArnLike"]["aws:SourceArn"] == d["outputs"]["arn"], (
        f"{policy['urn']}: this domain only"
    )
    assert sorted(st["Resource"]) == sorted(f"{o['cloudwatchLogGroupArn']}:*" for o in published.values())
    assert policy["urn"] in d["dependsOn"], f"{d['urn']}: the policy must exist before the domain publishes"
