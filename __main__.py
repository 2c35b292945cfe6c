"""Elite Locadora's AWS platform: wires the tiers together, nothing else.

Config → settings → providers and keys → tiers (network, edge, data, storage, cdn, secrets, compute,
operations, cicd) → stack outputs. Each tier is a ComponentResource in components/; tiers talk through
typed outputs only.
"""

import pulumi

from components.boundary import boundary_arn, require_permissions_boundary
from components.cdn import Cdn, CdnArgs
from components.cicd import Cicd, CicdArgs
from components.compute import Compute, ComputeArgs
from components.context import look_up_regions, with_keys
from components.contract import ServedSite
from components.data import Data, DataArgs
from components.db_access import DatabaseAccess, DatabaseAccessArgs
from components.dns import Dns, DnsArgs
from components.dr_site import DrSite, DrSiteArgs
from components.edge import Edge, EdgeArgs, OriginFailover
from components.failover_switch import FailoverSwitchArgs
from components.keys import Keys, KeysArgs
from components.network import Network, NetworkArgs
from components.operations import Operations, OperationsArgs
from components.providers import GLOBAL_SERVICES_REGION, create_providers
from components.review import ReviewLifetime, ReviewLifetimeArgs
from components.secrets import AppSecrets, AppSecretsArgs
from components.storage import Storage, StorageArgs
from components.waf import UploadRoutes
from settings import NAMESPACE, load_secrets, load_settings
from settings.compute import BOOTSTRAP_TAG, image_reference

settings = load_settings()
# Before any resource: an update with a required secret unset stops here, having changed nothing.
config_secrets = load_secrets()
providers = create_providers(settings)
regions = look_up_regions(providers, settings.region, settings.dr_region, GLOBAL_SERVICES_REGION)
# Before any resource: every IAM role of every tier carries the boundary the Deployments role insists on.
require_permissions_boundary(boundary_arn(settings.account_prefix, regions.primary))
in_primary = pulumi.ResourceOptions(providers=[providers.primary])

keys = Keys(
    "keys",
    KeysArgs(
        name_prefix=settings.name_prefix, primary=regions.primary, dr=regions.dr, protect=settings.protect
    ),
    opts=in_primary,
)
# Each region with its keys: what every tier building there takes instead of a provider and loose key ARNs.
primary, dr = with_keys(regions.primary, keys.primary), with_keys(regions.dr, keys.dr)
global_services = regions.global_services

# --- network ---
network = Network(
    "network",
    NetworkArgs(name_prefix=settings.name_prefix, settings=settings.network, region=primary),
    opts=in_primary,
)

# --- dns: the zone the edge and CDN tiers write their names into ---
dns = Dns(
    "dns",
    DnsArgs(
        name_prefix=settings.name_prefix,
        settings=settings.dns,
        domain=settings.domain,
        global_services=global_services,
        protect=settings.protect,
    ),
    opts=in_primary,
)
failed_over = settings.dr is not None and settings.dr.failed_over

# --- edge ---
edge = Edge(
    "edge",
    EdgeArgs(
        name_prefix=settings.name_prefix,
        settings=settings.edge,
        domain=settings.domain,
        zone_id=dns.zone_id,
        network=network.site,
        region=primary,
        protect=settings.protect,
        # With a DR site, origin.<domain> is a failover pair; the primary record obeys the operators' switch.
        origin_failover=OriginFailover(
            "PRIMARY",
            FailoverSwitchArgs(
                name_prefix=settings.name_prefix,
                environment=settings.env_name,
                dr=dr,
            ),
        )
        if settings.dr is not None
        else None,
    ),
    opts=in_primary,
)

# --- data ---
data = Data(
    "data",
    DataArgs(
        name_prefix=settings.name_prefix,
        settings=settings.data,
        protect=settings.protect,
        network=network.site,
        rotation_sg_id=network.rotation_sg_id,
        region=primary,
        dr=dr,
        dr_site=settings.dr,
    ),
    opts=in_primary,
)

# --- storage ---
storage = Storage(
    "storage",
    StorageArgs(
        name_prefix=settings.name_prefix,
        settings=settings.storage,
        region=primary,
        dr=dr,
        protect=settings.protect,
    ),
    opts=in_primary,
)

# --- cdn ---
cdn = Cdn(
    "cdn",
    CdnArgs(
        name_prefix=settings.name_prefix,
        settings=settings.cdn,
        domain=settings.domain,
        origin_host=edge.origin_host,
        origin_verify_header=edge.origin_verify_header,
        origin_verify_value=edge.origin_verify_value,
        zone_id=dns.zone_id,
        region=primary,
        global_services=global_services,
        dr=dr,
        assets=storage.assets,
        replica=storage.replica,
        public_prefixes=storage.public_prefixes,
        log_bucket_arn=storage.log_bucket_arn,
        uploads=UploadRoutes(tuple(settings.edge.upload_paths), settings.edge.upload_max_bytes),
        protect=settings.protect,
    ),
    opts=in_primary,
)

# --- secrets ---
app_secrets = AppSecrets(
    "secrets",
    AppSecretsArgs(
        parameter_prefix=f"/{NAMESPACE}/{settings.env_name}",
        config_secrets=config_secrets,
        jwt_secret_length=settings.operations.jwt_secret_length,
        region=primary,
        database=data.database,
        dr=dr,
        dr_database=data.dr_database,
        protect=settings.protect,
    ),
    opts=in_primary,
)

# --- compute ---
compute = Compute(
    "compute",
    ComputeArgs(
        name_prefix=settings.name_prefix,
        environment=settings.env_name,
        settings=settings.compute,
        protect=settings.protect,
        region=primary,
        dr=dr,
        network=network.site,
        targets=edge.targets,
        app_url=cdn.site_url,
        database=data.database,
        cache=data.cache,
        parameters=app_secrets.parameters,
        assets=storage.assets,
        queue=data.queue,
        # After a failover the old primary's services are fenced: no task may write to the old database.
        role="fenced" if failed_over else "serving",
    ),
    opts=in_primary,
)

# --- the DR site (pilot light; serving when failed over) ---
dr_site = None
dr_network = data.dr_network.site if data.dr_network is not None else None
if (
    settings.dr is not None
    and dr_network is not None
    and data.dr_database is not None
    and app_secrets.dr_parameters is not None
):
    dr_site = DrSite(
        "dr",
        DrSiteArgs(
            name_prefix=settings.name_prefix,
            environment=settings.env_name,
            site=settings.dr,
            edge_settings=settings.edge,
            compute_settings=settings.compute,
            cache_settings=settings.data.cache,
            queue_settings=settings.data.queue,
            protect=settings.protect,
            region=dr,
            network=dr_network,
            domain=settings.domain,
            zone_id=dns.zone_id,
            origin_verify_value=edge.origin_verify_value,
            database=data.dr_database,
            parameters=app_secrets.dr_parameters,
            assets=storage.replica,
            app_url=cdn.site_url,
        ),
        opts=in_primary,
    )

# --- database access: the application user's one-off bootstrap task, the roll after its rotation ---
db_access = DatabaseAccess(
    "db-access",
    DatabaseAccessArgs(
        name_prefix=settings.name_prefix,
        region=primary,
        # The image the API runs (the bootstrap image while no release is configured, as compute does).
        backend_image=compute.backend_repository_url.apply(
            lambda url: image_reference(
                url, settings.compute.images.backend if settings.compute.images else BOOTSTRAP_TAG
            )
        ),
        backend_repository_arn=compute.backend_repository_arn,
        cpu_architecture=settings.compute.cpu_architecture,
        database=data.database,
        app_privileges=settings.data.database.app_privileges,
        master_secret_arn=data.db_master_secret_arn,
        log_retention_days=settings.compute.log_retention_days,
        cluster_arn=compute.services.cluster_arn,
        rolled_service_names=[compute.services.names["api"], compute.services.names["worker"]],
    ),
    opts=in_primary,
)

# --- operations ---
operations = Operations(
    "operations",
    OperationsArgs(
        name_prefix=settings.name_prefix,
        settings=settings.operations,
        protect=settings.protect,
        region=primary,
        dr=dr,
        private_subnet_ids=network.private_subnet_ids,
        search_sg_id=network.search_sg_id,
        site=ServedSite(edge.targets, compute.services),
        data=data.watched,
        # RunningTaskCount exists only while Container Insights is on (ECS/ContainerInsights).
        task_count_metrics=settings.compute.container_insights != "disabled",
        dr_site=dr_site.served if dr_site is not None else None,
        backup_resource_arns=[storage.assets.arn],
        signed_zone_id=dns.zone_id if settings.dns.dnssec else None,
        log_sources={
            "ecs": [*compute.log_group_names, db_access.bootstrap_log_group_name],
            "waf": [edge.waf_log_group_name],
            "database": data.db_log_group_names,
        },
    ),
    opts=in_primary,
)

# --- cicd ---
cicd = Cicd(
    "cicd",
    CicdArgs(
        name_prefix=settings.name_prefix,
        settings=settings.cicd,
        region=primary,
        provider_regions=[settings.region, settings.dr_region, GLOBAL_SERVICES_REGION],
        services=compute.services,
        repository_arns={
            "frontend": compute.frontend_repository_arn,
            "backend": compute.backend_repository_arn,
        },
    ),
    opts=in_primary,
)

# --- a review stack's time-to-live (review stacks only) ---
if settings.review is not None:
    lifetime = ReviewLifetime(
        "review",
        ReviewLifetimeArgs(
            organization=pulumi.get_organization(),
            project=pulumi.get_project(),
            stack=pulumi.get_stack(),
            ttl_hours=settings.review.ttl_hours,
        ),
    )
    pulumi.export("reviewExpiresAt", lifetime.expires_at)

pulumi.export("environment", settings.environment)
pulumi.export("region", settings.region)
pulumi.export("drRegion", settings.dr_region)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("albDnsName", edge.alb_dns_name)
pulumi.export("dnsZoneId", dns.zone_id)
# What the parent zone's stack lists under dns.delegations for this stack's subdomain (staging).
if dns.name_servers is not None:
    pulumi.export("dnsNameServers", dns.name_servers)
if dns.ds_record is not None:
    pulumi.export("dnsDsRecord", dns.ds_record)
# Everything public goes through CloudFront: the site at its apex, the API under /api/ of the same origin.
pulumi.export("siteUrl", cdn.site_url)
pulumi.export("apiUrl", f"{cdn.site_url}/api")
pulumi.export("dbAddress", data.database.address)
pulumi.export("dbMasterSecretArn", data.db_master_secret_arn)
pulumi.export("dbAppSecretArn", data.db_app_secret_arn)
pulumi.export("dbBootstrapTaskFamily", db_access.bootstrap_task_definition_family)
pulumi.export("dbReplicaIds", data.db_replica_ids)
if data.dr_replica_arn is not None:
    pulumi.export("drReplicaArn", data.dr_replica_arn)
    pulumi.export("drReplicaAddress", data.dr_replica_address)
if dr_site is not None and edge.failover_switch_alarm_name is not None:
    pulumi.export("drStrategy", settings.dr.strategy)
    pulumi.export("drFailedOver", failed_over)
    pulumi.export("drAlbDnsName", dr_site.alb_dns_name)
    pulumi.export("drClusterName", dr_site.served.services.cluster_name)
    pulumi.export("drServiceNames", dr_site.served.services.names)
    pulumi.export("drBackupReplicationArn", data.dr_backup_replication_arn)
    pulumi.export("failoverSwitchAlarmName", edge.failover_switch_alarm_name)
    pulumi.export("failoverHealthCheckId", edge.failover_health_check_id)
pulumi.export("redisPrimaryEndpoint", data.cache.endpoint)
pulumi.export("redisAuthSecretArn", data.cache.auth_secret_arn)
pulumi.export("assetsBucketName", storage.assets.name)
pulumi.export("replicaBucketArn", storage.replica.arn)
pulumi.export("cdnDomainName", cdn.distribution_domain_name)
pulumi.export("cdnDistributionId", cdn.distribution_id)
pulumi.export("clusterName", compute.services.cluster_name)
pulumi.export("frontendRepositoryUrl", compute.frontend_repository_url)
pulumi.export("backendRepositoryUrl", compute.backend_repository_url)
pulumi.export("alarmTopicArn", operations.alarm_topic_arn)
pulumi.export("dashboardName", operations.dashboard_name)
pulumi.export("searchDomainEndpoint", operations.search_domain_endpoint)
pulumi.export("backupVaultArn", operations.backup_vault_arn)
pulumi.export("cicdDeployRoleArns", cicd.deploy_role_arns)
pulumi.export("cicdPipelines", cicd.pipelines)
if cicd.preview_role_arn is not None:
    pulumi.export("cicdPreviewRoleArn", cicd.preview_role_arn)
