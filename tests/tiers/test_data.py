"""The data tier as the guide's Database Infrastructure section specifies it (prod), right-sized for staging,
with the departures of docs/departures.md: MySQL 8.4 (8.0 left RDS standard support), Graviton db.r7g (db.r5 is
previous generation), Redis OSS 7.1 (7.0-compatible, same redis7 family)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from settings import ConfigError, build_settings
from settings.common import daily_overlaps_weekly
from tests.render import Render
from tools.preview import ROOT, load_stack_config

RDS = "aws:rds/instance:Instance"
RDS_PG = "aws:rds/parameterGroup:ParameterGroup"
RDS_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECRET = "aws:secretsmanager/secret:Secret"


def key_arn(r: Render, where: str, purpose: str) -> str:
    return r.one("aws:kms/key:Key", f"keys-{where}-{purpose}")["outputs"]["arn"]


def private_subnet_ids(r: Render, prefix: str) -> list[str]:
    subnets = [s for s in r.of_type(SUBNET) if s["name"].startswith(f"{prefix}-private-")]
    return [s["id"] for s in sorted(subnets, key=lambda s: s["name"])]


def in_data_tier(r: Render) -> list[dict[str, Any]]:
    return [x for x in r.resources if "elite-locadora:data:" in x["urn"]]


# -- RDS MySQL primary ---------------------------------------------------------------------------------------------
def test_primary_is_the_guides_database(prod: Render) -> None:
    db = prod.one(RDS, "data-mysql")
    i, urn = db["inputs"], db["urn"]
    assert (i["engine"], i["engineVersion"]) == ("mysql", "8.4"), (
        f"{urn}: MySQL 8.4 LTS (departure from 8.0.35)"
    )
    assert i["instanceClass"] == "db.r7g.xlarge", (
        f"{urn}: the guide's db.r5.xlarge size on Graviton (departure)"
    )
    assert (i["allocatedStorage"], i["storageType"]) == (100, "gp3"), urn
    assert i["multiAz"] is True, f"{urn}: MultiAZ"
    assert (i["backupRetentionPeriod"], i["backupWindow"]) == (30, "03:00-04:00"), urn
    assert not daily_overlaps_weekly(i["backupWindow"], i["maintenanceWindow"]), (
        f"{urn}: maintenance window {i['maintenanceWindow']} overlaps the backup window"
    )
    assert i["deletionProtection"] is True and i["copyTagsToSnapshot"] is True, urn
    assert (
        i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] == "elite-locadora-prod-mysql-final"
    ), urn
    assert i["publiclyAccessible"] is False, urn
    assert i["enabledCloudwatchLogsExports"] == ["error", "slowquery"], f"{urn}: error and slow query logs"
    assert i["identifier"] == "elite-locadora-prod-mysql" and i["dbName"] == "elite_locadora", urn
    assert i["engineLifecycleSupport"] == "open-source-rds-extended-support-disabled", (
        f"{urn}: never drift into billed RDS Extended Support"
    )


def test_primary_is_encrypted_with_our_keys_and_rds_keeps_the_password(prod: Render) -> None:
    db = prod.one(RDS, "data-mysql")
    i, urn = db["inputs"], db["urn"]
    data_key = key_arn(prod, "primary", "data")
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == data_key, f"{urn}: storage under the data key"
    assert i["performanceInsightsEnabled"] is True and i["performanceInsightsKmsKeyId"] == data_key, urn
    assert i["performanceInsightsRetentionPeriod"] == 7, f"{urn}: free-tier retention"
    assert i["manageMasterUserPassword"] is True, f"{urn}: RDS generates and rotates the master password"
    assert i["masterUserSecretKmsKeyId"] == key_arn(prod, "primary", "secrets"), urn
    assert "password" not in i and "passwordWo" not in i, f"{urn}: no password passes through Pulumi"
    secret = db["outputs"]["masterUserSecrets"][0]["secretArn"]
    assert prod.outputs["dbMasterSecretArn"] == secret, "dbMasterSecretArn is the RDS-managed secret"


def test_enhanced_monitoring_every_60s_through_its_role(prod: Render) -> None:
    role = prod.one("aws:iam/role:Role", "data-rds-monitoring")
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "monitoring.rds.amazonaws.com"}], role["urn"]
    assert trust[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012", role["urn"]
    attach = prod.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "data-rds-monitoring")
    assert attach["inputs"]["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    ), attach["urn"]
    for db in prod.of_type(RDS):
        assert db["inputs"]["monitoringInterval"] == 60, db["urn"]
        assert db["inputs"]["monitoringRoleArn"] == role["outputs"]["arn"], db["urn"]


def test_primary_sits_in_the_private_subnets_behind_the_network_tiers_group(prod: Render) -> None:
    group = prod.one(RDS_SUBNETS, "data-mysql")
    assert group["inputs"]["subnetIds"] == private_subnet_ids(prod, "network"), (
        f"{group['urn']}: one private subnet of the primary VPC per AZ"
    )
    db = prod.one(RDS, "data-mysql")
    assert db["inputs"]["dbSubnetGroupName"] == group["outputs"]["name"], db["urn"]
    assert db["inputs"]["vpcSecurityGroupIds"] == [prod.one(SG, "network-db")["id"]], (
        f"{db['urn']}: the network tier's db group (3306 from the API tasks only)"
    )


def test_parameter_group_has_the_guides_parameters_and_requires_tls(prod: Render) -> None:
    pg = prod.one(RDS_PG, "data-mysql")
    assert pg["inputs"]["family"] == "mysql8.4", f"{pg['urn']}: the family of the engine version"
    params = {p["name"]: (p["value"], p["applyMethod"]) for p in pg["inputs"]["parameters"]}
    assert params == {
        "innodb_buffer_pool_size": ("{DBInstanceClassMemory*3/4}", "pending-reboot"),
        "max_connections": ("1000", "immediate"),
        "slow_query_log": ("1", "immediate"),
        "long_query_time": ("2", "immediate"),
        "log_queries_not_using_indexes": ("1", "immediate"),
        "log_output": ("FILE", "immediate"),
        "require_secure_transport": ("1", "immediate"),
    }, pg["urn"]
    for name in ("data-mysql", "data-mysql-replica-1"):
        db = prod.one(RDS, name)
        assert db["inputs"]["parameterGroupName"] == pg["outputs"]["name"], db["urn"]
        assert db["inputs"]["caCertIdentifier"] == "rds-ca-rsa2048-g1", db["urn"]


@pytest.mark.parametrize("stack,days", [("prod", 365), ("staging", 30)])
def test_exported_logs_land_in_encrypted_groups_created_first(render, stack: str, days: int) -> None:
    r: Render = render(stack)
    logs_key = key_arn(r, "primary", "logs")
    for db in (x for x in r.of_type(RDS) if x["region"] == "us-east-1"):
        ident = db["inputs"]["identifier"]
        for kind in ("error", "slowquery"):
            g = r.one(LOG_GROUP, f"{db['name']}-{kind}")
            assert g["inputs"]["name"] == f"/aws/rds/instance/{ident}/{kind}", g["urn"]
            assert g["inputs"]["kmsKeyId"] == logs_key, f"{g['urn']}: the logs key"
            assert g["inputs"]["retentionInDays"] == days, f"stack {stack}: data.database.logRetentionDays"
            assert g["urn"] in db["dependsOn"], f"{db['urn']}: RDS must not create the group itself"
    names = {r.one(LOG_GROUP, f"data-mysql-{k}")["inputs"]["name"] for k in ("error", "slowquery")}
    ops = [
        s
        for s in r.of_type("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
        if s["inputs"]["logGroup"] in names
    ]
    assert len(ops) == 2, f"stack {stack}: operations ships both database log groups to the log domain"


# -- read replicas -------------------------------------------------------------------------------------------------
def test_in_region_replica_is_in_the_second_az(prod: Render) -> None:
    primary = prod.one(RDS, "data-mysql")
    replica = prod.one(RDS, "data-mysql-replica-1")
    i, urn = replica["inputs"], replica["urn"]
    assert i["replicateSourceDb"] == primary["outputs"]["identifier"], f"{urn}: replicates the primary"
    second_az = prod.one(SUBNET, "network-private-2")["inputs"]["availabilityZone"]
    assert i["availabilityZone"] == second_az == "us-east-1b", (
        f"{urn}: the guide's us-east-1b, from the network"
    )
    assert i["instanceClass"] == "db.r7g.large", f"{urn}: the guide's db.r5.large size on Graviton"
    assert i["vpcSecurityGroupIds"] == [prod.one(SG, "network-db")["id"]], urn
    assert "kmsKeyId" not in i and "storageEncrypted" not in i, f"{urn}: same-region replicas inherit the key"
    assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is True, urn
    assert replica["region"] == "us-east-1", urn
    assert prod.outputs["dbReplicaIds"] == [replica["outputs"]["identifier"]]


def test_dr_replica_replicates_across_regions_with_the_dr_key_and_network(prod: Render) -> None:
    primary = prod.one(RDS, "data-mysql")
    dr = prod.one(RDS, "data-mysql-dr")
    i, urn = dr["inputs"], dr["urn"]
    assert dr["region"] == "us-west-2" and prod.provider_of(dr)["name"] == "dr", f"{urn}: the DR provider"
    assert i["replicateSourceDb"] == primary["outputs"]["arn"], f"{urn}: cross-region replicas name the ARN"
    dr_key = key_arn(prod, "dr", "data")
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == dr_key, f"{urn}: a key of the DR region"
    assert i["performanceInsightsKmsKeyId"] == dr_key, urn
    assert i["instanceClass"] == "db.r7g.large", urn
    first_dr_az = prod.one(SUBNET, "data-dr-network-private-1")["inputs"]["availabilityZone"]
    assert i["availabilityZone"] == first_dr_az == "us-west-2a", f"{urn}: the guide's us-west-2a"
    assert (i["backupRetentionPeriod"], i["backupWindow"]) == (30, "03:00-04:00"), (
        f"{urn}: backups of its own, so a promoted replica is recoverable at once"
    )
    group = prod.one(RDS_SUBNETS, "data-mysql-dr")
    assert group["region"] == "us-west-2" and i["dbSubnetGroupName"] == group["outputs"]["name"], urn
    assert group["inputs"]["subnetIds"] == private_subnet_ids(prod, "data-dr-network"), group["urn"]
    assert i["vpcSecurityGroupIds"] == [prod.one(SG, "data-dr-network-db")["id"]], urn
    pg = prod.one(RDS_PG, "data-mysql-dr")
    assert pg["region"] == "us-west-2" and i["parameterGroupName"] == pg["outputs"]["name"], urn
    assert pg["inputs"]["parameters"] == prod.one(RDS_PG, "data-mysql")["inputs"]["parameters"], pg["urn"]
    for kind in ("error", "slowquery"):
        g = prod.one(LOG_GROUP, f"data-mysql-dr-{kind}")
        assert g["region"] == "us-west-2" and g["inputs"]["kmsKeyId"] == key_arn(prod, "dr", "logs"), g["urn"]
    assert prod.outputs["drReplicaArn"] == dr["outputs"]["arn"]


def test_dr_network_is_private_over_the_dr_regions_azs(prod: Render) -> None:
    vpc = prod.one("aws:ec2/vpc:Vpc", "data-dr-network")
    assert vpc["region"] == "us-west-2" and vpc["inputs"]["cidrBlock"] == "10.100.0.0/16", vpc["urn"]
    subnets = [s for s in prod.of_type(SUBNET) if s["name"].startswith("data-dr-network-")]
    assert [s["inputs"]["cidrBlock"] for s in sorted(subnets, key=lambda s: s["name"])] == [
        "10.100.1.0/24",
        "10.100.2.0/24",
        "10.100.3.0/24",
    ]
    assert {s["inputs"]["availabilityZone"] for s in subnets} == {"us-west-2a", "us-west-2b", "us-west-2c"}
    assert all(s["inputs"]["vpcId"] == vpc["id"] and s["region"] == "us-west-2" for s in subnets)
    dr_ids = {x["id"] for x in prod.of_type("aws:ec2/vpc:Vpc") if x["region"] == "us-west-2"}
    for token in ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway"):
        assert not [x for x in prod.of_type(token) if x["inputs"].get("vpcId") in dr_ids], f"no {token} in DR"
    flow = prod.one("aws:ec2/flowLog:FlowLog", "data-dr-network-flow-logs")
    group = prod.one(LOG_GROUP, "data-dr-network-flow-logs")
    assert flow["inputs"]["vpcId"] == vpc["id"] and flow["inputs"]["trafficType"] == "ALL", flow["urn"]
    assert flow["inputs"]["logDestination"] == group["outputs"]["arn"] and group["region"] == "us-west-2"
    assert group["inputs"]["kmsKeyId"] == key_arn(prod, "dr", "logs"), f"{group['urn']}: the DR logs key"
    assert group["inputs"]["retentionInDays"] == 365, "data.drNetwork.flowLogRetentionDays"
    default = prod.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "data-dr-network")
    assert default["inputs"]["vpcId"] == vpc["id"] and not default["inputs"].get("ingress"), default["urn"]
    db_sg, app_sg = (prod.one(SG, f"data-dr-network-{k}")["id"] for k in ("db", "app"))
    rules = [x for x in prod.of_type(INGRESS, EGRESS) if x["name"].startswith("data-dr-network-")]
    assert {
        (
            x["type"],
            x["inputs"]["securityGroupId"],
            x["inputs"]["fromPort"],
            x["inputs"]["referencedSecurityGroupId"],
        )
        for x in rules
    } == {(INGRESS, db_sg, 3306, app_sg), (EGRESS, app_sg, 3306, db_sg)}, "MySQL only from the DR app group"
    assert not [x for x in rules if "cidrIpv4" in x["inputs"]], "no CIDR rules in the DR network"


# -- ElastiCache Redis ---------------------------------------------------------------------------------------------
def test_redis_is_the_guides_replication_group(prod: Render) -> None:
    rg = prod.one(REDIS, "data-redis")
    i, urn = rg["inputs"], rg["urn"]
    assert i["description"] == "Elite Locadora Redis Cluster", urn
    assert (i["engine"], i["engineVersion"]) == ("redis", "7.1"), f"{urn}: Redis OSS 7.1 (departure from 7.0)"
    assert (i["nodeType"], i["numCacheClusters"]) == ("cache.r6g.large", 3), urn
    assert i["automaticFailoverEnabled"] is True and i["multiAzEnabled"] is True, urn
    assert i["preferredCacheClusterAzs"] == ["us-east-1a", "us-east-1b", "us-east-1c"], (
        f"{urn}: primary and two replicas across the network's AZs"
    )
    assert (i["snapshotRetentionLimit"], i["snapshotWindow"]) == (7, "03:00-05:00"), urn
    assert i["maintenanceWindow"] == "sun:05:00-sun:06:00", urn
    assert not daily_overlaps_weekly(i["snapshotWindow"], i["maintenanceWindow"]), urn
    assert i["finalSnapshotIdentifier"] == "elite-locadora-prod-redis-final", urn


def test_redis_is_encrypted_and_needs_its_generated_token(prod: Render) -> None:
    rg = prod.one(REDIS, "data-redis")
    i, urn = rg["inputs"], rg["urn"]
    assert i["atRestEncryptionEnabled"] is True and i["kmsKeyId"] == key_arn(prod, "primary", "data"), urn
    assert i["transitEncryptionEnabled"] is True and i["transitEncryptionMode"] == "required", urn
    assert i["authToken"] == "[secret]" and "authToken" in rg["secretInputs"], f"{urn}: the token is secret"
    token = prod.one("random:index/randomPassword:RandomPassword", "data-redis-auth")
    assert token["inputs"]["length"] == 64 and token["inputs"]["special"] is False, token["urn"]
    assert token["outputs"]["result"] == "[secret]", f"{token['urn']}: the generated token stays a secret"
    assert token["urn"] in rg["propertyDependencies"]["authToken"], f"{urn}: the token is the generated one"


def test_redis_token_is_kept_in_a_replicated_encrypted_secret(prod: Render) -> None:
    secret = prod.one(SECRET, "data-redis-auth")
    i = secret["inputs"]
    assert i["name"] == "elite-locadora-prod-redis-auth", secret["urn"]
    assert i["kmsKeyId"] == key_arn(prod, "primary", "secrets"), f"{secret['urn']}: the secrets key"
    assert i["replicas"] == [{"region": "us-west-2", "kmsKeyId": key_arn(prod, "dr", "secrets")}], secret[
        "urn"
    ]
    version = prod.one("aws:secretsmanager/secretVersion:SecretVersion", "data-redis-auth")
    assert version["inputs"]["secretId"] == secret["id"], version["urn"]
    assert version["inputs"]["secretString"] == "[secret]" and "secretString" in version["secretInputs"]
    token = prod.one("random:index/randomPassword:RandomPassword", "data-redis-auth")
    assert token["urn"] in version["propertyDependencies"]["secretString"], version["urn"]
    assert prod.outputs["redisAuthSecretArn"] == secret["outputs"]["arn"], (
        "only the secret's ARN is an output"
    )
    assert not [k for k in prod.outputs if "token" in k.lower() or "password" in k.lower()], (
        prod.outputs.keys()
    )


def test_redis_parameters_network_and_slow_log(prod: Render) -> None:
    rg = prod.one(REDIS, "data-redis")
    i, urn = rg["inputs"], rg["urn"]
    pg = prod.one("aws:elasticache/parameterGroup:ParameterGroup", "data-redis")
    assert pg["inputs"]["family"] == "redis7", pg["urn"]
    assert {p["name"]: p["value"] for p in pg["inputs"]["parameters"]} == {
        "maxmemory-policy": "allkeys-lru",
        "timeout": "300",
        "tcp-keepalive": "60",
    }, pg["urn"]
    assert i["parameterGroupName"] == pg["outputs"]["name"], urn
    subnets = prod.one("aws:elasticache/subnetGroup:SubnetGroup", "data-redis")
    assert subnets["inputs"]["subnetIds"] == private_subnet_ids(prod, "network"), subnets["urn"]
    assert i["subnetGroupName"] == subnets["outputs"]["name"], urn
    assert i["securityGroupIds"] == [prod.one(SG, "network-cache")["id"]], f"{urn}: the network's cache group"
    log = prod.one(LOG_GROUP, "data-redis-slow-log")
    assert log["inputs"]["kmsKeyId"] == key_arn(prod, "primary", "logs"), log["urn"]
    assert i["logDeliveryConfigurations"] == [
        {
            "destination": log["outputs"]["name"],
            "destinationType": "cloudwatch-logs",
            "logFormat": "json",
            "logType": "slow-log",
        }
    ], urn


# -- prod and staging ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack,protected", [("prod", True), ("staging", False)])
def test_stateful_resources_are_protected_and_retained_in_prod(render, stack: str, protected: bool) -> None:
    r: Render = render(stack)
    stateful = r.of_type(RDS, REDIS) + [r.one(SECRET, "data-redis-auth")]
    for x in stateful:
        assert x["protect"] is protected and x["retainOnDelete"] is protected, f"stack {stack}: {x['urn']}"


def test_staging_is_the_same_shape_right_sized(staging: Render) -> None:
    db = staging.one(RDS, "data-mysql")
    assert db["inputs"]["instanceClass"] == "db.t4g.large", db["urn"]
    assert db["inputs"]["backupRetentionPeriod"] == 7 and db["inputs"]["allocatedStorage"] == 50, db["urn"]
    replicas = [x for x in staging.of_type(RDS) if x["inputs"].get("replicateSourceDb")]
    assert [(x["name"], x["inputs"]["instanceClass"]) for x in replicas] == [
        ("data-mysql-replica-1", "db.t4g.medium")
    ], "staging: one in-region replica, no cross-region replica unless configured"
    assert not [x for x in staging.resources if x["name"].startswith("data-dr-network")], "no DR network"
    assert "drReplicaArn" not in staging.outputs
    rg = staging.one(REDIS, "data-redis")
    assert (rg["inputs"]["nodeType"], rg["inputs"]["numCacheClusters"]) == ("cache.t4g.medium", 2), rg["urn"]
    assert rg["inputs"]["snapshotRetentionLimit"] == 1, rg["urn"]
    assert rg["inputs"]["automaticFailoverEnabled"] is True, f"{rg['urn']}: still fails over"


def _program_with_data(tmp_path, stack: str, change) -> str:
    """A copy of the program whose stack file has a changed data block."""
    import shutil

    import yaml

    dst = tmp_path / "program"
    dst.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", "components", "settings"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst / name)
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    change(doc["config"]["elite-locadora:data"])
    (dst / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))
    return str(dst)


def test_staging_gets_a_dr_replica_when_configured(render, tmp_path) -> None:
    def add_dr(data: dict) -> None:
        data["database"]["drReplica"] = {"instanceClass": "db.t4g.medium"}
        data["drNetwork"] = {"vpcCidr": "10.101.0.0/16", "privateSubnets": ["10.101.1.0/24", "10.101.2.0/24"]}

    program = _program_with_data(tmp_path, "staging", add_dr)
    r: Render = render("staging", program=program, pack_config=ROOT / "policies/config/staging.json")
    dr = r.one(RDS, "data-mysql-dr")
    assert dr["region"] == "us-west-2" and dr["inputs"]["instanceClass"] == "db.t4g.medium", dr["urn"]
    assert dr["inputs"]["replicateSourceDb"] == r.one(RDS, "data-mysql")["outputs"]["arn"], dr["urn"]
    assert dr["inputs"]["kmsKeyId"] == key_arn(r, "dr", "data"), dr["urn"]
    assert dr["protect"] is False, f"{dr['urn']}: staging protects nothing"
    subnets = [s for s in r.of_type(SUBNET) if s["name"].startswith("data-dr-network-")]
    assert {s["inputs"]["availabilityZone"] for s in subnets} == {"us-west-2a", "us-west-2b"}
    assert r.outputs["drReplicaArn"] == dr["outputs"]["arn"]
    urns = {x["urn"] for x in in_data_tier(r)}
    assert not [v for v in r.mandatory() if v["urn"] in urns], [v["message"] for v in r.mandatory()]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_pack_finds_nothing_in_the_data_tier(render, stack: str) -> None:
    r: Render = render(stack)
    urns = {x["urn"] for x in in_data_tier(r)}
    found = [f"{v['policy']} ({v['enforcementLevel']}): {v['urn']}" for v in r.violations if v["urn"] in urns]
    assert not found, f"stack {stack}: " + "; ".join(found)
    assert all(r.provider_of(x) for x in in_data_tier(r) if x["custom"] and x["type"].startswith("aws:"))


# -- bad input -----------------------------------------------------------------------------------------------------
def _raw(stack: str) -> dict[str, Any]:
    values = load_stack_config(ROOT, stack).values
    return {k: json.loads(v) if v[:1] in "{[" else v for k, v in values.items()}


def _with(stack: str, changes: dict[tuple, Any]) -> dict[str, Any]:
    cfg = copy.deepcopy(_raw(stack))
    for path, value in changes.items():
        target = cfg["elite-locadora:data"]
        for p in path[:-1]:
            target = target[p]
        if value is None:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
    return cfg


BAD = {
    "overlapping windows": (
        "prod",
        {("database", "maintenanceWindow"): "sun:03:30-sun:04:30"},
        r"elite-locadora:data\.database\.maintenanceWindow.*overlaps backupWindow 03:00-04:00",
    ),
    "retention out of range": (
        "prod",
        {("database", "backupRetentionDays"): 36},
        r"elite-locadora:data\.database\.backupRetentionDays' = 36.*less than or equal to 35",
    ),
    "replica smaller than allowed": (
        "prod",
        # db.r7g starts at large (db.r7g.medium does not exist): two sizes below xlarge is a t4g.medium.
        {("database", "replicas"): [{"instanceClass": "db.t4g.medium"}]},
        r"elite-locadora:data\.database\.replicas'.*db\.t4g\.medium is smaller than allowed.*db\.r7g\.xlarge",
    ),
    "DR replica smaller than allowed": (
        "prod",
        {("database", "drReplica", "instanceClass"): "db.t4g.small"},
        r"elite-locadora:data\.database\.drReplica\.instanceClass'.*smaller than allowed",
    ),
    "Multi-AZ off in prod": (
        "prod",
        {("database", "multiAz"): False},
        r"elite-locadora:data\.database\.multiAz'.*prod must run the database Multi-AZ",
    ),
    "MySQL version not allowed": (
        "prod",
        {("database", "engineVersion"): "8.0.35"},
        r"elite-locadora:data\.database\.engineVersion' = '8\.0\.35'.*'8\.4'",
    ),
    "Redis version not allowed": (
        "staging",
        {("cache", "engineVersion"): "6.2"},
        r"elite-locadora:data\.cache\.engineVersion' = '6\.2'.*'7\.0' or '7\.1'",
    ),
    "one cache node cannot fail over": (
        "prod",
        {("cache", "numCacheClusters"): 1},
        r"elite-locadora:data\.cache\.numCacheClusters' = 1.*greater than or equal to 2",
    ),
    "cache windows overlap": (
        "prod",
        {("cache", "maintenanceWindow"): "mon:04:00-mon:05:00"},
        r"elite-locadora:data\.cache\.maintenanceWindow.*overlaps snapshotWindow",
    ),
    "Performance Insights retention": (
        "staging",
        {("database", "performanceInsightsRetentionDays"): 30},
        r"elite-locadora:data\.database\.performanceInsightsRetentionDays' = 30.*months × 31",
    ),
    "autoscaling ceiling too low": (
        "prod",
        {("database", "maxAllocatedStorage"): 105},
        r"elite-locadora:data\.database\.maxAllocatedStorage.*at least 10% above allocatedStorage",
    ),
    "DR replica without a DR network": (
        "prod",
        {("drNetwork",): None},
        r"elite-locadora:data\.drNetwork.*needs a network in the DR region",
    ),
    "DR network overlapping the primary VPC": (
        "prod",
        {
            ("drNetwork", "vpcCidr"): "10.0.0.0/8",
            ("drNetwork", "privateSubnets"): ["10.200.1.0/24", "10.200.2.0/24"],
        },
        r"elite-locadora:data\.drNetwork\.vpcCidr.*overlaps network\.vpcCidr 10\.0\.0\.0/16",
    ),
    "reserved master user": (
        "staging",
        {("database", "username"): "rdsadmin"},
        r"elite-locadora:data\.database\.username' = 'rdsadmin'.*reserved",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_data_config_fails_naming_stack_key_and_what_is_allowed(case: str) -> None:
    stack, changes, message = BAD[case]
    with pytest.raises(ConfigError, match=message) as err:
        build_settings(_with(stack, changes), "elite-locadora", stack)
    assert f"stack '{stack}'" in str(err.value)
