"""What the tiers agree on, defined once: the ports the services and the data stores listen on, and the keys
that name the services and the applications (#18). A tier that needs one imports it from here; no tier
defines it again. The typed bundles below are what one tier hands the next: a consuming tier takes the bundle, not
its fields one by one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

WEB_PORT = 80  # nginx in the web image (the React app), behind the load balancer
API_PORT = 8000  # the API image (Laravel), behind the load balancer
HTTPS_PORT = 443  # the load balancer's listener; AWS APIs through the interface endpoints
MYSQL_PORT = 3306  # RDS MySQL, primary and DR replica
REDIS_PORT = 6379  # ElastiCache Redis

SERVICES = ("web", "api", "worker")  # the ECS services, as settings and outputs key them
APPLICATIONS = ("frontend", "backend")  # the images (one ECR repository and one pipeline each)


@dataclass(frozen=True)
class AppParameters:
    """The application's SSM SecureString parameters in one region (secrets tier), injected into the API and worker
    tasks by ARN (`secrets`/`valueFrom`)."""

    database_url: pulumi.Output[str]
    """`DB_URL`: the database URL without user or password."""
    jwt_secret: pulumi.Output[str]
    """`JWT_SECRET`: the API's JWT signing secret."""
    stripe_secret: pulumi.Output[str]
    """`STRIPE_SECRET`: Stripe's secret API key."""
    app_key: pulumi.Output[str]
    """`APP_KEY`: Laravel's encryption key."""


# The container each service's task definition runs, by service key: the load balancer attaches the web and API
# services by these names, so the task definitions and the services must agree (the guide's names).
CONTAINERS = {"web": "frontend", "api": "backend", "worker": "worker"}


@dataclass(frozen=True)
class SiteNetwork:
    """The VPC a site serves from (network tier; the DR site's from the DR network): what the edge, data and compute
    tiers place their resources in."""

    vpc_id: pulumi.Output[str]
    availability_zones: pulumi.Output[list[str]]
    """The AZ names the subnets span, in subnet order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """One per AZ: the load balancer and the NAT gateways."""
    private_subnet_ids: pulumi.Output[list[str]]
    """One per AZ: the tasks and the data stores (no public IPs)."""
    alb_sg_id: pulumi.Output[str]
    """The load balancer: HTTPS from CloudFront's origin-facing servers only."""
    web_sg_id: pulumi.Output[str]
    """The web tasks: HTTP from the load balancer only."""
    app_sg_id: pulumi.Output[str]
    """The API and worker tasks: the API port from the load balancer only; the only group the data stores admit."""
    db_sg_id: pulumi.Output[str]
    """The database: MySQL from the API and worker tasks only."""
    cache_sg_id: pulumi.Output[str]
    """The cache: Redis from the API and worker tasks only."""


@dataclass(frozen=True)
class ServiceTarget:
    """One service behind the load balancer (edge tier)."""

    target_group_arn: pulumi.Output[str]
    """The target group the ECS service registers its tasks with."""
    target_group_arn_suffix: pulumi.Output[str]
    """`targetgroup/<name>/<id>`: CloudWatch's `TargetGroup` dimension and the request-count scaling label."""
    port: int
    """The container port the target group forwards to."""
    health_check_path: str
    """The path the target group checks; the container health check requests the same one, so ECS and the load
    balancer agree on what healthy means."""


@dataclass(frozen=True)
class EdgeTargets:
    """What the compute tier attaches its services to (edge tier)."""

    alb_arn_suffix: pulumi.Output[str]
    """`app/<name>/<id>` of the load balancer: CloudWatch's `LoadBalancer` dimension."""
    web: ServiceTarget
    api: ServiceTarget
    attachments: tuple[pulumi.Resource, ...]
    """What attaches the target groups to the load balancer (listeners and rules): ECS refuses to create a service
    whose target group no listener uses yet, so the services wait for these."""

    def by_service(self) -> dict[str, ServiceTarget]:
        """The services behind the load balancer by key (`web`, `api`); the worker has none."""
        return {"web": self.web, "api": self.api}


@dataclass(frozen=True)
class Database:
    """The MySQL database the application connects to (data tier): the primary, or in the DR region the replica."""

    address: pulumi.Output[str]
    """Endpoint address (`DB_HOST`)."""
    port: pulumi.Output[int]
    """Port (`DB_PORT`)."""
    name: pulumi.Output[str]
    """The application schema (`DB_DATABASE`)."""
    app_secret_arn: pulumi.Output[str]
    """The application user's secret in this region (username and password; rotation alternates two users)."""


@dataclass(frozen=True)
class Cache:
    """The Redis replication group for cache and sessions (data tier, or the DR site's own)."""

    endpoint: pulumi.Output[str]
    """The primary endpoint (`REDIS_HOST`)."""
    port: pulumi.Input[int]
    """`REDIS_PORT`."""
    auth_secret_arn: pulumi.Output[str]
    """The Secrets Manager secret holding the AUTH token (`authToken` key)."""
    auth_secret_version_id: pulumi.Output[str]
    """The token's version this deploy wrote: a rotated token is a new version, and the services roll to it."""


@dataclass(frozen=True)
class JobQueue:
    """The SQS job queue (data tier, or the DR site's own): the API sends, the worker receives and deletes."""

    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    """Laravel's SQS_PREFIX (the URL without the name) and SQS_QUEUE (the name)."""
    key_arn: pulumi.Input[str]
    """The KMS key of the queue: producers and consumers use it through SQS only."""


@dataclass(frozen=True)
class Bucket:
    """A data bucket and its own KMS key (storage tier): the assets bucket, or its replica in the DR region."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]
    """The bucket's regional endpoint, CloudFront's S3 origin."""
    key_arn: pulumi.Output[str]
    """SSE-KMS objects need the key to be read and written."""
    key_id: pulumi.Output[str]
    """The key's id: the CDN tier writes its policy (it names the distribution)."""


@dataclass(frozen=True)
class EcsServices:
    """A site's ECS cluster and services (compute tier): what the alarms, the dashboard, the pipelines and the
    database access tier name."""

    cluster_name: pulumi.Output[str]
    """CloudWatch's `ClusterName` dimension."""
    cluster_arn: pulumi.Output[str]
    names: dict[str, pulumi.Output[str]]
    """Service name by service key (`web`, `api`, `worker`): CloudWatch's `ServiceName` dimension."""


@dataclass(frozen=True)
class ServedSite:
    """A site that serves traffic (the primary region's, or the DR site): its load balancer's targets and its ECS
    services, what the alarms and the dashboard watch."""

    targets: EdgeTargets
    services: EcsServices


@dataclass(frozen=True)
class WatchedData:
    """What the operations tier watches and backs up of the data tier: the alarms' and the dashboard's
    dimensions (RDS and ElastiCache publish per instance and per node) and the backup plan's selection."""

    db_instance_id: pulumi.Output[str]
    """The primary instance (`DBInstanceIdentifier`)."""
    db_instance_arn: pulumi.Output[str]
    """The primary instance's ARN: AWS Backup selects it."""
    db_replica_ids: Sequence[pulumi.Output[str]]
    """In-region read replicas (ReplicaLag alarms in the primary region)."""
    dr_replica_id: pulumi.Output[str] | None
    """The cross-region replica (its ReplicaLag alarm lives in the DR region); None without one."""
    redis_member_cluster_ids: Sequence[pulumi.Output[str]]
    """The Redis member clusters (`CacheClusterId`), one per node."""
