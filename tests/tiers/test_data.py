"""The data tier as the guide's Database Infrastructure section specifies it (prod), right-sized for staging,
with the departures of docs/departures.md: MySQL 8.4 (8.0 left RDS standard support), Graviton db.r7g (db.r5 is
previous generation), Redis OSS 7.1 (7.0-compatible, same redis7 family)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.compute_containers import RDS_CA_BUNDLE_PATH
from settings import ConfigError, build_settings
from settings.common import daily_overlaps_weekly
from settings.data import APP_PRIVILEGES
from tests.render import Render
from tests.variants import TOKEN_VERSION
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
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
RANDOM = "random:index/randomPassword:RandomPassword"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


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


def test_primary_is_encrypted_with_our_keys(prod: Render) -> None:
    db = prod.one(RDS, "data-mysql")
    i, urn = db["inputs"], db["urn"]
    data_key = key_arn(prod, "primary", "data")
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == data_key, f"{urn}: storage under the data key"
    assert i["performanceInsightsEnabled"] is True and i["performanceInsightsKmsKeyId"] == data_key, urn
    assert i["performanceInsightsRetentionPeriod"] == 7, f"{urn}: free-tier retention"


# -- database credentials (issue #14 items 1 and 2) ----------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_replicated_primary_never_has_an_rds_managed_password(render, stack: str) -> None:
    """RDS refuses a read replica of a MySQL source whose master password Secrets Manager manages (RDS user
    guide, "Limitations for Secrets Manager integration"): the password is generated, seeds the instance once,
    and a later deploy never sets it back over a rotated one."""
    r: Render = render(stack)
    db = r.one(RDS, "data-mysql")
    i, urn = db["inputs"], db["urn"]
    assert [x for x in r.of_type(RDS) if x["inputs"].get("replicateSourceDb")], f"stack {stack}: has replicas"
    assert not i.get("manageMasterUserPassword"), (
        f"{urn}: RDS cannot replicate a source it manages the password of"
    )
    assert "masterUserSecretKmsKeyId" not in i, urn
    generated = r.one(RANDOM, "data-mysql-master-password")
    assert generated["inputs"]["length"] == 40 and generated["inputs"]["special"] is False, generated["urn"]
    assert i["password"] == "[secret]" and "password" in db["secretInputs"], (
        f"{urn}: the password is a secret"
    )
    assert db["propertyDependencies"]["password"] == [generated["urn"]], f"{urn}: the generated password"
    assert db["ignoreChanges"] == ["password"], (
        f"{urn}: the rotation function owns the password after creation"
    )


@pytest.mark.parametrize("key,user", [("mysql-master", "elite_admin"), ("mysql-app", "elite_app")])
def test_database_users_secrets_are_encrypted_replicated_and_seeded(
    prod: Render, key: str, user: str
) -> None:
    secret = prod.one(SECRET, f"data-{key}")
    i = secret["inputs"]
    assert i["name"] == f"elite-locadora-prod-{key}", secret["urn"]
    assert i["kmsKeyId"] == key_arn(prod, "primary", "secrets"), f"{secret['urn']}: the secrets key"
    assert i["replicas"] == [{"region": "us-west-2", "kmsKeyId": key_arn(prod, "dr", "secrets")}], (
        f"{secret['urn']}: a promoted DR replica finds its credentials in its own region"
    )
    version = prod.one(VERSION, f"data-{key}")
    assert version["inputs"]["secretId"] == secret["id"], version["urn"]
    assert version["inputs"]["secretString"] == "[secret]" and "secretString" in version["secretInputs"]
    password = prod.one(RANDOM, f"data-{key}-password")
    deps = version["propertyDependencies"]["secretString"]
    assert password["urn"] in deps and prod.one(RDS, "data-mysql")["urn"] in deps, (
        f"{version['urn']}: the generated password and the primary's endpoint"
    )
    assert version["ignoreChanges"] == ["secretString"], (
        f"{version['urn']}: after the seed the rotation function writes the versions; a deploy never puts it back"
    )
    if key == "mysql-app":
        master = prod.one(SECRET, "data-mysql-master")["urn"]
        assert master in deps, f"{version['urn']}: `masterarn` names the master secret (multi-user rotation)"
    db = prod.one(RDS, "data-mysql")
    assert db["inputs"]["username"] == "elite_admin", db["urn"]
    assert prod.outputs["dbMasterSecretArn"] == prod.one(SECRET, "data-mysql-master")["outputs"]["arn"]
    assert prod.outputs["dbAppSecretArn"] == prod.one(SECRET, "data-mysql-app")["outputs"]["arn"]
    assert not [k for k in prod.outputs if "password" in k.lower()], prod.outputs.keys()


def test_both_users_rotate_with_our_function_in_the_private_subnets(prod: Render) -> None:
    """One rotation function per user (ours, so that its role carries the workload boundary like every role):
    the master rotates itself, the application alternates two users through the master; both run in the private
    subnets in the rotation group, log to an encrypted group created first, and may touch only their secrets."""
    rotation_sg = prod.one(SG, "network-rotation")["id"]
    secrets = {k: prod.one(SECRET, f"data-mysql-{k}")["outputs"]["arn"] for k in ("master", "app")}
    for key, mode, reads in (
        ("mysql-master", "single", []),
        ("mysql-app", "alternating", [secrets["master"]]),
    ):
        fn = prod.one(FUNCTION, f"data-{key}-rotation")
        i, urn = fn["inputs"], fn["urn"]
        assert (i["handler"], i["runtime"]) == ("index.handler", "python3.12"), urn
        assert i["vpcConfig"]["subnetIds"] == private_subnet_ids(prod, "network"), f"{urn}: private subnets"
        assert i["vpcConfig"]["securityGroupIds"] == [rotation_sg], f"{urn}: the rotation group"
        env = i["environment"]["variables"]
        assert env["ROTATION_MODE"] == mode and env["SECRETS_MANAGER_ENDPOINT"].endswith(
            "us-east-1.amazonaws.com"
        )
        assert not set("/@\"'\\ ") - set(env["EXCLUDE_CHARACTERS"]), f"{urn}: RDS-refused characters"
        log = prod.one(LOG_GROUP, f"data-{key}-rotation")
        assert log["inputs"]["name"] == f"/aws/lambda/{i['name']}" and log["urn"] in fn["dependsOn"], urn
        assert log["inputs"]["kmsKeyId"] == key_arn(prod, "primary", "logs"), log["urn"]
        role = prod.one("aws:iam/role:Role", f"data-{key}-rotation")
        assert i["role"] == role["outputs"]["arn"] and role["inputs"].get("permissionsBoundary"), role["urn"]
        policy = prod.one(ROLE_POLICY, f"data-{key}-rotation")
        assert policy["urn"] in fn["dependsOn"], f"{urn}: waits for its permissions"
        by_sid = {st["Sid"]: st for st in json.loads(policy["inputs"]["policy"])["Statement"]}
        own = prod.one(SECRET, f"data-{key}")["outputs"]["arn"]
        assert by_sid["RotateOwnSecret"]["Resource"] == own, f"{policy['urn']}: its own secret only"
        assert by_sid.get("ReadMasterSecret", {}).get("Resource", []) == reads, policy["urn"]
        permission = prod.one("aws:lambda/permission:Permission", f"data-{key}-rotation")
        assert permission["inputs"]["principal"] == "secretsmanager.amazonaws.com"
        assert permission["inputs"]["sourceArn"] == own, f"{permission['urn']}: only for this secret"
        rotation = prod.one(ROTATION, f"data-{key}")
        ri = rotation["inputs"]
        assert ri["secretId"] == prod.one(SECRET, f"data-{key}")["id"], rotation["urn"]
        assert ri["rotationLambdaArn"] == fn["outputs"]["arn"], rotation["urn"]
        assert ri["rotationRules"] == {"automaticallyAfterDays": 30}, "data.database.rotationDays"
        assert ri["rotateImmediately"] is False, (
            f"{rotation['urn']}: the app user exists only after the bootstrap"
        )


def test_the_rotation_group_reaches_only_the_database_and_the_endpoints(prod: Render) -> None:
    ids = {k: prod.one(SG, f"network-{k}")["id"] for k in ("rotation", "db", "endpoints", "api")}
    rules = {
        (
            x["type"],
            x["inputs"]["securityGroupId"],
            x["inputs"]["fromPort"],
            x["inputs"].get("referencedSecurityGroupId"),
        )
        for x in prod.of_type(INGRESS, EGRESS)
        if ids["rotation"] in (x["inputs"]["securityGroupId"], x["inputs"].get("referencedSecurityGroupId"))
    }
    assert rules == {
        (EGRESS, ids["rotation"], 3306, ids["db"]),
        (EGRESS, ids["rotation"], 443, ids["endpoints"]),
        (INGRESS, ids["db"], 3306, ids["rotation"]),
        (INGRESS, ids["endpoints"], 443, ids["rotation"]),
    }, "the rotation functions: MySQL to the database, HTTPS to the Secrets Manager endpoint, nothing else"


def _container(r: Render, urn_part: str) -> dict:
    [td] = [x for x in r.of_type(TASK_DEF) if x["urn"].endswith(urn_part)]
    defs = td["inputs"]["containerDefinitions"]
    [c] = json.loads(defs) if isinstance(defs, str) else defs
    return c


def test_the_api_and_worker_connect_as_the_application_user_never_the_master(prod: Render) -> None:
    app = prod.one(SECRET, "data-mysql-app")["outputs"]["arn"]
    master = prod.one(SECRET, "data-mysql-master")["outputs"]["arn"]
    for key in ("api", "worker", "web"):
        c = _container(prod, f"::compute-{key}")
        refs = {s["name"]: s["valueFrom"] for s in c.get("secrets", [])}
        assert master not in json.dumps(c), f"compute-{key}: the master secret stays with the bootstrap task"
        if key != "web":
            assert refs["DB_USERNAME"] == f"{app}:username::", f"compute-{key}: the rotated user's name"
            assert refs["DB_PASSWORD"] == f"{app}:password::", f"compute-{key}: its password"
    policy = prod.one(ROLE_POLICY, "compute-execution")["inputs"]["policy"]
    assert master not in policy and app in policy, (
        "compute-execution reads the application user's secret only"
    )


def test_the_bootstrap_task_creates_the_application_user_over_verified_tls(prod: Render) -> None:
    """Pulumi Deployments runs outside the VPC: the application user is created once by a one-off Fargate task
    (defined here) that holds the master secret and runs idempotent SQL over TLS verified against the RDS CA."""
    c = _container(prod, "::db-access-bootstrap")
    app = prod.one(SECRET, "data-mysql-app")["outputs"]["arn"]
    master = prod.one(SECRET, "data-mysql-master")["outputs"]["arn"]
    assert {s["name"]: s["valueFrom"] for s in c["secrets"]} == {
        "MASTER_USERNAME": f"{master}:username::",
        "MASTER_PASSWORD": f"{master}:password::",
        "APP_USERNAME": f"{app}:username::",
        "APP_PASSWORD": f"{app}:password::",
    }
    env = {e["name"]: e["value"] for e in c["environment"]}
    db = prod.one(RDS, "data-mysql")["outputs"]
    assert (env["DB_HOST"], env["DB_DATABASE"]) == (db["address"], "elite_locadora")
    assert env["MYSQL_ATTR_SSL_CA"] == RDS_CA_BUNDLE_PATH
    assert env["APP_PRIVILEGES"] == ", ".join(APP_PRIVILEGES), "data.database.appPrivileges"
    assert not [p for p in ("ALL", "GRANT OPTION", "SUPER", "CREATE USER") if p in env["APP_PRIVILEGES"]]
    script = c["command"][2]
    assert (
        c["command"][:2] == ["php", "-r"]
        and "CREATE USER IF NOT EXISTS" in script
        and "REQUIRE SSL" in script
    )
    assert "MYSQL_ATTR_SSL_VERIFY_SERVER_CERT => true" in script and "ON `%s`.*" in script, (
        "schema-only grant"
    )
    assert c["readonlyRootFilesystem"] is True and c["user"] == "33:33", "hardened like the API"
    backend = _container(prod, "::compute-api")["image"]
    assert c["image"] == backend, "the backend image (PHP, PDO MySQL, the RDS CA bundle)"
    doc = json.loads(prod.one(ROLE_POLICY, "db-access-db-bootstrap-execution")["inputs"]["policy"])
    [read] = [st for st in doc["Statement"] if st["Sid"] == "ReadInjectedSecrets"]
    assert sorted(read["Resource"]) == sorted([app, master]), "exactly the two secrets it injects"
    assert prod.outputs["dbBootstrapTaskFamily"] == "elite-locadora-prod-db-bootstrap"


def test_the_api_and_worker_roll_after_the_application_user_rotates(prod: Render) -> None:
    """ECS injects secrets at task start only: after each rotation EventBridge starts a state machine that forces
    a new deployment of exactly the services that read the application user's secret."""
    app = prod.one(SECRET, "data-mysql-app")["outputs"]["arn"]
    rule = prod.one("aws:cloudwatch/eventRule:EventRule", "db-access-db-rotated")
    pattern = json.loads(rule["inputs"]["eventPattern"])
    assert pattern["detail"]["eventName"] == ["RotationSucceeded"], rule["urn"]
    assert pattern["detail"]["additionalEventData"]["SecretId"] == [app], f"{rule['urn']}: only this secret"
    machine = prod.one("aws:sfn/stateMachine:StateMachine", "db-access-db-rotation-roll")
    target = prod.one("aws:cloudwatch/eventTarget:EventTarget", "db-access-db-rotated")
    assert (
        target["inputs"]["arn"] == machine["outputs"]["arn"]
        and target["inputs"]["rule"] == rule["outputs"]["name"]
    )
    steps = json.loads(machine["inputs"]["definition"])["States"].values()
    cluster = prod.one("aws:ecs/cluster:Cluster", "compute-cluster")["outputs"]["arn"]
    services = {
        s["outputs"]["name"]
        for s in prod.of_type("aws:ecs/service:Service")
        if s["name"] in ("compute-api", "compute-worker")
    }
    assert {
        (s["Parameters"]["Cluster"], s["Parameters"]["Service"], s["Parameters"]["ForceNewDeployment"])
        for s in steps
    } == {(cluster, svc, True) for svc in services}, machine["urn"]
    doc = json.loads(prod.one(ROLE_POLICY, "db-access-db-rotation-roll")["inputs"]["policy"])
    assert [st["Action"] for st in doc["Statement"]] == ["ecs:UpdateService"], "nothing but the roll"
    assert len(doc["Statement"][0]["Resource"]) == 2, "the API and worker services only"


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


def test_dr_network_spans_the_dr_regions_azs_and_its_database_admits_only_the_dr_app(prod: Render) -> None:
    vpc = prod.one("aws:ec2/vpc:Vpc", "data-dr-network")
    assert vpc["region"] == "us-west-2" and vpc["inputs"]["cidrBlock"] == "10.100.0.0/16", vpc["urn"]
    subnets = sorted(
        (s for s in prod.of_type(SUBNET) if s["name"].startswith("data-dr-network-")), key=lambda s: s["name"]
    )
    by_tier = {
        tier: [s["inputs"]["cidrBlock"] for s in subnets if s["inputs"]["tags"]["Tier"] == tier]
        for tier in ("private", "public")
    }
    assert by_tier == {
        "private": ["10.100.1.0/24", "10.100.2.0/24", "10.100.3.0/24"],
        "public": ["10.100.101.0/24", "10.100.102.0/24", "10.100.103.0/24"],
    }, "data.drNetwork.privateSubnets, and the DR site's dr.publicSubnets"
    assert {s["inputs"]["availabilityZone"] for s in subnets} == {"us-west-2a", "us-west-2b", "us-west-2c"}
    assert all(s["inputs"]["vpcId"] == vpc["id"] and s["region"] == "us-west-2" for s in subnets)
    assert not any(s["inputs"]["mapPublicIpOnLaunch"] for s in subnets if "public" in s["name"]), (
        "nothing in the public subnets gets an address of its own"
    )
    # The DR site's way out (dr.natGateways: one for a pilot light); the replica itself never needed one.
    nats = [x for x in prod.of_type("aws:ec2/natGateway:NatGateway") if x["region"] == "us-west-2"]
    assert len(nats) == 1 and nats[0]["name"] == "data-dr-network-nat-1", [x["name"] for x in nats]
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
    to_db = {
        (x["type"], x["inputs"].get("referencedSecurityGroupId"))
        for x in rules
        if x["inputs"]["fromPort"] == 3306
    }
    assert to_db == {(INGRESS, app_sg), (EGRESS, db_sg)}, (
        "MySQL only between the DR app group and the database"
    )
    assert not [x for x in rules if x["inputs"]["securityGroupId"] == db_sg and x["type"] == EGRESS]
    open_to_all = [x for x in rules if x["type"] == INGRESS and "cidrIpv4" in x["inputs"]]
    assert not open_to_all, (
        "no CIDR ingress in the DR network: the DR load balancer admits CloudFront's list only"
    )


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
    assert version["inputs"]["secretStringWo"] == "[secret]" and "secretStringWo" in version["secretInputs"]
    token = prod.one("random:index/randomPassword:RandomPassword", "data-redis-auth")
    assert token["urn"] in version["propertyDependencies"]["secretStringWo"], version["urn"]
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


def test_the_redis_token_rotates_without_breaking_running_clients(prod: Render) -> None:
    """cache.authTokenVersion keeps the generated token; a new version rotates it with ROTATE (ElastiCache keeps
    the previous token valid), writes the secret in place after ElastiCache accepted it, and the API and worker
    read that exact version, so their task definitions change and the services roll in the same deploy."""
    token = prod.one(RANDOM, "data-redis-auth")
    assert token["inputs"]["keepers"] == {"version": "1"}, f"{token['urn']}: data.cache.authTokenVersion"
    group = prod.one(REDIS, "data-redis")
    assert group["inputs"]["authTokenUpdateStrategy"] == "ROTATE", f"{group['urn']}: SET would cut off tasks"
    version = prod.one(VERSION, "data-redis-auth")
    assert version["inputs"]["secretStringWoVersion"] == 1, f"{version['urn']}: updated in place per rotation"
    assert group["urn"] in version["dependsOn"], (
        f"{version['urn']}: written after ElastiCache accepts the token"
    )
    arn, vid = prod.one(SECRET, "data-redis-auth")["outputs"]["arn"], version["outputs"]["versionId"]
    for key in ("api", "worker"):
        refs = {x["name"]: x["valueFrom"] for x in _container(prod, f"::compute-{key}")["secrets"]}
        assert refs["REDIS_PASSWORD"] == f"{arn}:authToken::{vid}", f"compute-{key}: pinned to this version"


def test_a_new_token_version_and_reordered_replicas_replace_nothing(staging_variant: Render) -> None:
    """Issue #14 items 16 and 17 on a changed staging (tests/variants.py): authTokenVersion 2 feeds the keeper and
    the secret version; replicas keyed by name keep their logical names and identifiers whatever their order."""
    r = staging_variant
    assert r.one(RANDOM, "data-redis-auth")["inputs"]["keepers"] == {"version": str(TOKEN_VERSION)}
    assert r.one(VERSION, "data-redis-auth")["inputs"]["secretStringWoVersion"] == TOKEN_VERSION
    # The in-region replicas come from data.database.replicas; the DR replica (item 18) is keyed apart.
    replicas = {
        x["name"]: x["inputs"]["identifier"]
        for x in r.of_type(RDS)
        if x["inputs"].get("replicateSourceDb") and x["region"] != r.outputs["drRegion"]
    }
    assert replicas == {
        "data-mysql-replica-1": "elite-locadora-staging-mysql-replica-1",
        "data-mysql-reports": "elite-locadora-staging-mysql-reports",
    }, "replica-1 keeps its name and identifier though it moved to second place"
    for name in replicas:
        assert r.one(RDS, name)["ignoreChanges"] == ["availabilityZone"], (
            f"{name}: its AZ is fixed at creation"
        )


def test_queued_jobs_live_where_nothing_evicts_them(prod: Render) -> None:
    """Redis evicts any key under allkeys-lru: Laravel's jobs go to an encrypted SQS queue with a dead-letter
    queue; the API and worker use the sqs connection with least-privilege IAM; nothing queues on Redis."""
    queue, dead = prod.one(QUEUE, "data-jobs"), prod.one(QUEUE, "data-jobs-dlq")
    data_key = key_arn(prod, "primary", "data")
    for q in (queue, dead):
        assert q["inputs"]["kmsMasterKeyId"] == data_key, f"{q['urn']}: the data key"
        assert q["inputs"]["messageRetentionSeconds"] == 14 * 86400, f"{q['urn']}: data.queue.retentionDays"
        assert q["protect"] is True, f"{q['urn']}: queued jobs are data"
    redrive = json.loads(queue["inputs"]["redrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dead["outputs"]["arn"], "maxReceiveCount": 5}, queue["urn"]
    assert (
        queue["inputs"]["visibilityTimeoutSeconds"] == 300 and queue["inputs"]["receiveWaitTimeSeconds"] == 20
    )
    url = queue["outputs"]["url"]
    for key in ("api", "worker"):
        c = _container(prod, f"::compute-{key}")
        env = {e["name"]: e["value"] for e in c["environment"]}
        assert env["QUEUE_CONNECTION"] == "sqs", f"compute-{key}: jobs are not on Redis"
        assert f"{env['SQS_PREFIX']}/{env['SQS_QUEUE']}" == url, (
            f"compute-{key}: Laravel's prefix + queue name"
        )
        doc = json.loads(prod.one(ROLE_POLICY, f"compute-{key}-task")["inputs"]["policy"])
        [st] = [x for x in doc["Statement"] if x["Sid"] == "JobQueue"]
        assert st["Resource"] == queue["outputs"]["arn"], f"compute-{key}-task: this queue only"
        assert ("sqs:ReceiveMessage" in st["Action"]) is (key == "worker"), (
            f"compute-{key}-task: {st['Action']}"
        )
        [kms] = [x for x in doc["Statement"] if x["Sid"] == "JobQueueKeyThroughSqs"]
        assert kms["Resource"] == data_key and kms["Condition"]["StringEquals"]["kms:ViaService"] == (
            "sqs.us-east-1.amazonaws.com"
        )
    worker = _container(prod, "::compute-worker")["command"]
    assert worker[:4] == ["php", "artisan", "queue:work", "sqs"] and "--timeout=240" in worker
    assert queue["inputs"]["visibilityTimeoutSeconds"] > 240, "a running job must not reappear"


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
    assert sorted((x["name"], x["region"], x["inputs"]["instanceClass"]) for x in replicas) == [
        ("data-mysql-dr", "us-west-2", "db.t4g.medium"),
        ("data-mysql-replica-1", "us-east-1", "db.t4g.medium"),
    ], "staging: one in-region replica and the DR replica, right-sized (it exercises prod's DR path)"
    vpc = staging.one("aws:ec2/vpc:Vpc", "data-dr-network")
    assert (vpc["region"], vpc["inputs"]["cidrBlock"]) == ("us-west-2", "10.101.0.0/16"), vpc["urn"]
    assert "drReplicaArn" in staging.outputs
    rg = staging.one(REDIS, "data-redis")
    assert (rg["inputs"]["nodeType"], rg["inputs"]["numCacheClusters"]) == ("cache.t4g.medium", 2), rg["urn"]
    assert rg["inputs"]["snapshotRetentionLimit"] == 1, rg["urn"]
    assert rg["inputs"]["automaticFailoverEnabled"] is True, f"{rg['urn']}: still fails over"


def test_staging_gets_a_dr_replica_when_configured(staging: Render) -> None:
    """Staging configures the cross-region replica itself (issue 14, item 18: the DR path is exercised there
    first): in its own DR network, one private subnet per configured range, each in its own AZ of the DR region."""
    r = staging
    dr = r.one(RDS, "data-mysql-dr")
    assert dr["region"] == "us-west-2" and dr["inputs"]["instanceClass"] == "db.t4g.medium", dr["urn"]
    assert dr["inputs"]["replicateSourceDb"] == r.one(RDS, "data-mysql")["outputs"]["arn"], dr["urn"]
    assert dr["inputs"]["kmsKeyId"] == key_arn(r, "dr", "data"), dr["urn"]
    assert dr["protect"] is False, f"{dr['urn']}: staging protects nothing"
    ranges = _raw("staging")["elite-locadora:data"]["drNetwork"]["privateSubnets"]
    subnets = [s for s in r.of_type(SUBNET) if s["name"].startswith("data-dr-network-private-")]
    assert sorted(s["inputs"]["cidrBlock"] for s in subnets) == sorted(ranges), (
        "data.drNetwork.privateSubnets"
    )
    zones = {s["inputs"]["availabilityZone"] for s in subnets}
    assert len(zones) == len(ranges) and all(z.startswith("us-west-2") for z in zones), zones
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
        {("database", "replicas"): [{"name": "replica-1", "instanceClass": "db.t4g.medium"}]},
        r"elite-locadora:data\.database\.replicas'.*db\.t4g\.medium is smaller than allowed.*db\.r7g\.xlarge",
    ),
    "replica without a stable name": (
        "prod",
        {("database", "replicas"): [{"instanceClass": "db.r7g.large"}]},
        r"elite-locadora:data\.database\.replicas\[0\]\.name' is required",
    ),
    "two replicas with one name": (
        "prod",
        {
            ("database", "replicas"): [
                {"name": "reports", "instanceClass": "db.r7g.large"},
                {"name": "reports", "instanceClass": "db.r7g.large"},
            ]
        },
        r"elite-locadora:data\.database\.replicas.*names must be unique",
    ),
    "application user is the master user": (
        "staging",
        {("database", "appUsername"): "elite_admin"},
        r"elite-locadora:data\.database\.appUsername.*the application needs its own user",
    ),
    "application user too long for its _clone": (
        "staging",
        {("database", "appUsername"): "a" * 27},
        r"elite-locadora:data\.database\.appUsername' = 'a{27}'.*1-26 letters.*'_clone'",
    ),
    "application user with a global privilege": (
        "staging",
        {("database", "appPrivileges"): ["SELECT", "SUPER"]},
        r"elite-locadora:data\.database\.appPrivileges",
    ),
    "rotation every 0 days": (
        "prod",
        {("database", "rotationDays"): 0},
        r"elite-locadora:data\.database\.rotationDays' = 0.*greater than or equal to 1",
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
