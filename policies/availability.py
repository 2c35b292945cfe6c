"""Availability: nothing that serves traffic or holds data lives in a single Availability Zone."""

from __future__ import annotations

from collections import defaultdict

from factories import resource_policy, stack_policy
from properties import UNKNOWN, get, items, truthy
from relations import keys_of, of_types, refs
from resource_types import (
    CACHE_CLUSTERS,
    CLUSTER_INSTANCES,
    LOAD_BALANCERS,
    RDS_CLUSTERS,
    RDS_INSTANCES,
    REPLICATION_GROUPS,
    SEARCH_DOMAINS,
)

# The values of the standby tag under which a service may run no task: a DR site's services before a failover
# (pilot light), the old primary's after one (fenced). components/compute.py sets them.
STANDBY_ROLES = ("pilot-light", "fenced")


def _rds_multi_az(props, cfg, args):
    if get(props, "replicateSourceDb"):
        return  # read replicas are exempt: their source is Multi-AZ and a replica can be promoted
    multi_az = get(props, "multiAz")
    if multi_az is not UNKNOWN and not truthy(multi_az):
        yield "runs in a single AZ; set multiAz: true so that a standby takes over when its AZ fails"


def _cache_failover(props, cfg, args):
    failover, multi_az = get(props, "automaticFailoverEnabled"), get(props, "multiAzEnabled")
    if failover is not UNKNOWN and not truthy(failover):
        yield "automatic failover is off; set automaticFailoverEnabled: true"
    if multi_az is not UNKNOWN and not truthy(multi_az):
        yield "Multi-AZ is off; set multiAzEnabled: true so that replicas sit in other AZs"
    nodes = get(props, "numCacheClusters")
    if nodes is None:
        groups, replicas = (
            get(props, "numNodeGroups", default=1),
            get(props, "replicasPerNodeGroup", default=0),
        )
        nodes = UNKNOWN if UNKNOWN in (groups, replicas) else 1 + replicas
    if nodes is not UNKNOWN and nodes < cfg["minNodes"]:
        yield f"has {nodes} node(s) per shard; set numCacheClusters to at least {cfg['minNodes']}"


def _subnets_span_azs(resources, cfg):
    """A VPC whose subnets cannot reach minAzs AZs, even if every subnet not yet judged (its AZ unknown, or its
    VPC unknown and unrelated) added a new AZ to it, is provably short; otherwise it is judged when known."""
    vpcs = [r for r in resources if r.resource_type == "aws:ec2/vpc:Vpc"]
    owner = {}
    for vpc in vpcs:
        for key in keys_of(vpc, "id"):
            owner[key] = vpc
    azs: dict[str, set] = defaultdict(set)
    undecided: dict[str, int] = defaultdict(int)
    floating = 0  # subnets whose VPC is unknown and unrelated: each might belong to any VPC
    for r in resources:
        if r.resource_type != "aws:ec2/subnet:Subnet":
            continue
        targets, unknown = refs(r, "vpcId")
        found = {owner[k].urn for k in targets if k in owner}
        if not found:  # a VPC outside this stack, or one the subnet cannot be related to yet
            floating += unknown
            continue
        az = get(r.props, "availabilityZone") or get(r.props, "availabilityZoneId")
        for urn in found:
            if az is UNKNOWN:
                undecided[urn] += 1
            elif az:
                azs[urn].add(az)
    for vpc in vpcs:
        known = azs.get(vpc.urn, set())
        if len(known) + undecided.get(vpc.urn, 0) + floating < cfg["minAzs"]:
            yield (
                vpc,
                (
                    f"its subnets span {len(known)} AZ(s) ({', '.join(sorted(known)) or 'none'}); "
                    f"create subnets in at least {cfg['minAzs']} AZs"
                ),
            )


def _lb_multi_az(props, cfg, args):
    # Each element is a subnet even when its id is unknown at preview: the count is known.
    for prop in ("subnets", "subnetMappings"):
        value = get(props, prop)
        if value is UNKNOWN:
            return  # how many subnets is not known yet
        if value:
            count = len(items(value))
            break
    else:
        count = 0
    if count < 2:
        yield f"uses {count} subnet(s); give it subnets in at least 2 AZs"


def _ecs_min_tasks(props, cfg, args):
    if get(props, "schedulingStrategy") == "DAEMON":
        return
    desired = get(props, "desiredCount")
    if desired is UNKNOWN:
        return
    if desired == 0 and str(get(props, "tags", cfg["bootstrapTag"], default="")).lower() == "true":
        return  # created before its first image exists (nothing to pull yet): the first release scales it
    if desired == 0:
        role = get(props, "tags", cfg["standbyTag"], default=None)
        if role is UNKNOWN or get(props, "tags") is UNKNOWN:
            return  # the tags are known only after the deploy: a standby role may exempt it
        if role in STANDBY_ROLES:
            return  # a DR site's pilot light (a failover scales it up), or the old primary fenced after one
    if desired is None or desired < cfg["minTasks"]:
        yield f"runs {desired or 0} task(s); set desiredCount to at least {cfg['minTasks']} spread over AZs"


def _search_zone_awareness(props, cfg, args):
    zone_aware = get(props, "clusterConfig", "zoneAwarenessEnabled")
    count = get(props, "clusterConfig", "instanceCount", default=1)
    if zone_aware is not UNKNOWN and not truthy(zone_aware):
        yield "zone awareness is off; set clusterConfig.zoneAwarenessEnabled with zoneAwarenessConfig"
    if count is not UNKNOWN and count < cfg["minDataNodes"]:
        yield f"has {count} data node(s); set clusterConfig.instanceCount to at least {cfg['minDataNodes']}"


def _aurora_multi_az(resources, cfg):
    members: dict[str, list] = defaultdict(list)
    untraceable = False  # an instance whose cluster is unknown might belong to any cluster
    for inst in of_types(resources, CLUSTER_INSTANCES):
        keys, unknown = refs(inst, "clusterIdentifier")
        untraceable |= unknown
        for k in keys:
            members[k].append(inst)
    for cluster in of_types(resources, RDS_CLUSTERS):
        engine, mode = get(cluster.props, "engine"), get(cluster.props, "engineMode")
        if UNKNOWN in (engine, mode) or not str(engine).startswith("aurora") or mode == "serverless":
            continue  # Multi-AZ DB clusters (mysql/postgres) always run three instances; Serverless v1 has none
        found = {
            id(i): i for k in keys_of(cluster, "clusterIdentifier", "id", "arn") for i in members.get(k, ())
        }
        instances = list(found.values())
        if untraceable and len(instances) < cfg["minInstances"]:
            continue
        azs = [get(i.props, "availabilityZone") for i in instances]
        if UNKNOWN in azs:
            continue
        pinned = {a for a in azs if a}
        if len(instances) < cfg["minInstances"]:
            yield (
                cluster,
                f"has {len(instances)} instance(s); add aws.rds.ClusterInstance readers up to "
                f"{cfg['minInstances']} so that one in another AZ takes over when the writer's AZ fails",
            )
        elif len(pinned) == 1 and len(pinned) == len(set(azs)):
            yield (
                cluster,
                f"all its instances are pinned to {pinned.pop()}; leave availabilityZone unset or spread them over AZs",
            )


def _cache_cluster_failover(props, cfg, args):
    if get(props, "replicationGroupId"):
        return  # a member of a replication group: failover is the group's
    engine = get(props, "engine")
    if engine in ("redis", "valkey", None):
        yield (
            f"a standalone {engine or 'redis'} cluster is one node with no replica and no failover; create an "
            "aws.elasticache.ReplicationGroup with automaticFailoverEnabled and multiAzEnabled"
        )
    elif engine == "memcached":
        mode, nodes = get(props, "azMode"), get(props, "numCacheNodes")
        if UNKNOWN in (mode, nodes):
            return
        if mode != "cross-az" or (nodes or 1) < 2:
            yield "memcached nodes sit in one AZ; set azMode: cross-az with numCacheNodes of at least 2"


POLICIES = [
    resource_policy(
        "rds-instance-multi-az",
        "Checks that RDS DB instances run Multi-AZ; read replicas are exempt (RDS.5).",
        RDS_INSTANCES,
        _rds_multi_az,
        control="RDS.5",
        severity="high",
        level="mandatory",
        remediation="Set multiAz: true on the primary instance.",
    ),
    resource_policy(
        "elasticache-automatic-failover",
        "Checks that Redis replication groups fail over automatically across AZs "
        "with enough nodes (ElastiCache.3).",
        REPLICATION_GROUPS,
        _cache_failover,
        control="ElastiCache.3",
        severity="high",
        level="mandatory",
        config={"minNodes": {"type": "integer", "minimum": 1, "default": 2}},
        remediation="Set automaticFailoverEnabled, multiAzEnabled and numCacheClusters ≥ minNodes.",
    ),
    stack_policy(
        "aurora-cluster-multi-az",
        "Checks that Aurora clusters run at least minInstances instances, not all pinned to one AZ (RDS.15).",
        _aurora_multi_az,
        control="RDS.15",
        severity="high",
        level="mandatory",
        config={"minInstances": {"type": "integer", "minimum": 1, "maximum": 16, "default": 2}},
        remediation="Add aws.rds.ClusterInstance readers (promotion tiers) so that the cluster spans two AZs.",
    ),
    resource_policy(
        "elasticache-cluster-failover",
        "Checks that standalone ElastiCache clusters are not single points of failure: Redis/Valkey belong in a "
        "replication group, Memcached spreads cross-AZ (ElastiCache.3).",
        CACHE_CLUSTERS,
        _cache_cluster_failover,
        control="ElastiCache.3",
        severity="high",
        level="mandatory",
        remediation="Use an aws.elasticache.ReplicationGroup with automatic failover for Redis; set azMode "
        "cross-az on Memcached.",
    ),
    stack_policy(
        "vpc-subnets-span-azs",
        "Checks that each VPC's subnets span at least minAzs Availability Zones.",
        _subnets_span_azs,
        severity="high",
        level="mandatory",
        config={"minAzs": {"type": "integer", "minimum": 1, "maximum": 6, "default": 2}},
        remediation="Create one subnet per tier in each of at least minAzs AZs.",
    ),
    resource_policy(
        "alb-multi-az",
        "Checks that load balancers span at least two Availability Zones (ELB.13).",
        LOAD_BALANCERS,
        _lb_multi_az,
        control="ELB.13",
        severity="medium",
        level="mandatory",
        remediation="Give the load balancer subnets in at least two AZs.",
    ),
    resource_policy(
        "ecs-service-min-tasks",
        "Checks that ECS services run at least minTasks tasks; a service tagged bootstrapTag=true with 0 tasks "
        "(created before its first image exists) is exempt, and so is one tagged standbyTag=pilot-light (a DR "
        "site before its failover) or standbyTag=fenced (the old primary after one).",
        frozenset({"aws:ecs/service:Service"}),
        _ecs_min_tasks,
        severity="medium",
        config={
            "minTasks": {"type": "integer", "minimum": 1, "default": 2},
            "bootstrapTag": {"type": "string", "minLength": 1, "default": "Bootstrap"},
            "standbyTag": {"type": "string", "minLength": 1, "default": "DrRole"},
        },
        remediation="Set desiredCount (and the auto scaling minimum) to at least minTasks.",
    ),
    resource_policy(
        "opensearch-zone-awareness",
        "Checks that OpenSearch domains spread data nodes over AZs (Opensearch.6).",
        SEARCH_DOMAINS,
        _search_zone_awareness,
        control="Opensearch.6",
        severity="medium",
        config={"minDataNodes": {"type": "integer", "minimum": 1, "default": 2}},
        remediation="Set clusterConfig.zoneAwarenessEnabled and instanceCount ≥ minDataNodes.",
    ),
]
