"""The DR site: what serves the platform from the DR region, built before any incident (pilot light).

AWS's pilot-light strategy (whitepaper "Disaster Recovery of Workloads on AWS"): the data is live in the DR region
(the cross-region MySQL replica, the replicated automated backups, the S3 replica, the ECR replicas, the
replicated secrets and parameters) and the serving tiers are deployed but switched off. Here they are the same
tiers as in the primary region, built by the same components (components/edge.py, components/compute.py) under
the DR region's provider and a name prefix of their own (`elite-locadora-<env>-dr`), so no physical name collides
with the primary region's or with a global one:

- a load balancer in the DR VPC's public subnets with its own ACM certificate (the same `*.<domain>` name, this
  region) and a regional WAF, requiring the same origin-verification header CloudFront already sends, and the
  SECONDARY record of `origin.<domain>`;
- an ECS cluster with the web, API and worker services, pulling the ECR replicas of this region, reading the
  DR copies of the parameters and the replicas of the secrets, writing to the S3 replica bucket, pointed at the
  DR database; before a failover they run no task (the auto scaling minimum is 0);
- a Redis replication group (cache and sessions) and the job queue (SQS), both of this region.

`tools/failover.py` promotes the replica, raises the services' minimum and flips the failover switch; with
`elite-locadora:dr.failedOver` the program renders that state (docs/dr-runbook.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.compute import Compute, ComputeArgs, ImageRepositories, app_name
from components.context import RegionContext
from components.contract import (
    APPLICATIONS,
    REDIS_PORT,
    AppParameters,
    Bucket,
    Cache,
    Database,
    JobQueue,
    ServedSite,
    SiteNetwork,
)
from components.data_cache import RedisPlacement, redis_replication_group
from components.data_queue import job_queues
from components.edge import Edge, EdgeArgs, OriginFailover
from settings.compute import ComputeSettings
from settings.data import CacheSettings, QueueSettings
from settings.dr_site import DrSettings
from settings.edge import EdgeSettings


@dataclass
class DrSiteArgs:
    name_prefix: str
    """The stack's physical-name prefix, `elite-locadora-<env>`; the site's names are `<prefix>-dr-…`."""
    environment: str
    """`prod` or `staging` (task families and APP_ENV as in the primary region)."""
    site: DrSettings
    """The validated DR settings (failedOver, cache size)."""
    edge_settings: EdgeSettings
    """The stack's edge settings: the DR load balancer has the primary's TLS policy, WAF and health checks."""
    compute_settings: ComputeSettings
    """The stack's compute settings: the DR services have the primary's sizes, counts and release."""
    cache_settings: CacheSettings
    """The primary cache's settings (engine, windows, retention); the node type and count are the site's."""
    queue_settings: QueueSettings
    """The primary queue's settings (retention, visibility, redrive)."""
    protect: bool
    """Protect the stateful pieces (queue, cache, token) in prod."""
    region: RegionContext
    """The DR region: everything here is created in it; its keys encrypt the queue and the cache (data), the
    container, WAF and cache log groups (logs), the Redis token and the DR parameters (secrets)."""
    domain: str
    """Apex domain: the DR certificate covers `<domain>` and `*.<domain>`, the load balancer `origin.<domain>`."""
    zone_id: pulumi.Input[str]
    """The domain's Route 53 zone: the certificate's validation record and the SECONDARY origin record."""
    origin_verify_value: pulumi.Input[str]
    """The value CloudFront sends in `X-Origin-Verify` (the primary edge's): required here too."""
    network: SiteNetwork
    """The DR VPC (data tier's DR network): the load balancer in its public subnets, the tasks and the cache in its
    private ones, each in its group (`app` is the only group the DR database admits)."""
    database: Database
    """The DR database (the replica; after the failover, the promoted writer) and the DR replica of the application
    user's secret."""
    parameters: AppParameters
    """The DR copies of the application's parameters (secrets tier)."""
    assets: Bucket
    """The S3 replica bucket and its key (the API writes uploads there after a failover)."""
    app_url: str
    """The public URL (CloudFront's; unchanged by a failover)."""


class DrSite(pulumi.ComponentResource):
    alb_dns_name: pulumi.Output[str]
    served: ServedSite
    """The DR load balancer's targets and the DR services (what the DR alarms watch, what the failover tool
    scales)."""
    redis_replication_group_id: pulumi.Output[str]
    jobs_queue_name: pulumi.Output[str]
    jobs_dead_letter_queue_name: pulumi.Output[str]
    log_group_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: DrSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:dr:DrSite", name, None, opts)
        self._name, self._args = name, args
        self._prefix = f"{args.name_prefix}-dr"
        # Children inherit the DR provider: nothing of the site can land in the primary region by omission.
        self._child = pulumi.ResourceOptions(parent=self, providers=[args.region.provider])
        self._stateful = pulumi.ResourceOptions.merge(
            self._child, pulumi.ResourceOptions(protect=args.protect, retain_on_delete=args.protect)
        )

        edge = Edge(
            f"{name}-edge",
            EdgeArgs(
                name_prefix=self._prefix,
                settings=args.edge_settings,
                domain=args.domain,
                zone_id=args.zone_id,
                network=args.network,
                region=args.region,
                protect=args.protect,
                origin_verify_value=args.origin_verify_value,
                origin_failover=OriginFailover(role="SECONDARY"),
            ),
            opts=self._child,
        )
        queue, dead = self._create_queue()
        compute = Compute(
            f"{name}-compute",
            ComputeArgs(
                name_prefix=self._prefix,
                environment=args.environment,
                settings=args.compute_settings,
                protect=args.protect,
                region=args.region,
                # The site pulls the ECR replicas (no registry of its own): nothing is replicated further from here.
                dr=args.region,
                network=args.network,
                targets=edge.targets,
                app_url=args.app_url,
                database=args.database,
                cache=self._create_cache(),
                parameters=args.parameters,
                assets=args.assets,
                queue=JobQueue(queue.arn, queue.url, args.region.keys.data),
                images=self._replica_repositories(),
                role="serving" if args.site.failed_over else "pilot-light",
            ),
            opts=self._child,
        )

        self.alb_dns_name = edge.alb_dns_name
        self.served = ServedSite(edge.targets, compute.services)
        self.jobs_queue_name, self.jobs_dead_letter_queue_name = queue.name, dead.name
        self.log_group_names = [*compute.log_group_names, edge.waf_log_group_name]
        self.register_outputs(
            {
                "alb_arn_suffix": self.served.targets.alb_arn_suffix,
                "alb_dns_name": self.alb_dns_name,
                "cluster_name": self.served.services.cluster_name,
                "service_names": self.served.services.names,
                "redis_replication_group_id": self.redis_replication_group_id,
                "jobs_queue_name": self.jobs_queue_name,
                "jobs_dead_letter_queue_name": self.jobs_dead_letter_queue_name,
                "log_group_names": self.log_group_names,
            }
        )

    # -- images: the ECR replicas of this region ----------------------------------------------------------------
    def _replica_repositories(self) -> ImageRepositories:
        """ECR replication (components/registry.py) creates each repository's replica in the DR region under the
        same name in the same registry: the tasks pull `<account>.dkr.ecr.<DR region>.<suffix>/<name>`."""
        a = self._args
        account, partition, dns_suffix = a.region.account_id, a.region.partition, a.region.dns_suffix
        names = {app: app_name(a.environment, app) for app in APPLICATIONS}
        urls = {
            app: pulumi.Output.all(account, dns_suffix).apply(
                lambda v, n=n: f"{v[0]}.dkr.ecr.{a.region.name}.{v[1]}/{n}"
            )
            for app, n in names.items()
        }
        arns = {
            app: pulumi.Output.all(account, partition).apply(
                lambda v, n=n: f"arn:{v[1]}:ecr:{a.region.name}:{v[0]}:repository/{n}"
            )
            for app, n in names.items()
        }
        return ImageRepositories(urls=urls, arns=arns)

    # -- the job queue ----------------------------------------------------------------------------------------
    def _create_queue(self) -> tuple[aws.sqs.Queue, aws.sqs.Queue]:
        """The site's own queue (SQS is regional): jobs queued in the lost region stay there until it returns
        (docs/dr-runbook.md, RPO of queued jobs)."""
        a = self._args
        return job_queues(self._name, self._prefix, a.queue_settings, a.region.keys.data, self._stateful)

    # -- the cache --------------------------------------------------------------------------------------------
    def _create_cache(self) -> Cache:
        """Redis for cache and sessions, as in the primary region (TLS, AUTH, KMS, automatic failover), smaller:
        a cache refills from MySQL, and sessions of the lost region are lost anyway (users sign in again)."""
        a, c, n, prefix = self._args, self._args.cache_settings, self._name, self._prefix
        # The site's own token (the primary's group is in the other region); generated once and kept in state.
        token = random.RandomPassword(f"{n}-redis-auth", length=64, special=False, opts=self._stateful)
        group = redis_replication_group(
            n,
            prefix,
            c,
            RedisPlacement(
                network="DR",
                title="DR Redis",
                description="Elite Locadora DR Redis (cache and sessions of the DR site)",
                node_type=a.site.cache_node_type,
                nodes=a.site.cache_nodes,
                availability_zones=a.network.availability_zones,
                subnet_ids=a.network.private_subnet_ids,
                security_group_id=a.network.cache_sg_id,
            ),
            data_key_arn=a.region.keys.data,
            logs_key_arn=a.region.keys.logs,
            auth_token=token.result,
            # The token never changes (no keeper): there is no update to strategize.
            auth_token_update_strategy=None,
            opts=self._child,
            stateful=self._stateful,
        )
        secret = aws.secretsmanager.Secret(
            f"{n}-redis-auth",
            name=f"{prefix}-redis-auth",
            description="AUTH token of the DR site's Redis replication group (TLS required), with its endpoint",
            kms_key_id=a.region.keys.secrets,
            recovery_window_in_days=30 if a.protect else 7,
            opts=self._stateful,
        )
        version = aws.secretsmanager.SecretVersion(
            f"{n}-redis-auth",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(
                pulumi.Output.json_dumps(
                    {
                        "authToken": token.result,
                        "host": group.primary_endpoint_address,
                        "port": REDIS_PORT,
                        "tls": True,
                    }
                )
            ),
            # The token's only copy besides the group itself: protected with it.
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(depends_on=[group])),
        )
        self.redis_replication_group_id = group.replication_group_id
        return Cache(group.primary_endpoint_address, REDIS_PORT, secret.arn, version.version_id)
