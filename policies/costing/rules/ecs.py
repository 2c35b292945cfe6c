"""ECS: Fargate task hours by capacity provider (service strategy, else the cluster's default), auto-scaled
services priced between min and max tasks; Container Insights logs per cluster."""

from __future__ import annotations

from typing import Any

from ..engine import Context, num, rule, unit_price
from ..model import Resource
from ..prices import MissingPrice


def _scaling_targets(c: Context) -> dict[str, Resource]:
    """ECS desired-count scaling targets by the service URN they depend on and by service name."""
    out: dict[str, Resource] = {}
    for t in c.of_type("aws:appautoscaling/target:Target"):
        if t.props.get("scalableDimension") != "ecs:service:DesiredCount":
            continue
        for urn in t.property_dependencies.get("resourceId") or []:
            out.setdefault(urn, t)
        resource_id = str(t.props.get("resourceId") or "")
        if resource_id.count("/") == 2:
            out.setdefault("name:" + resource_id.rsplit("/", 1)[-1], t)
    return out


def _service_tasks(r: Resource, c: Context) -> tuple[float, str]:
    desired = num(r.props.get("desiredCount"), 1.0)
    name = str(r.props.get("name") or r.name)
    targets = c.cached("scaling-targets", _scaling_targets)
    t = targets.get(r.urn) or targets.get("name:" + name)
    if t is not None:
        lo, hi = num(t.props.get("minCapacity")), num(t.props.get("maxCapacity"))
        if lo == 0 and desired == 0:
            # A service at zero stays there: target tracking scales on its running tasks' metrics (CPU, requests
            # per target), and none runs. A DR site's pilot light costs no task until its failover raises the minimum.
            return 0.0, f"0 tasks (at zero, auto scaling 0..{hi:g} has no running task to scale on)"
        level = c.usage["autoscalingLevel"]
        tasks = lo + level * (hi - lo)
        return tasks, f"{tasks:g} tasks (auto-scaled {lo:g}..{hi:g} at level {level:g})"
    return desired, f"{desired:g} desired tasks"


def _cluster_strategies(c: Context) -> dict[str | None, list[dict[str, Any]]]:
    """Default capacity provider strategies by cluster URN (None: a cluster that could not be related)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for cp in c.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"):
        default = cp.props.get("defaultCapacityProviderStrategies")
        if isinstance(default, list) and default:
            target = c.related(cp, "clusterName", "aws:ecs/cluster:Cluster")
            out.setdefault(target.urn if target is not None else None, default)
    return out


def _strategy(r: Resource, c: Context) -> tuple[list[dict[str, Any]], str]:
    p = r.props
    strategy = p.get("capacityProviderStrategies")
    if isinstance(strategy, list) and strategy:
        return strategy, "service strategy"
    if p.get("launchType"):
        return [{"capacityProvider": str(p["launchType"]), "weight": 1}], f"launch type {p['launchType']}"
    cluster = c.related(r, "cluster", "aws:ecs/cluster:Cluster")
    defaults = c.cached("cluster-strategies", _cluster_strategies)
    default = defaults.get(cluster.urn) if cluster is not None else None
    if default is None and (cluster is None or None in defaults):
        default = defaults.get(None) or (
            next(iter(defaults.values())) if cluster is None and defaults else None
        )
    if default:
        return default, "cluster default strategy"
    return [{"capacityProvider": "FARGATE", "weight": 1}], "Fargate (no strategy)"


def _split(tasks: float, strategy: list[dict[str, Any]]) -> dict[str, float]:
    """Tasks per capacity provider: `base` tasks first, the rest by weight (as ECS places them)."""
    out: dict[str, float] = {}
    remaining = tasks
    for s in strategy:
        base = min(num(s.get("base")), remaining)
        if base:
            out[str(s.get("capacityProvider"))] = out.get(str(s.get("capacityProvider")), 0.0) + base
            remaining -= base
    weights = [(str(s.get("capacityProvider")), num(s.get("weight"))) for s in strategy]
    total = sum(w for _, w in weights)
    for provider, w in weights:
        if total > 0:
            out[provider] = out.get(provider, 0.0) + remaining * w / total
    if total == 0 and remaining:
        first = str(strategy[0].get("capacityProvider"))
        out[first] = out.get(first, 0.0) + remaining
    return out


@rule("aws:ecs/service:Service")
def _ecs_service(r: Resource, c: Context) -> tuple[float, str]:
    task_def = c.related(r, "taskDefinition", "aws:ecs/taskDefinition:TaskDefinition")
    if task_def is None:
        raise MissingPrice("its task definition is not in the stack: task size unknown")
    td = task_def.props
    vcpu = num(td.get("cpu")) / 1024
    gb = num(td.get("memory")) / 1024
    platform = td.get("runtimePlatform") or {}
    arch = "arm" if str(platform.get("cpuArchitecture", "X86_64")).upper() == "ARM64" else "x86"
    tasks, how = _service_tasks(r, c)
    strategy, origin = _strategy(r, c)
    split = _split(tasks, strategy)
    total = 0.0
    parts = []
    for provider, n in split.items():
        if not n:
            continue
        if provider == "FARGATE":
            prefix = ""
        elif provider == "FARGATE_SPOT":
            prefix = "spot-"
        else:
            raise MissingPrice(f"capacity provider {provider} (EC2 capacity) is priced with its instances")
        cpu_rate = c.p(r.region, "fargate", f"{prefix}linux-{arch}-vcpu")
        gb_rate = c.p(r.region, "fargate", f"{prefix}linux-{arch}-gb")
        cost = n * (vcpu * cpu_rate + gb * gb_rate) * c.hours
        total += cost
        parts.append(f"{n:g} × {provider}")
    ephemeral = num((td.get("ephemeralStorage") or {}).get("sizeInGib"))
    if ephemeral > 20:
        rate = c.p(r.region, "fargate", "ephemeral-storage-gb")
        total += tasks * (ephemeral - 20) * rate * c.hours
        parts.append(f"{ephemeral - 20:g} GB ephemeral storage above 20 GB")
    spot = split.get("FARGATE_SPOT", 0.0)
    share = f", Spot share {spot / tasks:.0%}" if tasks else ""
    return total, (
        f"{how} ({origin}{share}: {', '.join(parts) or 'none'}) × {vcpu:g} vCPU / {gb:g} GB "
        f"Linux/{arch.upper()} × {c.hours:g} h"
    )


@rule("aws:ecs/cluster:Cluster")
def _ecs_cluster(r: Resource, c: Context) -> tuple[float, str]:
    insights = [s.get("value") for s in r.props.get("settings") or [] if s.get("name") == "containerInsights"]
    if not insights or insights[0] in ("disabled", None):
        return 0.0, "no charge for the cluster (Container Insights off)"
    gb = c.usage["containerInsightsLogGb"]
    rate = c.p(r.region, "cloudwatch.logs", "ingestion-standard")
    return gb * rate, f"Container Insights ({insights[0]}): {gb:g} GB performance logs × {unit_price(rate)}"
