"""Compute tier: ECS on Fargate for the web app (React on nginx), the API (Laravel) and its queue worker.

One cluster `elite-locadora-<env>` with Container Insights and the FARGATE/FARGATE_SPOT capacity providers;
three task definitions (frontend, backend, worker) whose containers run as non-root users on read-only root
file systems, log to KMS-encrypted `awslogs` groups and get every secret through `secrets` (`valueFrom` an
SSM SecureString or a Secrets Manager ARN), never through `environment`; three services in the private
subnets (no public IPs) with a deployment circuit breaker that rolls back, 100/200% deployments and
target-tracking auto scaling. An execution role pulls the two repositories, writes the three log groups and
reads exactly the injected parameters and secrets; each service has its own task role with only what it uses.

A release is an image tag (git SHA) in `elite-locadora:compute.images`: `pulumi up` registers a new task
definition revision and the services roll to it (README, "Compute").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from settings.compute import BOOTSTRAP_TAG, ComputeSettings, ServiceSettings, image_reference

from .compute_containers import (
    WORKER_COMMAND,
    WRITABLE_PATHS,
    backend_environment,
    backend_secrets,
    container,
    env_pairs,
    health_check,
    health_check_command,
    log_configuration,
    volume_name,
    web_environment,
)
from .compute_roles import create_execution_role, create_task_roles, injected_references
from .context import RegionContext
from .contract import (
    APPLICATIONS,
    CONTAINERS,
    SERVICES,
    AppParameters,
    Bucket,
    Cache,
    Database,
    EcsServices,
    EdgeTargets,
    JobQueue,
    SiteNetwork,
)
from .registry import Registry, RegistryArgs

# The tag by which a service that deliberately runs no task is known (the pack's ecs-service-min-tasks exempts it):
# a DR site's service before a failover ("pilot-light"), the old primary's after one ("fenced").
DR_ROLE_TAG = "DrRole"
ServiceRole = Literal["serving", "pilot-light", "fenced"]


@dataclass
class ComputeArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>` (the cluster's name)."""
    environment: str
    """`prod` or `staging`: prod keeps the guide's repository, family and log group names."""
    settings: ComputeSettings
    """The validated compute settings of the stack."""
    protect: bool
    """Protect the repositories."""
    region: RegionContext
    """The region the services run in (log configuration, KMS conditions); its keys encrypt the images (data), the
    container log groups and ECS Exec sessions (logs), the parameters and secrets the tasks receive (secrets)."""
    dr: RegionContext
    """The DR region: the repositories' replicas (DR data key) and the APP_KEY's copy (DR secrets key)."""
    network: SiteNetwork
    """The VPC the tasks run in: its private subnets (no public IPs), the `web` group for the web tasks and the `app`
    group for the API and worker tasks."""
    targets: EdgeTargets
    """The load balancer's target groups the web and API services attach to (edge tier), with the ports and the
    health-check paths the containers must agree with."""
    app_url: str
    """Public URL of the API (`APP_URL`, and the web app's API URL)."""
    database: Database
    """The database (`DB_HOST`, `DB_PORT`, `DB_DATABASE`) and the application user's secret (`DB_USERNAME` and
    `DB_PASSWORD` from its keys: rotation alternates two users, so the name comes from the secret too)."""
    cache: Cache
    """Redis (`REDIS_HOST`, `REDIS_PORT`) and its AUTH token's secret (`REDIS_PASSWORD`, the version this deploy
    wrote)."""
    parameters: AppParameters
    """The application's SSM SecureStrings in this region (secrets tier): `DB_URL` (the database URL, no password),
    `JWT_SECRET`, `STRIPE_SECRET` and Laravel's `APP_KEY`."""
    assets: Bucket
    """The assets bucket (`AWS_BUCKET`): the API and the worker may use only their prefixes of it, with its key."""
    queue: JobQueue
    """The SQS job queue: the API sends jobs, the worker receives and deletes them."""
    images: ImageRepositories | None = None
    """Repositories to pull from instead of creating them (the DR site pulls the ECR replicas in its region)."""
    role: ServiceRole = "serving"
    """serving: the services run minCount..maxCount tasks; pilot-light: none until a failover raises the auto scaling
    minimum (a DR site before a failover); fenced: none and never more (the old primary after a failover)."""


@dataclass
class ImageRepositories:
    """Repositories that already exist (another tier's, or replicas in another region)."""

    urls: dict[str, pulumi.Output[str]]
    """`frontend`/`backend` → repository URL."""
    arns: dict[str, pulumi.Output[str]]
    """`frontend`/`backend` → repository ARN (the execution role may pull exactly these)."""


def app_name(environment: str, purpose: str) -> str:
    """The guide's names in prod (`elite-locadora-frontend`); `elite-locadora-<env>-<purpose>` elsewhere, so two
    environments can share an account."""
    return f"elite-locadora-{purpose}" if environment == "prod" else f"elite-locadora-{environment}-{purpose}"


class Compute(pulumi.ComponentResource):
    services: EcsServices
    """The cluster and the services by key (web, api, worker)."""
    frontend_repository_url: pulumi.Output[str]
    backend_repository_url: pulumi.Output[str]
    frontend_repository_arn: pulumi.Output[str]
    backend_repository_arn: pulumi.Output[str]
    log_group_names: list[pulumi.Output[str]]
    execution_role_arn: pulumi.Output[str]
    task_role_arns: dict[str, pulumi.Output[str]]
    task_definition_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:compute:Compute", name, None, opts)
        self._name, self._args, self._s = name, args, args.settings
        self._child = pulumi.ResourceOptions(parent=self)
        # What must exist before a service starts tasks: the cluster's default strategy, the roles' permissions,
        # and (from the edge tier) the listener and rules that attach the target groups to the load balancer.
        self._ready: list[pulumi.Resource] = list(args.targets.attachments)

        registry = args.images
        if registry is None:
            created = Registry(
                f"{name}-registry",
                RegistryArgs(
                    name_prefix=args.name_prefix,
                    repository_names={app: app_name(args.environment, app) for app in APPLICATIONS},
                    running_tags=self._release_tags(),
                    settings=self._s.registry,
                    protect=args.protect,
                    region=args.region,
                    dr=args.dr,
                ),
                opts=self._child,
            )
            registry = ImageRepositories(urls=created.repository_urls, arns=created.repository_arns)
        self.frontend_repository_url = registry.urls["frontend"]
        self.backend_repository_url = registry.urls["backend"]
        self.frontend_repository_arn = registry.arns["frontend"]
        self.backend_repository_arn = registry.arns["backend"]

        log_groups = self._create_log_groups()
        self.log_group_names = [g.name for g in log_groups.values()]
        exec_log_group = self._create_exec_log_group() if self._s.execute_command else None
        cluster = self._create_cluster(exec_log_group)

        execution_role, execution_grant = create_execution_role(
            name,
            args.name_prefix,
            args.region,
            list(registry.arns.values()),
            [g.arn for g in log_groups.values()],
            injected_references(args.parameters, args.database, args.cache),
            self,
        )
        task_roles, task_grants = create_task_roles(
            name,
            args.name_prefix,
            args.region,
            args.assets,
            self._s.api_bucket_prefixes,
            args.queue,
            exec_log_group,
            self,
        )
        # The policy of each role (`execution`, and the services' task roles that have one): whatever names a role
        # waits for its permissions (AWS checks some when the resource is created; IAM is eventually consistent).
        self._grants: dict[str, aws.iam.RolePolicy] = {"execution": execution_grant, **task_grants}
        self._ready.extend(self._grants.values())
        self.execution_role_arn = execution_role.arn
        self.task_role_arns = {k: r.arn for k, r in task_roles.items()}

        task_defs = self._create_task_definitions(registry, log_groups, execution_role, task_roles)
        self.task_definition_arns = {k: t.arn for k, t in task_defs.items()}
        services = self._create_services(cluster, task_defs)
        if not self._s.bootstrap:
            self._create_autoscaling(cluster, services)
        self.services = EcsServices(cluster.name, cluster.arn, {key: services[key].name for key in SERVICES})

        self.register_outputs(
            {
                "cluster_name": self.services.cluster_name,
                "cluster_arn": self.services.cluster_arn,
                **{f"{key}_service_name": name for key, name in self.services.names.items()},
                "frontend_repository_url": self.frontend_repository_url,
                "backend_repository_url": self.backend_repository_url,
                "frontend_repository_arn": self.frontend_repository_arn,
                "backend_repository_arn": self.backend_repository_arn,
                "log_group_names": self.log_group_names,
                "execution_role_arn": self.execution_role_arn,
                "task_role_arns": self.task_role_arns,
                "task_definition_arns": self.task_definition_arns,
            }
        )

    # -- release ------------------------------------------------------------------------------------------------------
    def _release_tags(self) -> dict[str, str]:
        """The image tag each repository's running release has (none while bootstrapping)."""
        images = self._s.images
        return {} if images is None else {"frontend": images.frontend, "backend": images.backend}

    # -- logs and cluster -------------------------------------------------------------------------------------------
    def _families(self) -> dict[str, str]:
        env = self._args.environment
        return {
            "web": app_name(env, "frontend"),
            "api": app_name(env, "backend"),
            "worker": app_name(env, "worker"),
        }

    def _create_log_groups(self) -> dict[str, aws.cloudwatch.LogGroup]:
        """The guide's `/ecs/elite-locadora-frontend` and `/ecs/elite-locadora-backend`, and the worker's."""
        return {
            key: aws.cloudwatch.LogGroup(
                f"{self._name}-{key}",
                name=f"/ecs/{family}",
                retention_in_days=self._s.log_retention_days,
                kms_key_id=self._args.region.keys.logs,
                tags={"Service": key},
                opts=self._child,
            )
            for key, family in self._families().items()
        }

    def _create_exec_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-exec",
            name=f"/ecs/{self._args.name_prefix}/exec",
            retention_in_days=self._s.log_retention_days,
            kms_key_id=self._args.region.keys.logs,
            tags={"Service": "ecs-exec"},
            opts=self._child,
        )

    def _create_cluster(self, exec_log_group: aws.cloudwatch.LogGroup | None) -> aws.ecs.Cluster:
        a, s = self._args, self._s
        configuration = None
        if exec_log_group is not None:
            # Sessions are encrypted with the logs key and every command is logged (encrypted) to CloudWatch.
            configuration = {
                "execute_command_configuration": {
                    "kms_key_id": a.region.keys.logs,
                    "logging": "OVERRIDE",
                    "log_configuration": {
                        "cloud_watch_log_group_name": exec_log_group.name,
                        "cloud_watch_encryption_enabled": True,
                    },
                }
            }
        cluster = aws.ecs.Cluster(
            f"{self._name}-cluster",
            name=a.name_prefix,
            settings=[{"name": "containerInsights", "value": s.container_insights}],
            configuration=configuration,
            opts=self._child,
        )
        # A service's strategy may only name providers associated with the cluster: they must exist first. The
        # default strategy (the same) places what runs without one (a one-off `aws ecs run-task`).
        self._ready.append(
            aws.ecs.ClusterCapacityProviders(
                f"{self._name}-capacity",
                cluster_name=cluster.name,
                capacity_providers=["FARGATE", "FARGATE_SPOT"],
                default_capacity_provider_strategies=[
                    {"capacity_provider": p.capacity_provider, "weight": p.weight, "base": p.base}
                    for p in s.capacity_provider_strategy
                ],
                opts=self._child,
            )
        )
        return cluster

    # -- task definitions -------------------------------------------------------------------------------------------
    def _backend_environment(self) -> pulumi.Output[list[dict]]:
        a = self._args
        app_env = "production" if a.environment == "prod" else a.environment
        return pulumi.Output.all(
            a.database.address,
            a.database.port,
            a.database.name,
            a.cache.endpoint,
            a.cache.port,
            a.assets.name,
            a.queue.url,
        ).apply(lambda v: env_pairs(backend_environment(app_env, a.app_url, a.region.name, *v)))

    def _backend_secrets(self) -> pulumi.Output[list[dict]]:
        """Every secret of the API, by reference: ECS reads it at task start with the execution role."""
        a = self._args
        return pulumi.Output.all(
            a.database.app_secret_arn,
            a.cache.auth_secret_arn,
            a.parameters.database_url,
            a.parameters.jwt_secret,
            a.parameters.stripe_secret,
            a.parameters.app_key,
            a.cache.auth_secret_version_id,
        ).apply(lambda v: backend_secrets(*v))

    def _create_task_definitions(
        self,
        registry: ImageRepositories,
        log_groups: dict[str, aws.cloudwatch.LogGroup],
        execution_role: aws.iam.Role,
        task_roles: dict[str, aws.iam.Role],
    ) -> dict[str, aws.ecs.TaskDefinition]:
        a, s = self._args, self._s
        tags = self._release_tags()
        frontend_image = registry.urls["frontend"].apply(
            lambda u: image_reference(u, tags.get("frontend", BOOTSTRAP_TAG))
        )
        backend_image = registry.urls["backend"].apply(
            lambda u: image_reference(u, tags.get("backend", BOOTSTRAP_TAG))
        )
        web_env = web_environment(a.app_url, a.environment, s.stripe_publishable_key)
        containers = {
            "web": {
                **container(
                    "web", s.web, frontend_image, log_configuration(log_groups["web"], "web", a.region.name)
                ),
                "portMappings": [{"containerPort": a.targets.web.port, "protocol": "tcp", "name": "http"}],
                "environment": env_pairs(web_env),
                "secrets": [],
                # nginx listens on 80 as uid 101: let unprivileged users bind low ports in the task's namespace.
                "systemControls": [{"namespace": "net.ipv4.ip_unprivileged_port_start", "value": "0"}],
                "healthCheck": health_check(health_check_command("web", a.targets.web)),
                "stopTimeout": 30,
            },
            "api": {
                **container(
                    "api", s.api, backend_image, log_configuration(log_groups["api"], "api", a.region.name)
                ),
                "portMappings": [{"containerPort": a.targets.api.port, "protocol": "tcp", "name": "http"}],
                "environment": self._backend_environment(),
                "secrets": self._backend_secrets(),
                "healthCheck": health_check(health_check_command("api", a.targets.api)),
                "stopTimeout": 30,
            },
            "worker": {
                **container(
                    "worker",
                    s.worker,
                    backend_image,
                    log_configuration(log_groups["worker"], "worker", a.region.name),
                ),
                "command": WORKER_COMMAND,
                "environment": self._backend_environment(),
                "secrets": self._backend_secrets(),
                # No health check: queue:work is the container's main process; if it dies, the task stops and ECS
                # replaces it. Fargate's maximum stop timeout lets the current job finish after SIGTERM.
                "stopTimeout": 120,
            },
        }
        sizes = {"web": s.web, "api": s.api, "worker": s.worker}
        families = self._families()
        return {
            key: aws.ecs.TaskDefinition(
                f"{self._name}-{key}",
                family=families[key],
                network_mode="awsvpc",
                requires_compatibilities=["FARGATE"],
                cpu=str(sizes[key].cpu),
                memory=str(sizes[key].memory),
                runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": s.cpu_architecture},
                execution_role_arn=execution_role.arn,
                task_role_arn=task_roles[key].arn,
                volumes=[{"name": volume_name(p)} for p in WRITABLE_PATHS[key]],
                container_definitions=pulumi.Output.json_dumps([container]),
                tags={"Service": key},
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[g for k, g in self._grants.items() if k in ("execution", key)],
                ),
            )
            for key, container in containers.items()
        }

    # -- services and scaling ---------------------------------------------------------------------------------------
    def _create_services(
        self, cluster: aws.ecs.Cluster, task_defs: dict[str, aws.ecs.TaskDefinition]
    ) -> dict[str, aws.ecs.Service]:
        a, s = self._args, self._s
        behind_alb = a.targets.by_service()
        groups = {"web": a.network.web_sg_id, "api": a.network.app_sg_id, "worker": a.network.app_sg_id}
        families = self._families()
        strategy = [
            {"capacity_provider": p.capacity_provider, "weight": p.weight, "base": p.base}
            for p in s.capacity_provider_strategy
        ]
        services = {}
        for key in SERVICES:
            svc: ServiceSettings = getattr(s, key)
            lb = behind_alb.get(key)
            services[key] = aws.ecs.Service(
                f"{self._name}-{key}",
                # The guide's deploy job names the services after the applications (elite-locadora-backend).
                name=families[key],
                cluster=cluster.arn,
                task_definition=task_defs[key].arn,
                # Bootstrap (no image pushed yet): no task, so nothing pulls. The first release registers the
                # auto scaling target, and registering one sets the count inside its bounds (RegisterScalableTarget).
                desired_count=0 if s.bootstrap or a.role != "serving" else svc.min_count,
                # The strategy is the service's own, not the cluster's default: a service created without one has
                # the default copied in by ECS, and the provider then reports a change that ECS refuses without a
                # forced deployment (hashicorp/terraform-provider-aws#44776). Changing a service's strategy always
                # needs one (ECS UpdateService), hence force_new_deployment; a plain update already redeploys.
                capacity_provider_strategies=strategy,
                force_new_deployment=True,
                platform_version="1.4.0",
                network_configuration={
                    "subnets": a.network.private_subnet_ids,
                    "security_groups": [groups[key]],
                    "assign_public_ip": False,
                },
                load_balancers=[
                    {
                        "target_group_arn": lb.target_group_arn,
                        "container_name": CONTAINERS[key],
                        "container_port": lb.port,
                    }
                ]
                if lb
                else None,
                health_check_grace_period_seconds=s.health_check_grace_period_seconds if lb else None,
                deployment_circuit_breaker={"enable": True, "rollback": True},
                deployment_minimum_healthy_percent=100,
                deployment_maximum_percent=200,
                availability_zone_rebalancing="ENABLED",
                enable_execute_command=s.execute_command,
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
                # The pack's ecs-service-min-tasks exempts a bootstrapping service (0 tasks) by this tag.
                tags={
                    "Service": key,
                    **({"Bootstrap": "true"} if s.bootstrap else {}),
                    **({DR_ROLE_TAG: a.role} if a.role != "serving" else {}),
                },
                # Auto scaling owns the running count after creation; a deploy must not reset it to minCount.
                opts=pulumi.ResourceOptions(
                    parent=self, ignore_changes=["desiredCount"], depends_on=list(self._ready)
                ),
            )
        return services

    def _create_autoscaling(self, cluster: aws.ecs.Cluster, services: dict[str, aws.ecs.Service]) -> None:
        a, s = self._args, self._s
        labels = {
            key: pulumi.Output.concat(a.targets.alb_arn_suffix, "/", target.target_group_arn_suffix)
            for key, target in a.targets.by_service().items()
        }
        for key, service in services.items():
            svc: ServiceSettings = getattr(s, key)
            target = aws.appautoscaling.Target(
                f"{self._name}-{key}",
                service_namespace="ecs",
                scalable_dimension="ecs:service:DesiredCount",
                resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
                # A pilot light runs no task until the failover raises this minimum (RegisterScalableTarget then
                # sets the count inside the new bounds); a fenced service may run none at all.
                min_capacity=0 if a.role != "serving" else svc.min_count,
                max_capacity=0 if a.role == "fenced" else svc.max_count,
                opts=self._child,
            )
            metrics: list[tuple[str, dict, float]] = [
                ("cpu", {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}, svc.cpu_target_percent)
            ]
            if key in labels:
                metrics.append(
                    (
                        "requests",
                        {"predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": labels[key]},
                        float(svc.requests_per_target or 0),
                    )
                )
            for metric, spec, value in metrics:
                aws.appautoscaling.Policy(
                    f"{self._name}-{key}-{metric}",
                    name=f"{a.name_prefix}-{key}-{metric}",
                    policy_type="TargetTrackingScaling",
                    service_namespace=target.service_namespace,
                    scalable_dimension=target.scalable_dimension,
                    resource_id=target.resource_id,
                    target_tracking_scaling_policy_configuration={
                        "predefined_metric_specification": spec,
                        "target_value": value,
                        "scale_in_cooldown": svc.scale_in_cooldown_seconds,
                        "scale_out_cooldown": svc.scale_out_cooldown_seconds,
                    },
                    opts=self._child,
                )
