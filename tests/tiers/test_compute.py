"""Compute tier: the guide's ECR repositories, ECS cluster, task definitions and services, every secret by
reference, least-privilege roles, auto scaling from config; prod against staging; bad config refused."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import pytest
import yaml

from components.compute_containers import RDS_CA_BUNDLE_PATH
from settings import ConfigError, Settings, build_settings
from settings.common import LOG_RETENTION_DAYS
from settings.compute import image_reference
from tests.render import Render
from tests.tiers import primary_site
from tests.tiers.ops_helpers import by_physical_name
from tools.preview import ROOT

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
CLUSTER = "aws:ecs/cluster:Cluster"
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
PARAMETER = "aws:ssm/parameter:Parameter"
SECRET = "aws:secretsmanager/secret:Secret"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

STACKS = ("prod", "staging")
CONTAINER = {"web": "frontend", "api": "backend", "worker": "worker"}
# Names that smell of a secret: the pack's ECS.8 pattern plus the application's own secrets.
SECRET_NAME = re.compile(
    r"PASS(WORD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|JWT|DSN|DB_URL", re.I
)
# What a secret's valueFrom may be: an SSM parameter ARN, or a Secrets Manager ARN with an optional JSON key.
SSM_ARN = re.compile(r"^arn:aws:ssm:[a-z0-9-]+:\d{12}:parameter/.+$")
SM_ARN = re.compile(r"^(arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(?::([^:]*):([^:]*):([^:]*))?$")


# The primary region's compute tier: the DR site's is specified in tests/tiers/test_dr_site.py.
render, prod, staging = primary_site.FIXTURES


@cache
def raw(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


@cache
def settings(stack: str) -> Settings:
    return build_settings(raw(stack), "elite-locadora", stack)


def with_compute(stack: str, path: list[str | int], value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(raw(stack))
    node = cfg["elite-locadora:compute"]
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return cfg


@pytest.fixture(params=STACKS)
def stack(request, prod: Render, staging: Render) -> Render:
    return {"prod": prod, "staging": staging}[request.param]


def compute_of(r: Render) -> list[dict]:
    comp = r.one("elite-locadora:compute:Compute")
    registry = r.one("elite-locadora:compute:Registry")
    return r.children(comp) + r.children(registry)


def task_def(r: Render, key: str) -> dict:
    return r.one(TASK_DEF, f"compute-{key}")


def container(r: Render, key: str) -> dict:
    defs = json.loads(task_def(r, key)["inputs"]["containerDefinitions"])
    assert [d["name"] for d in defs] == [CONTAINER[key]], task_def(r, key)["urn"]
    return defs[0]


def env_of(c: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c.get("environment", [])}


def policy_doc(r: Render, name: str) -> dict:
    return json.loads(r.one(ROLE_POLICY, name)["inputs"]["policy"])


def statements(doc: dict) -> list[dict]:
    st = doc["Statement"]
    return [st] if isinstance(st, dict) else st


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def key_arn(r: Render, name: str) -> str:
    return r.one("aws:kms/key:Key", name)["outputs"]["arn"]


# -- ECR ----------------------------------------------------------------------------------------------------------
def test_repositories_are_the_guides_immutable_scanned_and_kms_encrypted(stack: Render) -> None:
    expected = (
        {"elite-locadora-frontend", "elite-locadora-backend"}
        if stack.stack == "prod"
        else {"elite-locadora-staging-frontend", "elite-locadora-staging-backend"}
    )
    repos = stack.of_type(REPOSITORY)
    assert {r["inputs"]["name"] for r in repos} == expected, f"stack {stack.stack}: repositories"
    data_key = key_arn(stack, "keys-primary-data")
    for repo in repos:
        i = repo["inputs"]
        assert i["imageTagMutability"] == "IMMUTABLE", repo["urn"]
        assert i["imageScanningConfiguration"]["scanOnPush"] is True, repo["urn"]
        assert i["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": data_key}], repo["urn"]
        # Prod's repositories hold the releases that run: protected and retained; staging's may go.
        assert repo["protect"] is (stack.stack == "prod") and repo["retainOnDelete"] is (
            stack.stack == "prod"
        ), repo["urn"]


def expired_by_lifecycle(policy: dict, images: list[tuple[str | None, int]]) -> set[str | None]:
    """What ECR's lifecycle would expire, per the ECR user guide ("How lifecycle policies work", "Lifecycle policy
    properties"): rules apply lowest `rulePriority` first; an image is considered only by the first rule whose
    tagging requirements it matches (a higher-priority rule it matches keeps lower ones from expiring it); a
    tagPatternList selects images with ALL its patterns; imageCountMoreThan expires the oldest beyond the count,
    sinceImagePushed those older than the count in days. `images` is (tag or None, days since push)."""
    rules = sorted(policy["rules"], key=lambda r: r["rulePriority"])
    assert rules[-1]["selection"]["tagStatus"] == "any" or all(
        r["selection"]["tagStatus"] != "any" for r in rules
    ), "an `any` rule must have the highest rulePriority"

    def matches(sel: dict, tag: str | None) -> bool:
        if sel["tagStatus"] == "untagged":
            return tag is None
        if sel["tagStatus"] == "any":
            return True
        patterns = [re.escape(p).replace(r"\*", ".*") for p in sel.get("tagPatternList", [])]
        prefixes = sel.get("tagPrefixList", [])
        return (
            tag is not None
            and all(re.fullmatch(p, tag) for p in patterns)
            and all(tag.startswith(p) for p in prefixes)
        )

    claimed: dict[int, dict] = {}
    for i, (tag, _) in enumerate(images):
        for rule in rules:
            if matches(rule["selection"], tag):
                claimed[i] = rule
                break
    expired: set[str | None] = set()
    for rule in rules:
        mine = sorted((i for i, r in claimed.items() if r is rule), key=lambda i: images[i][1])
        sel = rule["selection"]
        if sel["countType"] == "imageCountMoreThan":
            doomed = mine[sel["countNumber"] :]
        else:
            doomed = [i for i in mine if images[i][1] > sel["countNumber"]]
        expired |= {images[i][0] for i in doomed}
    return expired


def test_lifecycle_never_expires_the_running_release_and_keeps_the_configured_releases(stack: Render) -> None:
    """The running SHA survives any number of newer pushes; untagged layers and old releases still expire."""
    s = settings(stack.stack).compute
    reg = s.registry
    repos = {r["outputs"]["name"]: r["inputs"]["name"].rsplit("-", 1)[-1] for r in stack.of_type(REPOSITORY)}
    policies = stack.of_type(LIFECYCLE)
    assert {p["inputs"]["repository"] for p in policies} == set(repos), (
        f"stack {stack.stack}: one policy per repository"
    )
    for p in policies:
        policy = json.loads(p["inputs"]["policy"])
        running = getattr(s.images, repos[p["inputs"]["repository"]])
        # The running release is the oldest of keepReleases + 20 tagged images, with untagged leftovers around.
        newer = [(f"{n:07x}", n) for n in range(1, reg.keep_releases + 21)]
        images = [(running, 400), *newer, (None, reg.untagged_expiry_days + 1), (None, 0)]
        expired = expired_by_lifecycle(policy, images)
        assert running not in expired, f"{p['urn']}: the running release {running} would expire"
        assert None in expired, f"{p['urn']}: old untagged images must expire"
        kept_releases = [t for t, _ in newer if t not in expired]
        assert len(kept_releases) == reg.keep_releases, (
            f"{p['urn']}: keepReleases {reg.keep_releases} besides the running one, kept {len(kept_releases)}"
        )
        rules = sorted(policy["rules"], key=lambda x: x["rulePriority"])
        keep_running, untagged, keep = rules
        assert keep_running["selection"]["tagPatternList"] == [running], p["urn"]
        # Untagged layers expire by age, never by count: a push still uploading (untagged, minutes old) survives.
        by_age = {k: v for k, v in untagged["selection"].items() if k != "countNumber"}
        assert by_age == {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days"}, p[
            "urn"
        ]
        assert expired_by_lifecycle(policy, [(None, 0)]) == set(), f"{p['urn']}: a fresh push would expire"
        assert keep["selection"]["countType"] == "imageCountMoreThan", p["urn"]
        assert all(x["action"] == {"type": "expire"} for x in rules), p["urn"]


def test_each_stack_replicates_exactly_its_repositories_to_the_dr_region(
    prod: Render, staging: Render
) -> None:
    repl = prod.one(REPLICATION)
    [rule] = repl["inputs"]["replicationConfiguration"]["rules"]
    assert rule["destinations"] == [{"region": "us-west-2", "registryId": "123456789012"}], repl["urn"]
    names = {r["inputs"]["name"] for r in prod.of_type(REPOSITORY)}
    assert {f["filter"] for f in rule["repositoryFilters"]} == names, repl["urn"]
    assert {f["filterType"] for f in rule["repositoryFilters"]} == {"PREFIX_MATCH"}, repl["urn"]
    # The replicas ECR creates in the DR region get the primaries' guarantees from a creation template. Its
    # prefix is a namespace (`x` means `x/`), so only ROOT matches the un-namespaced replicas.
    dr_key = key_arn(prod, "keys-dr-data")
    t = prod.one(TEMPLATE)
    assert t["region"] == "us-west-2" and t["inputs"]["prefix"] == "ROOT", t["urn"]
    assert t["inputs"]["appliedFors"] == ["REPLICATION"], t["urn"]
    assert t["inputs"]["imageTagMutability"] == "IMMUTABLE", t["urn"]
    assert t["inputs"]["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": dr_key}], t["urn"]
    # The replicas keep what the primaries keep: both applications' running releases among them.
    template_policy = json.loads(t["inputs"]["lifecyclePolicy"])
    images = settings("prod").compute.images
    for running in (images.frontend, images.backend):
        newer = [(f"{n:07x}", n) for n in range(1, 100)]
        assert running not in expired_by_lifecycle(template_policy, [(running, 400), *newer]), t["urn"]
    primary_rules = json.loads(prod.of_type(LIFECYCLE)[0]["inputs"]["policy"])["rules"]
    assert [r["selection"] for r in template_policy["rules"]][-2:] == [r["selection"] for r in primary_rules][
        -2:
    ], f"{t['urn']}: the primaries' untagged and keepReleases rules"
    # A template with a customer-managed key needs a role ECR assumes, scoped to the replicas and the DR key.
    role = prod.one(ROLE, "compute-registry-dr-template")
    assert t["inputs"]["customRoleArn"] == role["outputs"]["arn"], t["urn"]
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}, role["urn"]
    by_sid = {st["Sid"]: st for st in statements(policy_doc(prod, "compute-registry-dr-template"))}
    assert by_sid["CreateReplicas"]["Resource"] == sorted(
        f"arn:aws:ecr:us-west-2:123456789012:repository/{n}" for n in names
    ), role["urn"]
    assert by_sid["EncryptReplicas"]["Resource"] == dr_key, role["urn"]
    # Staging has its own account (accountId), so its registry-wide replication is its own: it exercises the
    # same path, for its own repositories.
    [srule] = staging.one(REPLICATION)["inputs"]["replicationConfiguration"]["rules"]
    assert {f["filter"] for f in srule["repositoryFilters"]} == {
        r["inputs"]["name"] for r in staging.of_type(REPOSITORY)
    }, "staging replicates exactly its own repositories"
    assert staging.one(TEMPLATE)["region"] == "us-west-2"


# -- cluster --------------------------------------------------------------------------------------------------------
def test_cluster_has_container_insights_and_fargate_capacity(stack: Render) -> None:
    s = settings(stack.stack).compute
    cluster = stack.one(CLUSTER)
    assert cluster["inputs"]["name"] == f"elite-locadora-{stack.stack}", cluster["urn"]
    assert cluster["inputs"]["settings"] == [{"name": "containerInsights", "value": "enabled"}], cluster[
        "urn"
    ]
    cp = stack.one(CAPACITY)
    assert cp["inputs"]["clusterName"] == cluster["outputs"]["name"], cp["urn"]
    assert sorted(cp["inputs"]["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"], cp["urn"]
    strategy = [
        (x["capacityProvider"], x["weight"], x.get("base", 0))
        for x in cp["inputs"]["defaultCapacityProviderStrategies"]
    ]
    assert strategy == [(p.capacity_provider, p.weight, p.base) for p in s.capacity_provider_strategy], cp[
        "urn"
    ]
    if stack.stack == "prod":
        assert strategy == [("FARGATE", 1, 0)], (
            f"{cp['urn']}: the guide's default strategy is FARGATE weight 1"
        )
    else:
        assert strategy[0][0] == "FARGATE_SPOT", f"{cp['urn']}: staging prefers Spot"


def test_ecs_exec_is_off_in_prod_and_logged_encrypted_where_on(prod: Render, staging: Render) -> None:
    assert not prod.one(CLUSTER)["inputs"].get("configuration"), "prod cluster: no ECS Exec configuration"
    assert all(s["inputs"]["enableExecuteCommand"] is False for s in prod.of_type(SERVICE))
    assert all(s["inputs"]["enableExecuteCommand"] is True for s in staging.of_type(SERVICE))
    conf = staging.one(CLUSTER)["inputs"]["configuration"]["executeCommandConfiguration"]
    logs_key = key_arn(staging, "keys-primary-logs")
    group = staging.one(LOG_GROUP, "compute-exec")
    assert conf["kmsKeyId"] == logs_key and conf["logging"] == "OVERRIDE", staging.one(CLUSTER)["urn"]
    assert conf["logConfiguration"] == {
        "cloudWatchLogGroupName": group["outputs"]["name"],
        "cloudWatchEncryptionEnabled": True,
    }
    assert group["inputs"]["kmsKeyId"] == logs_key, group["urn"]


# -- task definitions -----------------------------------------------------------------------------------------------
def test_task_definitions_carry_the_guides_families_sizes_and_ports(stack: Render) -> None:
    s = settings(stack.stack).compute
    prefix = "elite-locadora-" if stack.stack == "prod" else "elite-locadora-staging-"
    for key, family, port in (("web", "frontend", 80), ("api", "backend", 8000), ("worker", "worker", None)):
        td = task_def(stack, key)
        i = td["inputs"]
        size = getattr(s, key)
        assert i["family"] == prefix + family, td["urn"]
        assert i["networkMode"] == "awsvpc" and i["requiresCompatibilities"] == ["FARGATE"], td["urn"]
        assert (i["cpu"], i["memory"]) == (str(size.cpu), str(size.memory)), td["urn"]
        assert i["runtimePlatform"] == {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": s.cpu_architecture,
        }
        c = container(stack, key)
        ports = [p["containerPort"] for p in c.get("portMappings", [])]
        assert ports == ([port] if port else []), f"{td['urn']}: container ports"
    if stack.stack == "prod":
        web = task_def(stack, "web")["inputs"]
        assert (web["cpu"], web["memory"]) == ("512", "1024"), (
            "the guide's frontend task: cpu 512 / memory 1024"
        )


def test_images_are_the_configured_release_never_latest(stack: Render) -> None:
    images = settings(stack.stack).compute.images
    urls = {
        r["inputs"]["name"].rsplit("-", 1)[-1]: r["outputs"]["repositoryUrl"]
        for r in stack.of_type(REPOSITORY)
    }
    expect = {
        "web": f"{urls['frontend']}:{images.frontend}",
        "api": f"{urls['backend']}:{images.backend}",
        "worker": f"{urls['backend']}:{images.backend}",
    }
    for key, image in expect.items():
        c = container(stack, key)
        assert c["image"] == image, f"{task_def(stack, key)['urn']}: image {c['image']}"
        assert not c["image"].endswith(":latest"), task_def(stack, key)["urn"]


def test_containers_are_hardened(stack: Render) -> None:
    s = settings(stack.stack).compute
    for key in CONTAINER:
        td = task_def(stack, key)
        c = container(stack, key)
        assert c.get("privileged") is False, td["urn"]
        assert c["user"] == getattr(s, key).user and not c["user"].startswith("0"), (
            f"{td['urn']}: non-root user"
        )
        # Read-only root everywhere except where ECS Exec is on (staging): AWS's SSM agent needs a writable root.
        assert c["readonlyRootFilesystem"] is (not s.execute_command), td["urn"]
        if stack.stack == "prod":
            assert c["readonlyRootFilesystem"] is True, td["urn"]
        assert c["linuxParameters"]["capabilities"]["drop"] == ["ALL"], td["urn"]
        # Every writable path is a task volume, and every task volume is mounted.
        volumes = {v["name"] for v in td["inputs"]["volumes"]}
        mounted = {m["sourceVolume"] for m in c["mountPoints"]}
        assert mounted == volumes and "/tmp" in {m["containerPath"] for m in c["mountPoints"]}, td["urn"]


def test_health_checks_are_http_and_the_tinker_check_is_gone(stack: Render) -> None:
    edge = settings(stack.stack).edge
    web, api, worker = (container(stack, k) for k in ("web", "api", "worker"))
    # The same path the target group checks (one setting drives both): ECS and the ALB agree on "healthy".
    tg = {
        k: stack.one("aws:lb/targetGroup:TargetGroup", f"edge-{k}")["inputs"]["healthCheck"]["path"]
        for k in ("web", "api")
    }
    assert (tg["web"], tg["api"]) == (edge.web_health_check_path, edge.api_health_check_path)
    assert web["healthCheck"]["command"][0] == "CMD-SHELL"
    assert f"http://localhost:80{tg['web']} " in web["healthCheck"]["command"][1], web["healthCheck"]
    assert f"http://localhost:8000{tg['api']} " in api["healthCheck"]["command"][1], api["healthCheck"]
    for c in (web, api):
        hc = c["healthCheck"]
        assert (hc["interval"], hc["retries"]) == (30, 3), c["name"]
        assert "tinker" not in json.dumps(hc), f"{c['name']}: artisan tinker boots a REPL every 30 s"
    # The worker's process is the container: if queue:work dies the task stops and ECS replaces it.
    assert "healthCheck" not in worker and worker["command"][:3] == ["php", "artisan", "queue:work"]
    assert worker["stopTimeout"] == 120, "the worker may finish its job after SIGTERM (Fargate's maximum)"


def test_logs_go_to_the_guides_encrypted_log_groups(stack: Render) -> None:
    logs_key = key_arn(stack, "keys-primary-logs")
    prefix = "/ecs/elite-locadora-" if stack.stack == "prod" else "/ecs/elite-locadora-staging-"
    retention: set[int] = set()
    for key, family in (("web", "frontend"), ("api", "backend"), ("worker", "worker")):
        group = stack.one(LOG_GROUP, f"compute-{key}")
        assert group["inputs"]["name"] == prefix + family, group["urn"]
        assert group["inputs"]["kmsKeyId"] == logs_key, group["urn"]
        # CloudWatch Logs refuses any other retention (PutRetentionPolicy); the three services share one.
        assert group["inputs"]["retentionInDays"] in LOG_RETENTION_DAYS, group["urn"]
        retention.add(group["inputs"]["retentionInDays"])
        log = container(stack, key)["logConfiguration"]
        assert log["logDriver"] == "awslogs", group["urn"]
        assert log["options"]["awslogs-group"] == group["outputs"]["name"], group["urn"]
        assert log["options"]["awslogs-region"] == stack.one(CLUSTER)["region"], group["urn"]


def test_backend_environment_is_the_guides_with_values_from_the_data_tier(stack: Render) -> None:
    db = stack.one("aws:rds/instance:Instance", "data-mysql")["outputs"]
    redis = stack.one("aws:elasticache/replicationGroup:ReplicationGroup", "data-redis")["outputs"]
    bucket = stack.one("aws:s3/bucket:Bucket", "storage-assets")["outputs"]
    domain = raw(stack.stack)["elite-locadora:domain"]
    for key in ("api", "worker"):
        env = env_of(container(stack, key))
        assert env["APP_ENV"] == ("production" if stack.stack == "prod" else "staging"), key
        # Everything public goes through CloudFront on the site's own origin (docs/departures.md, "Public routing").
        assert env["APP_URL"] == f"https://{domain}", key
        assert env["DB_HOST"] == db["address"], f"{key}: DB_HOST is the primary's address"
        assert env["DB_PORT"] == str(db["port"]) and env["DB_DATABASE"] == db["dbName"], key
        assert "DB_USERNAME" not in env, f"{key}: the rotated user's name comes from its secret"
        assert env["MYSQL_ATTR_SSL_CA"] == RDS_CA_BUNDLE_PATH, f"{key}: MySQL requires TLS: verify the server"
        assert env["REDIS_HOST"] == redis["primaryEndpointAddress"], (
            f"{key}: REDIS_HOST is the primary endpoint"
        )
        assert env["REDIS_SCHEME"] == "tls", f"{key}: ElastiCache has transit encryption: TLS"
        for k in ("CACHE_DRIVER", "SESSION_DRIVER"):
            assert env[k] == "redis", f"{key}: {k}"
        assert env["QUEUE_CONNECTION"] == "sqs", f"{key}: jobs on SQS, where nothing evicts them"
        assert env["AWS_BUCKET"] == bucket["bucket"], key


def nginx_entrypoint_render(template: str, env: dict[str, str]) -> str:
    """What the official nginx image's 20-envsubst-on-templates.sh writes: `envsubst "$defined_envs"` where
    defined_envs lists the environment's names matching NGINX_ENVSUBST_FILTER (an awk regex), so only those
    `${NAME}`/`$NAME` are replaced and everything else (nginx's own `$uri`) is left as it is."""
    names = [n for n in env if re.search(env.get("NGINX_ENVSUBST_FILTER", ""), n)]
    out = template
    for name in sorted(names, key=len, reverse=True):
        out = out.replace("${" + name + "}", env[name])
        out = re.sub(r"\$" + name + r"(?![A-Za-z0-9_])", lambda _m, v=env[name]: v, out)
    return out


def test_the_web_app_reads_its_configuration_at_run_time_from_the_task(prod: Render, staging: Render) -> None:
    """REACT_APP_* are build-time: the web task instead carries WEB_* values that nginx's entrypoint renders
    into /config.js (docs/examples/frontend/default.conf.template) at every start. Rendered with each stack's task
    environment, the same image (same tag) serves each environment's own API URL."""
    template = (ROOT / "docs/examples/frontend/default.conf.template").read_text()
    served = {}
    for r in (prod, staging):
        c = container(r, "web")
        env = env_of(c)
        assert not [k for k in env if k.startswith("REACT_APP_")], (
            f"{task_def(r, 'web')['urn']}: build-time only"
        )
        conf = nginx_entrypoint_render(template, env)
        body = re.search(r"location = /config\.js \{.*?return 200 '(.*?)';", conf, re.S)
        assert body, "the template serves /config.js"
        js = body[1].replace("\\n", "")
        assert "${" not in js, f"stack {r.stack}: an unset variable stays literal in /config.js: {js}"
        config = json.loads(re.fullmatch(r"window\.__CONFIG__ = (\{.*\});", js)[1])
        domain = raw(r.stack)["elite-locadora:domain"]
        # Same origin as the site (CloudFront routes /api/* to the API: docs/departures.md, "Public routing").
        assert config["apiUrl"] == f"https://{domain}", f"stack {r.stack}: {config}"
        assert config["environment"] == r.stack, f"stack {r.stack}: {config}"
        assert "$uri" in conf, "nginx's own variables are not substituted (NGINX_ENVSUBST_FILTER)"
        # The rendered file lands on a task volume: the root file system is read-only in prod.
        mounts = {m["containerPath"] for m in c["mountPoints"]}
        assert "/etc/nginx/conf.d" in mounts, f"{task_def(r, 'web')['urn']}: envsubst's output directory"
        served[r.stack] = config["apiUrl"]
    assert served["prod"] != served["staging"], "each environment's task serves its own API URL"


def test_no_container_carries_a_secret_in_its_environment(stack: Render) -> None:
    secret_arns = {r["outputs"]["arn"] for r in stack.of_type(PARAMETER, SECRET)}
    for key in CONTAINER:
        for name, value in env_of(container(stack, key)).items():
            assert not SECRET_NAME.search(name), f"{task_def(stack, key)['urn']}: {name} belongs in secrets"
            assert not any(arn in value for arn in secret_arns), f"{task_def(stack, key)['urn']}: {name}"
    api = {s["name"] for s in container(stack, "api")["secrets"]}
    assert {"DB_USERNAME", "DB_PASSWORD", "REDIS_PASSWORD", "JWT_SECRET", "STRIPE_SECRET", "APP_KEY"} <= api


def test_every_secret_is_a_reference_to_a_parameter_or_secret_of_the_stack(stack: Render) -> None:
    params = {p["outputs"]["arn"]: p for p in stack.of_type(PARAMETER)}
    secrets = {s["outputs"]["arn"] for s in stack.of_type(SECRET)}
    for key in CONTAINER:
        urn = task_def(stack, key)["urn"]
        for s in container(stack, key)["secrets"]:
            ref = s["valueFrom"]
            if SSM_ARN.match(ref):
                assert ref in params, f"{urn}: {s['name']} names a parameter the stack does not create: {ref}"
                assert params[ref]["inputs"]["type"] == "SecureString", f"{urn}: {s['name']}"
                assert params[ref]["region"] == stack.one(CLUSTER)["region"], f"{urn}: {s['name']}"
            else:
                m = SM_ARN.match(ref)
                assert m and m[1] in secrets, f"{urn}: {s['name']} is not a secret of the stack: {ref}"
    refs = {s["name"]: s["valueFrom"] for s in container(stack, "api")["secrets"]}
    app_secret = stack.one(SECRET, "data-mysql-app")["outputs"]["arn"]
    assert (
        refs["DB_USERNAME"] == f"{app_secret}:username::"
        and refs["DB_PASSWORD"] == f"{app_secret}:password::"
    )
    redis_secret = stack.one(SECRET, "data-redis-auth")["outputs"]["arn"]
    version = stack.one("aws:secretsmanager/secretVersion:SecretVersion", "data-redis-auth")["outputs"][
        "versionId"
    ]
    assert refs["REDIS_PASSWORD"] == f"{redis_secret}:authToken::{version}", "the version this deploy wrote"
    by_path = {
        p["inputs"]["name"].rsplit("/", 2)[-2:][-1]: arn
        for arn, p in params.items()
        if p["region"] == "us-east-1"
    }
    assert refs["JWT_SECRET"] == by_path["jwt-secret"] and refs["STRIPE_SECRET"] == by_path["stripe-secret"]


def test_laravels_app_key_is_generated_secret_and_copied_to_dr(stack: Render) -> None:
    """The guide forgets APP_KEY, without which Laravel does not boot: generated once, a SecureString under the
    guide's parameter path (secrets key), a DR copy (DR secrets key), injected by reference, never in clear."""
    generated = stack.one("random:index/randomPassword:RandomPassword", "compute-app-key-value")
    assert generated["inputs"]["length"] == 32 and generated["inputs"]["special"] is False, generated["urn"]
    name = f"/elite-locadora/{stack.stack}/app/key"
    for res_name, key in (
        ("compute-app-key", "keys-primary-secrets"),
        ("compute-dr-app-key", "keys-dr-secrets"),
    ):
        p = stack.one(PARAMETER, res_name)
        assert p["inputs"]["name"] == name and p["inputs"]["type"] == "SecureString", p["urn"]
        assert p["inputs"]["keyId"] == key_arn(stack, key), p["urn"]
        assert "value" in p["secretInputs"] and p["inputs"]["value"] == "[secret]", p["urn"]
    arn = stack.one(PARAMETER, "compute-app-key")["outputs"]["arn"]
    for key in ("api", "worker"):
        refs = {s["name"]: s["valueFrom"] for s in container(stack, key)["secrets"]}
        assert refs["APP_KEY"] == arn, task_def(stack, key)["urn"]


# -- IAM ----------------------------------------------------------------------------------------------------------
def test_execution_role_reads_exactly_what_it_injects(stack: Render) -> None:
    doc = policy_doc(stack, "compute-execution")
    by_sid = {st["Sid"]: st for st in statements(doc)}
    refs = {s["valueFrom"] for k in CONTAINER for s in container(stack, k)["secrets"]}
    ssm = {r for r in refs if SSM_ARN.match(r)}
    sm = {SM_ARN.match(r)[1] for r in refs if not SSM_ARN.match(r)}
    assert set(as_list(by_sid["ReadInjectedParameters"]["Resource"])) == ssm
    assert set(as_list(by_sid["ReadInjectedSecrets"]["Resource"])) == sm
    repos = {r["outputs"]["arn"] for r in stack.of_type(REPOSITORY)}
    assert set(as_list(by_sid["PullReleases"]["Resource"])) == repos
    groups = [stack.one(LOG_GROUP, f"compute-{k}")["outputs"]["arn"] for k in CONTAINER]
    # CreateLogStream is authorized on the log group, PutLogEvents on its streams.
    assert set(as_list(by_sid["WriteContainerLogs"]["Resource"])) == {
        *groups,
        *(f"{g}:log-stream:*" for g in groups),
    }
    decrypt = by_sid["DecryptInjectedValues"]
    assert (
        decrypt["Resource"] == key_arn(stack, "keys-primary-secrets") and decrypt["Action"] == "kms:Decrypt"
    )
    # Every injected value is encrypted with that key.
    for arn in ssm:
        p = next(p for p in stack.of_type(PARAMETER) if p["outputs"]["arn"] == arn)
        assert p["inputs"]["keyId"] == decrypt["Resource"], p["urn"]
    role = stack.one(ROLE, "compute-execution")
    services = [td for td in stack.of_type(TASK_DEF) if "elite-locadora:compute:" in td["urn"]]
    assert {td["inputs"]["executionRoleArn"] for td in services} == {role["outputs"]["arn"]}


def test_no_policy_grants_a_wildcard_resource_beyond_what_aws_requires(stack: Render) -> None:
    # GetAuthorizationToken has no resource type; ECS Exec's ssmmessages channels neither (staging only).
    unavoidable = {
        "ecr:GetAuthorizationToken",
        *(
            f"ssmmessages:{a}"
            for a in ("CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel")
        ),
    }
    policies = [p for p in stack.of_type(ROLE_POLICY) if p["name"].startswith("compute-")]
    assert policies, stack.stack
    for p in policies:
        for st in statements(json.loads(p["inputs"]["policy"])):
            if "*" in as_list(st["Resource"]):
                assert set(as_list(st["Action"])) <= unavoidable, f"{p['urn']}: {st.get('Sid')} on *"
                if stack.stack == "prod":
                    assert as_list(st["Action"]) == ["ecr:GetAuthorizationToken"], p["urn"]
            assert not any(a.endswith(":*") or a == "*" for a in as_list(st["Action"])), p["urn"]


def test_task_roles_are_least_privilege(stack: Render) -> None:
    s = settings(stack.stack).compute
    bucket = stack.one("aws:s3/bucket:Bucket", "storage-assets")["outputs"]["arn"]
    assets_key = key_arn(stack, "storage-assets")
    for key in CONTAINER:
        role = stack.one(ROLE, f"compute-{key}-task")
        assert task_def(stack, key)["inputs"]["taskRoleArn"] == role["outputs"]["arn"], role["urn"]
        trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}, role["urn"]
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, role["urn"]
    if stack.stack == "prod":
        # The web app serves static files: its role has no policy at all.
        assert not [p for p in stack.of_type(ROLE_POLICY) if p["name"] == "compute-web-task"]
    for key in ("api", "worker"):
        by_sid = {st["Sid"]: st for st in statements(policy_doc(stack, f"compute-{key}-task"))}
        objects = by_sid["ReadWriteOwnPrefixes"]
        assert objects["Resource"] == [f"{bucket}/{p}*" for p in s.api_bucket_prefixes], key
        assert not any(
            r.startswith(f"{bucket}/backups") or r == f"{bucket}/*" for r in objects["Resource"]
        ), key
        listing = by_sid["ListOwnPrefixes"]
        assert listing["Resource"] == bucket and listing["Condition"]["StringLike"]["s3:prefix"] == [
            f"{p}*" for p in s.api_bucket_prefixes
        ], key
        kms = by_sid["AssetsKeyThroughS3"]
        assert kms["Resource"] == assets_key, f"{key}: the assets bucket's own key"
        assert kms["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com", key
        assert ("ExecChannels" in by_sid) is (stack.stack == "staging"), key


# -- services and scaling -------------------------------------------------------------------------------------------
def test_services_run_privately_behind_their_target_groups(stack: Render) -> None:
    private = sorted(
        r["outputs"]["id"]
        for r in stack.of_type("aws:ec2/subnet:Subnet")
        if r["name"].startswith("network-private-")
    )
    sg = {
        k: stack.one("aws:ec2/securityGroup:SecurityGroup", f"network-{k}")["outputs"]["id"]
        for k in ("web", "api")
    }
    tg = {
        k: stack.one("aws:lb/targetGroup:TargetGroup", f"edge-{k}")["outputs"]["arn"] for k in ("web", "api")
    }
    cluster = stack.one(CLUSTER)["outputs"]["arn"]
    for key, group, lb in (
        ("web", "web", ("frontend", 80)),
        ("api", "api", ("backend", 8000)),
        ("worker", "api", None),
    ):
        svc = stack.one(SERVICE, f"compute-{key}")
        i = svc["inputs"]
        assert i["cluster"] == cluster, svc["urn"]
        assert i["taskDefinition"] == task_def(stack, key)["outputs"]["arn"], svc["urn"]
        # The guide's deploy job addresses the services by the applications' names.
        assert i["name"] == task_def(stack, key)["inputs"]["family"], svc["urn"]
        net = i["networkConfiguration"]
        assert sorted(net["subnets"]) == private and net["assignPublicIp"] is False, svc["urn"]
        assert net["securityGroups"] == [sg[group]], svc["urn"]
        if lb:
            assert i["loadBalancers"] == [
                {"targetGroupArn": tg[key], "containerName": lb[0], "containerPort": lb[1]}
            ], svc["urn"]
            # ECS must ignore the ALB's checks for as long as the container itself may take to start (its
            # health check's startPeriod), or it stops tasks that are still starting.
            start = container(stack, key)["healthCheck"]["startPeriod"]
            assert i["healthCheckGracePeriodSeconds"] >= start, (
                f"{svc['urn']}: grace under startPeriod {start}"
            )
        else:
            assert not i.get("loadBalancers") and "healthCheckGracePeriodSeconds" not in i, svc["urn"]
        assert i["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}, svc["urn"]
        assert (i["deploymentMinimumHealthyPercent"], i["deploymentMaximumPercent"]) == (100, 200), svc["urn"]
        assert i["propagateTags"] == "SERVICE" and "launchType" not in i, svc["urn"]
        # A new service starts at its scaling floor (the target's minCapacity), not above or below it.
        floor = stack.one(SCALING_TARGET, f"compute-{key}")["inputs"]["minCapacity"]
        assert i["desiredCount"] == floor, svc["urn"]
        assert "desiredCount" in svc["ignoreChanges"], f"{svc['urn']}: auto scaling owns the count"
        if stack.stack == "prod":
            assert i["desiredCount"] >= 2, f"{svc['urn']}: prod runs at least 2 tasks per service"


def test_every_service_names_its_own_capacity_provider_strategy(stack: Render) -> None:
    """A service that leans on the cluster's default strategy gets it copied in by ECS, and later updates then
    demand a forced deployment (hashicorp/terraform-provider-aws#44776): each service carries the configured
    strategy itself, no launch type, and forces the deployment ECS requires when that strategy changes."""
    s = settings(stack.stack).compute
    expected = [(p.capacity_provider, p.weight, p.base) for p in s.capacity_provider_strategy]
    for key in CONTAINER:
        svc = stack.one(SERVICE, f"compute-{key}")
        i = svc["inputs"]
        strategy = [
            (x["capacityProvider"], x["weight"], x.get("base", 0))
            for x in i.get("capacityProviderStrategies") or []
        ]
        assert strategy == expected, f"{svc['urn']}: capacityProviderStrategies {strategy}, config {expected}"
        assert "launchType" not in i, f"{svc['urn']}: a launch type conflicts with a strategy"
        assert i.get("forceNewDeployment") is True, (
            f"{svc['urn']}: a strategy change needs forceNewDeployment"
        )


def test_services_wait_for_what_their_tasks_need(stack: Render) -> None:
    """The providers of the service's strategy must be associated with the cluster first; the execution role must
    be able to pull and inject before the first task; ECS refuses a target group that no listener or rule
    forwards to yet."""
    capacity = stack.one(CAPACITY)["urn"]
    execution = stack.one(ROLE_POLICY, "compute-execution")["urn"]
    forwarding: dict[str, set[str]] = {}
    for kind in ("aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
        for res in stack.of_type(kind):
            for action in res["inputs"].get("defaultActions") or res["inputs"].get("actions") or []:
                if action.get("targetGroupArn"):
                    forwarding.setdefault(action["targetGroupArn"], set()).add(res["urn"])
    for key in CONTAINER:
        svc = stack.one(SERVICE, f"compute-{key}")
        deps = set(svc["dependsOn"])
        assert {capacity, execution} <= deps, svc["urn"]
        for lb in svc["inputs"].get("loadBalancers") or []:
            attached = forwarding.get(lb["targetGroupArn"], set())
            assert attached and attached <= deps, f"{svc['urn']}: created before {sorted(attached - deps)}"


def test_autoscaling_tracks_cpu_and_requests_per_target_within_configured_bounds(stack: Render) -> None:
    cluster = stack.one(CLUSTER)["outputs"]["name"]
    alb = stack.one("aws:lb/loadBalancer:LoadBalancer", "edge")["outputs"]["arnSuffix"]
    pack = json.loads((ROOT / f"policies/config/{stack.stack}.json").read_text())
    min_tasks = pack.get("ecs-service-min-tasks", {}).get("minTasks", 1)
    per_task: dict[str, float] = {}
    for key in CONTAINER:
        service = stack.one(SERVICE, f"compute-{key}")["outputs"]["name"]
        target = stack.one(SCALING_TARGET, f"compute-{key}")
        i = target["inputs"]
        assert i["resourceId"] == f"service/{cluster}/{service}", target["urn"]
        assert i["scalableDimension"] == "ecs:service:DesiredCount" and i["serviceNamespace"] == "ecs"
        # The floor is what the stack's pack requires of a service (ecs-service-min-tasks: tasks in two AZs in
        # prod); the ceiling leaves room to scale.
        assert min_tasks <= i["minCapacity"] < i["maxCapacity"], (target["urn"], min_tasks)
        policies = {
            p["inputs"]["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
                "predefinedMetricType"
            ]: p["inputs"]
            for p in stack.of_type(SCALING_POLICY)
            if p["inputs"]["resourceId"] == i["resourceId"]
        }
        cpu = policies["ECSServiceAverageCPUUtilization"]["targetTrackingScalingPolicyConfiguration"]
        # Scaling holds CPU under the threshold that pages on-call (operations' <service>-cpu-high alarm).
        page = by_physical_name(stack, ALARM, f"elite-locadora-{stack.stack}-{key}-cpu-high")
        assert 0 < cpu["targetValue"] < page["inputs"]["threshold"], (target["urn"], page["urn"])
        if key == "worker":
            assert set(policies) == {"ECSServiceAverageCPUUtilization"}, "the worker takes no HTTP requests"
            continue
        tg = stack.one("aws:lb/targetGroup:TargetGroup", f"edge-{key}")["outputs"]["arnSuffix"]
        req = policies["ALBRequestCountPerTarget"]["targetTrackingScalingPolicyConfiguration"]
        assert req["predefinedMetricSpecification"]["resourceLabel"] == f"{alb}/{tg}", target["urn"]
        per_task[key] = req["targetValue"]
    # An API request holds a PHP worker while the web tier's nginx serves files: an API task takes fewer.
    assert 0 < per_task["api"] < per_task["web"], f"stack {stack.stack}: requests per task {per_task}"


def test_operations_watches_the_compute_services(stack: Render) -> None:
    cluster = stack.one(CLUSTER)["outputs"]["name"]
    services = {stack.one(SERVICE, f"compute-{k}")["outputs"]["name"] for k in CONTAINER}
    watched = set()
    for alarm in stack.of_type(ALARM):
        dims = alarm["inputs"].get("dimensions") or {}
        if alarm["inputs"].get("namespace") == "AWS/ECS":
            assert dims["ClusterName"] == cluster, alarm["urn"]
            watched.add(dims["ServiceName"])
    assert watched == services, f"stack {stack.stack}: ECS alarms per service"
    shipped = {
        f["inputs"]["logGroup"]
        for f in stack.of_type("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
    }
    assert {stack.one(LOG_GROUP, f"compute-{k}")["outputs"]["name"] for k in CONTAINER} <= shipped


def test_staging_is_the_same_shape_right_sized(prod: Render, staging: Render) -> None:
    def shape(r: Render) -> list[tuple[str, str]]:
        return sorted((x["type"], x["name"]) for x in compute_of(r) if x["name"] != "compute-exec")

    only_prod: set[tuple[str, str]] = set()
    only_staging = {(ROLE_POLICY, "compute-web-task")}
    assert set(shape(prod)) - only_prod == set(shape(staging)) - only_staging
    p, s = settings("prod").compute, settings("staging").compute
    for key in CONTAINER:
        assert (
            getattr(s, key).cpu <= getattr(p, key).cpu
            and getattr(s, key).max_count <= getattr(p, key).max_count
        )
        assert getattr(s, key).min_count < getattr(p, key).min_count, key


def test_compute_resources_pass_the_policy_pack(stack: Render) -> None:
    urns = {r["urn"] for r in compute_of(stack)}
    assert not [v for v in stack.violations if v["urn"] in urns], [
        (v["policy"], v["urn"]) for v in stack.violations if v["urn"] in urns
    ]


# -- bad config ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "stack_name,path,value,words",
    [
        (
            "prod",
            ["images", "backend"],
            "latest",
            r"compute\.images\.backend'.*'latest'.*not an immutable release",
        ),
        ("staging", ["images", "frontend"], "main", r"compute\.images\.frontend'.*git commit SHA"),
        ("prod", ["images", "frontend"], "9C1F4E2", r"compute\.images\.frontend'.*lowercase hex"),
        (
            "prod",
            ["api", "memory"],
            1024,
            r"compute\.api\.memory'.*1024 MiB is not allowed with cpu 1024.*2048-8192",
        ),
        ("staging", ["web", "cpu"], 300, r"compute\.web\.cpu'.*300 is not a Fargate task size"),
        ("prod", ["worker", "minCount"], 1, r"compute\.worker\.minCount'.*at least 2 tasks"),
        ("prod", ["executeCommand"], True, r"compute\.executeCommand'.*ECS Exec stays off in prod"),
        (
            "prod",
            ["capacityProviderStrategy"],
            [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            r"compute\.capacityProviderStrategy'.*on-demand FARGATE",
        ),
        ("staging", ["api", "user"], "0", r"compute\.api\.user'.*String should match pattern"),
        ("staging", ["api", "minCount"], 5, r"compute\.api\.minCount'.*exceeds maxCount"),
        (
            "staging",
            ["web", "readOnlyRootFilesystem"],
            True,
            r"compute\.executeCommand'.*SSM agent writes into the container's root file system.*false on web\b",
        ),
        (
            "staging",
            ["worker", "requestsPerTarget"],
            100,
            r"compute\.worker\.requestsPerTarget'.*no HTTP requests",
        ),
    ],
)
def test_bad_compute_config_is_refused_naming_stack_and_key(stack_name, path, value, words) -> None:
    with pytest.raises(ConfigError, match=rf"stack '{stack_name}'.*config key 'elite-locadora:{words}"):
        build_settings(with_compute(stack_name, path, value), "elite-locadora", stack_name)


def test_ecs_exec_needs_the_ssmmessages_endpoint() -> None:
    cfg = copy.deepcopy(raw("staging"))
    cfg["elite-locadora:network"]["interfaceEndpoints"] = [
        "ecr.api",
        "ecr.dkr",
        "logs",
        "ssm",
        "secretsmanager",
    ]
    with pytest.raises(
        ConfigError, match=r"stack 'staging'.*'elite-locadora:compute.executeCommand'.*add ssmmessages"
    ):
        build_settings(cfg, "elite-locadora", "staging")


def test_an_image_digest_is_refused_for_the_git_sha_tag_the_lifecycle_can_keep() -> None:
    digest = "sha256:" + "ab" * 32
    with pytest.raises(ConfigError, match=r"compute\.images\.backend'.*is a digest.*git SHA tag.*lifecycle"):
        build_settings(with_compute("prod", ["images", "backend"], digest), "elite-locadora", "prod")
    repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/elite-locadora-backend"
    assert image_reference(repo, "9c1f4e2") == f"{repo}:9c1f4e2"


@pytest.mark.parametrize("stack_name", STACKS)
def test_bootstrap_replaces_the_release_and_only_it(stack_name: str) -> None:
    """`bootstrap` is for the first deploy, before any image exists: with a release it would stop every service,
    and without either the stack does not know what to run."""
    both = with_compute(stack_name, ["bootstrap"], True)
    with pytest.raises(ConfigError, match=rf"stack '{stack_name}'.*compute\.bootstrap'.*remove bootstrap"):
        build_settings(both, "elite-locadora", stack_name)
    neither = copy.deepcopy(raw(stack_name))
    del neither["elite-locadora:compute"]["images"]
    with pytest.raises(ConfigError, match=rf"stack '{stack_name}'.*compute\.images'.*bootstrap: true"):
        build_settings(neither, "elite-locadora", stack_name)
    del both["elite-locadora:compute"]["images"]
    assert build_settings(both, "elite-locadora", stack_name).compute.bootstrap is True


# -- first deploy of an empty account -----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=STACKS)
def bootstrap(request, prod_variant: Render, staging_variant: Render) -> Render:
    """The stack as docs/first-deploy.md first deploys it: `bootstrap: true` instead of `images` (the stack
    variants of tests/variants.py; their other settings belong to other tiers), without the DR site, as the
    rest of this module reads it."""
    return {"prod": prod_variant, "staging": staging_variant}[request.param].primary_site


def test_first_deploy_creates_services_that_pull_nothing_and_passes_the_pack(bootstrap: Render) -> None:
    """No image exists yet: every service is created with 0 tasks and without auto scaling (registering a
    target would raise the count to its minimum), so `pulumi up` succeeds and the services are stable. The
    release that follows registers the targets, which sets the counts (RegisterScalableTarget)."""
    r = bootstrap
    assert r.exit_code == 0 and not r.mandatory(), [(v["policy"], v["urn"]) for v in r.mandatory()]
    for key in CONTAINER:
        svc = r.one(SERVICE, f"compute-{key}")
        assert svc["inputs"]["desiredCount"] == 0, f"{svc['urn']}: nothing to pull yet, no task"
        assert "desiredCount" in svc["ignoreChanges"], svc["urn"]
        image = container(r, key)["image"]
        assert image.endswith(":unreleased"), f"{task_def(r, key)['urn']}: {image}"
    assert not r.of_type(SCALING_TARGET) and not r.of_type(SCALING_POLICY), (
        f"stack {r.stack}: a scaling target would start tasks that cannot pull"
    )
    # What the first release needs already exists: the repositories and the roles CI pushes with.
    assert len(r.of_type(REPOSITORY)) == 2, f"stack {r.stack}: repositories"
    assert r.of_type(ROLE) and r.one("elite-locadora:cicd:Cicd"), f"stack {r.stack}: CI roles"
    for p in r.of_type(LIFECYCLE):
        rules = json.loads(p["inputs"]["policy"])["rules"]
        assert [x["selection"]["tagStatus"] for x in rules] == ["untagged", "any"], p["urn"]
