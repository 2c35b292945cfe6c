"""CloudWatch: alarms by metric and resolution, composite alarms, metric filters, dashboards, log groups."""

from __future__ import annotations

from ..engine import Context, money, num, rule, unit_price
from ..model import Resource


@rule("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(r: Resource, c: Context) -> tuple[float, str]:
    p = r.props
    queries = p.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) if queries else 1
    periods = [num(p.get("period"), 60)] + [num((q.get("metric") or {}).get("period"), 60) for q in queries]
    high_res = any(0 < x < 60 for x in periods)
    key = "alarm-metric-high-resolution" if high_res else "alarm-metric"
    rate = c.p(r.region, "cloudwatch", key)
    kind = "high-resolution" if high_res else "standard"
    return metrics * rate, f"{metrics} metric(s) × {money(rate)} ({kind} alarm)"


@rule("aws:cloudwatch/compositeAlarm:CompositeAlarm")
def _composite(r: Resource, c: Context) -> tuple[float, str]:
    rate = c.p(r.region, "cloudwatch", "composite-alarm")
    return rate, f"composite alarm {money(rate)}/month"


@rule("aws:cloudwatch/logMetricFilter:LogMetricFilter")
def _metric_filter(r: Resource, c: Context) -> tuple[float, str]:
    transformations = r.props.get("metricTransformation")
    n = len(transformations) if isinstance(transformations, list) else 1
    rate = c.p(r.region, "cloudwatch", "custom-metric")
    return n * rate, f"{n} custom metric(s) × {money(rate)}/month"


@rule("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(r: Resource, c: Context) -> tuple[float, str]:
    rate = c.p(r.region, "cloudwatch", "dashboard")
    return rate, f"dashboard {money(rate)}/month"


@rule("aws:cloudwatch/logGroup:LogGroup")
def _log_group(r: Resource, c: Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("logGbIngested", name)
    infrequent = str(r.props.get("logGroupClass") or "STANDARD") == "INFREQUENT_ACCESS"
    rate = c.p(
        r.region, "cloudwatch.logs", "ingestion-infrequent-access" if infrequent else "ingestion-standard"
    )
    retention = num(r.props.get("retentionInDays"))
    months = min(retention / 30.4, 12.0) if retention else 12.0
    ratio = c.usage["logCompressionRatio"]
    stored = gb * months * ratio
    storage_rate = c.p(r.region, "cloudwatch.logs", "storage")
    kept = f"{retention:g} days" if retention else "never expiring (12 months counted)"
    return gb * rate + stored * storage_rate, (
        f"{gb:g} GB/month ingested (usage logGbIngested '{pattern}') × {unit_price(rate)} + "
        f"{stored:.1f} GB archived ({kept} × compression {ratio:g}) × {unit_price(storage_rate)}"
    )
