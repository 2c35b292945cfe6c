"""Database access: the one-off task that creates the application's MySQL user, and the roll after a rotation.

Pulumi Deployments runs outside the VPC and the database accepts connections from the API tasks' group only, so
the first creation of the application user cannot happen in `pulumi up`. It is defined here as code: a Fargate
task definition (`<prefix>-db-bootstrap`) from the backend image, which holds the master secret and the
application user's secret (injected by ECS, never in its environment) and runs idempotent SQL over verified
TLS: `CREATE USER IF NOT EXISTS ... REQUIRE SSL` and a `GRANT` of the configured privileges on the application
schema only. An operator runs it once per stack (docs/data.md, "The application user").

After Secrets Manager rotates the application user's secret (alternating users: the previous user stays valid
until the next rotation), an EventBridge rule starts a Step Functions state machine that forces a new
deployment of the API and the worker, so every task reads the new credentials long before the old user's
password changes again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .compute_containers import RDS_CA_BUNDLE_PATH
from .compute_policies import ecs_tasks_trust, execution_policy
from .context import RegionContext
from .contract import Database
from .iam import document, service_trust

BOOTSTRAP_USER = "33:33"
# Idempotent: safe to run again (after a rotation the current user may be `<name>_clone`; it is created with the
# same grants). Identifiers are checked before they reach SQL; the password is quoted by PDO. The server
# certificate is verified against the RDS CA bundle (MySQL requires TLS: require_secure_transport=1).
BOOTSTRAP_PHP = r"""
$pdo = new PDO(
    sprintf('mysql:host=%s;port=%s', getenv('DB_HOST'), getenv('DB_PORT')),
    getenv('MASTER_USERNAME'),
    getenv('MASTER_PASSWORD'),
    [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::MYSQL_ATTR_SSL_CA => getenv('MYSQL_ATTR_SSL_CA'),
        PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_CERT => true,
    ]
);
$user = getenv('APP_USERNAME');
$schema = getenv('DB_DATABASE');
foreach ([$user, $schema] as $name) {
    if (!preg_match('/^[A-Za-z][A-Za-z0-9_]*$/', $name)) {
        fwrite(STDERR, "refusing identifier\n");
        exit(2);
    }
}
$pdo->exec(sprintf(
    "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY %s REQUIRE SSL",
    $user,
    $pdo->quote(getenv('APP_PASSWORD'))
));
$pdo->exec(sprintf("GRANT %s ON `%s`.* TO '%s'@'%%'", getenv('APP_PRIVILEGES'), $schema, $user));
fwrite(STDOUT, "application user $user ready on $schema\n");
""".strip()


@dataclass
class DatabaseAccessArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    region: RegionContext
    """The primary region (log configuration, KMS conditions, ARNs); its secrets key encrypts both database
    secrets, its logs key the bootstrap task's log group."""
    backend_image: pulumi.Input[str]
    """The backend image the API runs (PHP with PDO MySQL and the RDS CA bundle)."""
    backend_repository_arn: pulumi.Input[str]
    """Repository of the backend image: the bootstrap task's execution role pulls from it only."""
    cpu_architecture: str
    """CPU architecture of the backend image (the compute settings')."""
    database: Database
    """The primary database and the application user's secret (username, password) the bootstrap task creates the
    user from; its rotation is what rolls the services."""
    app_privileges: Sequence[str]
    """Privileges of the application user on the schema (validated settings)."""
    master_secret_arn: pulumi.Input[str]
    """Secret of the master user (username, password)."""
    log_retention_days: int
    """Days the bootstrap task's logs are kept."""
    cluster_arn: pulumi.Input[str]
    """The ECS cluster of the services rolled after a rotation."""
    rolled_service_names: Sequence[pulumi.Input[str]]
    """Services that read the application user's secret (API and worker): rolled after each rotation."""


class DatabaseAccess(pulumi.ComponentResource):
    bootstrap_task_definition_family: pulumi.Output[str]
    bootstrap_log_group_name: pulumi.Output[str]
    roll_state_machine_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("elite-locadora:data:DatabaseAccess", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._account, self._partition = args.region.account_id, args.region.partition

        task = self._create_bootstrap_task()
        machine = self._create_roll_after_rotation()
        self.bootstrap_task_definition_family = task.family
        self.roll_state_machine_arn = machine.arn
        self.register_outputs(
            {
                "bootstrap_task_definition_family": self.bootstrap_task_definition_family,
                "bootstrap_log_group_name": self.bootstrap_log_group_name,
                "roll_state_machine_arn": self.roll_state_machine_arn,
            }
        )

    def _role(self, key: str, description: str, trust: pulumi.Input[str]) -> aws.iam.Role:
        return aws.iam.Role(
            f"{self._name}-{key}",
            name=f"{self._args.name_prefix}-{key}",
            description=description,
            assume_role_policy=trust,
            opts=self._child,
        )

    def _service_trust(self, service: str) -> pulumi.Output[str]:
        return self._account.apply(lambda acct: service_trust(service, acct))

    # -- the one-off task that creates the application user ------------------------------------------------------
    def _create_bootstrap_task(self) -> aws.ecs.TaskDefinition:
        a, n = self._args, self._name
        family = f"{a.name_prefix}-db-bootstrap"
        log_group = aws.cloudwatch.LogGroup(
            f"{n}-bootstrap",
            name=f"/ecs/{family}",
            retention_in_days=a.log_retention_days,
            kms_key_id=a.region.keys.logs,
            tags={"Service": "db-bootstrap"},
            opts=self._child,
        )
        self.bootstrap_log_group_name = log_group.name
        role = self._role(
            "db-bootstrap-execution",
            "ECS starts the database bootstrap task with this role: the backend image, its log group, the two "
            "database secrets",
            pulumi.Output.all(self._account, self._partition).apply(
                lambda v: ecs_tasks_trust(v[0], v[1], a.region.name)
            ),
        )
        policy = aws.iam.RolePolicy(
            f"{n}-db-bootstrap-execution",
            role=role.id,
            policy=pulumi.Output.all(
                a.backend_repository_arn,
                log_group.arn,
                a.master_secret_arn,
                a.database.app_secret_arn,
                a.region.keys.secrets,
            ).apply(lambda v: execution_policy([v[0]], [v[1]], [], [v[2], v[3]], v[4], a.region.name)),
            opts=self._child,
        )
        container = pulumi.Output.all(
            a.backend_image,
            log_group.name,
            a.database.address,
            a.database.port,
            a.database.name,
            a.master_secret_arn,
            a.database.app_secret_arn,
        ).apply(
            lambda v: [
                {
                    "name": "db-bootstrap",
                    "image": v[0],
                    "essential": True,
                    "user": BOOTSTRAP_USER,
                    "privileged": False,
                    "readonlyRootFilesystem": True,
                    "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
                    "command": ["php", "-r", BOOTSTRAP_PHP],
                    "environment": [
                        {"name": "DB_HOST", "value": v[2]},
                        {"name": "DB_PORT", "value": str(v[3])},
                        {"name": "DB_DATABASE", "value": v[4]},
                        {"name": "MYSQL_ATTR_SSL_CA", "value": RDS_CA_BUNDLE_PATH},
                        {"name": "APP_PRIVILEGES", "value": ", ".join(a.app_privileges)},
                    ],
                    # `<secret ARN>:<json key>::` picks one key of the JSON secret at task start.
                    "secrets": [
                        {"name": "MASTER_USERNAME", "valueFrom": f"{v[5]}:username::"},
                        {"name": "MASTER_PASSWORD", "valueFrom": f"{v[5]}:password::"},
                        {"name": "APP_USERNAME", "valueFrom": f"{v[6]}:username::"},
                        {"name": "APP_PASSWORD", "valueFrom": f"{v[6]}:password::"},
                    ],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": v[1],
                            "awslogs-region": a.region.name,
                            "awslogs-stream-prefix": "db-bootstrap",
                        },
                    },
                }
            ]
        )
        return aws.ecs.TaskDefinition(
            f"{n}-bootstrap",
            family=family,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": a.cpu_architecture},
            execution_role_arn=role.arn,
            container_definitions=pulumi.Output.json_dumps(container),
            tags={"Service": "db-bootstrap"},
            # ECS checks the role can do its work when a task starts; the policy exists before the definition.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    # -- rolling the services after a rotation -------------------------------------------------------------------
    def _create_roll_after_rotation(self) -> aws.sfn.StateMachine:
        a, n = self._args, self._name
        service_arns = pulumi.Output.all(a.cluster_arn, *a.rolled_service_names).apply(
            lambda v: [v[0].replace(":cluster/", ":service/") + f"/{s}" for s in v[1:]]
        )
        machine_role = self._role(
            "db-rotation-roll",
            "Step Functions forces a new deployment of the API and worker after their database user rotates",
            self._service_trust("states.amazonaws.com"),
        )
        machine_policy = aws.iam.RolePolicy(
            f"{n}-db-rotation-roll",
            role=machine_role.id,
            policy=service_arns.apply(
                lambda arns: document(
                    [
                        {
                            "Sid": "RollServices",
                            "Effect": "Allow",
                            "Action": "ecs:UpdateService",
                            "Resource": sorted(arns),
                        }
                    ]
                )
            ),
            opts=self._child,
        )
        definition = pulumi.Output.all(a.cluster_arn, *a.rolled_service_names).apply(
            lambda v: json.dumps(roll_definition(v[0], list(v[1:])))
        )
        machine = aws.sfn.StateMachine(
            f"{n}-db-rotation-roll",
            name=f"{a.name_prefix}-db-rotation-roll",
            type="STANDARD",
            role_arn=machine_role.arn,
            definition=definition,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[machine_policy]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{n}-db-rotated",
            name=f"{a.name_prefix}-db-app-user-rotated",
            description="The application database user's secret rotated: roll the API and worker",
            event_pattern=pulumi.Output.from_input(a.database.app_secret_arn).apply(
                lambda arn: json.dumps(rotation_succeeded_pattern(arn))
            ),
            opts=self._child,
        )
        events_role = self._role(
            "db-rotated-events",
            "EventBridge starts the roll after a database user rotation with this role",
            self._service_trust("events.amazonaws.com"),
        )
        events_policy = aws.iam.RolePolicy(
            f"{n}-db-rotated-events",
            role=events_role.id,
            policy=machine.arn.apply(
                lambda arn: document(
                    [
                        {
                            "Sid": "StartRoll",
                            "Effect": "Allow",
                            "Action": "states:StartExecution",
                            "Resource": arn,
                        }
                    ]
                )
            ),
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            f"{n}-db-rotated",
            rule=rule.name,
            arn=machine.arn,
            role_arn=events_role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[events_policy]),
        )
        return machine


def rotation_succeeded_pattern(secret_arn: str) -> dict:
    """Secrets Manager reports a finished rotation as the CloudTrail service event RotationSucceeded (Secrets
    Manager user guide, "Match Secrets Manager events with EventBridge"), naming the secret in SecretId."""
    return {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationSucceeded"],
            "additionalEventData": {"SecretId": [secret_arn]},
        },
    }


def roll_definition(cluster_arn: str, services: list[str]) -> dict:
    """One `UpdateService(forceNewDeployment)` per service, in turn, retried with backoff: new tasks read the
    secret's current version at start; the deployment circuit breaker rolls back a release that cannot start."""
    states = {}
    for i, service in enumerate(services):
        states[f"Roll{i + 1}"] = {
            "Type": "Task",
            "Comment": f"Force a new deployment of {service}",
            "Resource": "arn:aws:states:::aws-sdk:ecs:updateService",
            "Parameters": {"Cluster": cluster_arn, "Service": service, "ForceNewDeployment": True},
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 5, "BackoffRate": 2}
            ],
            **({"Next": f"Roll{i + 2}"} if i + 1 < len(services) else {"End": True}),
        }
    return {
        "Comment": "Roll the services that read the rotated database user's secret",
        "StartAt": "Roll1",
        "States": states,
    }
