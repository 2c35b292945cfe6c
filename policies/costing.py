"""A monthly cost estimate of a Pulumi AWS stack from its resources, a price file and usage assumptions.

Pure Python (stdlib + PyYAML): the policy pack imports it as a top-level module (`import costing`, the pack
runs with its own folder as cwd) and the tools import it by path (tools/cost.py). Both therefore price the
same resources with the same rules, prices and assumptions:

    prices = load_prices()                       # policies/data/prices.yaml, validated
    usage = load_usage(raw_usage)                # the budget policy's `usage` config, validated
    result = estimate(resources, prices, usage)  # resources: [Resource(urn, type, name, region, props, ...)]

Each priced resource gets a line (monthly USD and a `basis` saying how the figure was made: instance hours ×
730, × 2 for Multi-AZ, × nodes, × tasks, the usage assumptions used). A resource type with a cost but no rule
or no price is listed as *unpriced*, never counted as free; types AWS does not charge for are listed in the
price file's `free` list.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

PRICES_FILE = Path(__file__).resolve().parent / "data" / "prices.yaml"
UNKNOWN = "[unknown]"
GLOBAL = "global"
TYPE_ALIASES = {
    "aws:alb/loadBalancer:LoadBalancer": "aws:lb/loadBalancer:LoadBalancer",
    "aws:s3/bucketV2:BucketV2": "aws:s3/bucket:Bucket",
    "aws:s3/bucketReplicationConfiguration:BucketReplicationConfiguration": (
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
    ),
}


class CostConfigError(ValueError):
    """A price file or usage assumption that cannot be used; the message names the key."""


# -- prices ----------------------------------------------------------------------------------------------
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNITS = {"hour", "month", "gb", "gb-month", "million", "10k", "100k"}


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    read: str


@dataclass
class PriceBook:
    """Validated prices: region → group → key → Price."""

    currency: str
    hours_per_month: float
    regions: dict[str, dict[str, dict[str, Price]]]
    free: tuple[str, ...]
    file: str = ""
    _free_types: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def price(self, region: str | None, group: str, key: str) -> float:
        """The price, or MissingPrice naming region, group and key."""
        table = self.regions.get(region or "", {}).get(group)
        if table is None or key not in table:
            raise MissingPrice(f"no price for {group} '{key}' in {region or 'an unknown region'}")
        return table[key].usd

    def is_free(self, type_: str) -> bool:
        if type_ not in self._free_types:
            self._free_types[type_] = any(fnmatch.fnmatchcase(type_, p) for p in self.free)
        return self._free_types[type_]

    @property
    def latest_read(self) -> str:
        dates = [p.read for groups in self.regions.values() for t in groups.values() for p in t.values()]
        return max(dates) if dates else ""


class MissingPrice(LookupError):
    """A priced resource whose price the price file lacks: the resource is reported unpriced."""


def _date(value: Any, where: str) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.match(value):
        try:
            _dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise CostConfigError(f"{where}: expected the date the price was read as YYYY-MM-DD, got {value!r}")


def _source(value: Any, where: str) -> str:
    if isinstance(value, str) and re.match(r"^https?://\S+$", value):
        return value
    raise CostConfigError(f"{where}: expected the URL of the page the price comes from, got {value!r}")


def _amount(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CostConfigError(f"{where}: expected a price in USD (a number ≥ 0), got {value!r}")
    if value < 0:
        raise CostConfigError(f"{where}: a price cannot be negative, got {value!r}")
    return float(value)


def parse_prices(doc: Any, file: str = "prices.yaml") -> PriceBook:
    """Validate a price document (the parsed YAML); every error names the key."""
    if not isinstance(doc, Mapping):
        raise CostConfigError(f"{file}: expected a mapping with currency, hoursPerMonth, free and regions")
    currency = doc.get("currency")
    if currency != "USD":
        raise CostConfigError(f"{file}: currency: expected 'USD', got {currency!r}")
    hours = doc.get("hoursPerMonth")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 672 <= hours <= 744:
        raise CostConfigError(f"{file}: hoursPerMonth: expected hours in a month (672..744), got {hours!r}")
    free = doc.get("free")
    if not isinstance(free, list) or not all(isinstance(p, str) and ":" in p for p in free):
        raise CostConfigError(f"{file}: free: expected a list of resource type patterns (aws:iam/*)")
    regions_doc = doc.get("regions")
    if not isinstance(regions_doc, Mapping) or not regions_doc:
        raise CostConfigError(f"{file}: regions: expected a mapping of region → price groups")
    regions: dict[str, dict[str, dict[str, Price]]] = {}
    for region, groups in regions_doc.items():
        where_r = f"{file}: regions.{region}"
        if not isinstance(groups, Mapping):
            raise CostConfigError(f"{where_r}: expected a mapping of price groups")
        regions[str(region)] = {}
        for group, spec in groups.items():
            where = f"{where_r}.{group}"
            if not isinstance(spec, Mapping):
                raise CostConfigError(f"{where}: expected {{unit, source, read, prices}}")
            for key in ("unit", "source", "read", "prices"):
                if key not in spec or spec[key] in (None, ""):
                    raise CostConfigError(
                        f"{where}.{key}: missing (every price names its unit, source and date)"
                    )
            unit = spec["unit"]
            if unit not in _UNITS:
                raise CostConfigError(f"{where}.unit: expected one of {sorted(_UNITS)}, got {unit!r}")
            source = _source(spec["source"], f"{where}.source")
            read = _date(spec["read"], f"{where}.read")
            if not isinstance(spec["prices"], Mapping) or not spec["prices"]:
                raise CostConfigError(f"{where}.prices: expected a mapping of key → price")
            table: dict[str, Price] = {}
            for key, value in spec["prices"].items():
                where_p = f"{where}.prices.{key}"
                if isinstance(value, Mapping):
                    if "usd" not in value:
                        raise CostConfigError(f"{where_p}.usd: missing")
                    table[str(key)] = Price(
                        _amount(value["usd"], f"{where_p}.usd"),
                        value.get("unit", unit),
                        _source(value.get("source", source), f"{where_p}.source"),
                        _date(value.get("read", read), f"{where_p}.read"),
                    )
                else:
                    table[str(key)] = Price(_amount(value, where_p), unit, source, read)
            regions[str(region)][str(group)] = table
    return PriceBook("USD", float(hours), regions, tuple(free), file)


_LOADED: dict[tuple[str, int], PriceBook] = {}


def load_prices(path: str | Path | None = None) -> PriceBook:
    """The validated price file (parsed once per file version: the pack asks on every AnalyzeStack)."""
    path = Path(path) if path else PRICES_FILE
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = parse_prices(yaml.safe_load(path.read_text()), str(path.name))
    except (OSError, yaml.YAMLError) as exc:
        raise CostConfigError(f"{path}: {exc}") from exc
    return _LOADED[key]


# -- usage assumptions -----------------------------------------------------------------------------------
# name → (kind, default, description). Kinds: "number" (≥ 0), "fraction" (0..1), "map" (name pattern → number
# ≥ 0: the most specific matching pattern wins — the most literal characters — so the answer does not depend
# on the order of keys, which the policy config's wire format does not keep). The same names form the JSON schema of the
# budget policy's `usage` config (budget.py), so a wrong type fails at Configure and again here.
USAGE: dict[str, tuple[str, Any, str]] = {
    "autoscalingLevel": (
        "fraction",
        0.0,
        "where an auto-scaled ECS service runs on average between its min (0) and max (1) task count",
    ),
    "natGbProcessed": ("number", 100.0, "GB a month through each NAT gateway"),
    "endpointGbProcessed": ("number", 20.0, "GB a month through each interface VPC endpoint"),
    "albLcu": ("number", 1.0, "average load balancer capacity units of each load balancer"),
    "albRequestsMillions": (
        "number",
        10.0,
        "million requests a month reaching each load balancer (regional WAF)",
    ),
    "cloudfrontGbOut": ("number", 100.0, "GB a month each CloudFront distribution serves to viewers"),
    "cloudfrontRequestsMillions": ("number", 10.0, "million HTTPS requests a month to each distribution"),
    "cloudfrontSouthAmericaShare": (
        "fraction",
        0.0,
        "share of CloudFront traffic served from South American edges (ignored for PriceClass_100)",
    ),
    "s3GbStored": ("map", {"*": 5.0}, "GB stored in each bucket, by bucket name pattern"),
    "s3ReplicationGbPerMonth": ("number", 10.0, "GB a month written to each replicated bucket and copied"),
    "logGbIngested": (
        "map",
        {"*": 1.0},
        "GB a month ingested into each log group, by log group name pattern",
    ),
    "logCompressionRatio": ("fraction", 0.15, "archived (compressed) size of a GB of ingested log data"),
    "backupGbStored": (
        "map",
        {"*": 50.0},
        "GB of recovery points in each backup vault, by vault name pattern",
    ),
    "backupCopyGbPerMonth": ("number", 10.0, "GB a month copied by each cross-region backup copy action"),
    "dbReplicationGbPerMonth": (
        "number",
        10.0,
        "GB a month of change data shipped to a cross-region replica",
    ),
    "ecrGbStored": ("number", 2.0, "GB of images in each ECR repository"),
    "dnsQueriesMillions": ("number", 1.0, "million standard (non-alias) DNS queries a month per hosted zone"),
    "firehoseGbIngested": ("map", {"*": 5.0}, "GB a month into each Firehose stream, by stream name pattern"),
    "snsPublishesMillions": ("number", 0.01, "million messages a month published to each SNS topic"),
    "sqsRequestsMillions": (
        "number",
        1.0,
        "million requests a month to each SQS queue (sends, receives incl. empty long polls, deletes)",
    ),
    "containerInsightsLogGb": (
        "number",
        5.0,
        "GB a month of Container Insights performance logs per ECS cluster",
    ),
    "enhancedMonitoringGb": (
        "number",
        0.5,
        "GB a month of RDS Enhanced Monitoring metrics per monitored instance",
    ),
    "rdsBackupGbBeyondFree": (
        "number",
        0.0,
        "GB of a primary database's automated backups beyond the free 100% of its storage",
    ),
    "albGbOut": ("number", 50.0, "GB a month each internet-facing load balancer sends to the internet"),
    "secretApiCallsTenThousands": ("number", 10.0, "ten-thousands of API calls a month per secret"),
    "kmsRequestsTenThousands": ("number", 10.0, "ten-thousands of requests a month per KMS key"),
}


@dataclass(frozen=True)
class Usage:
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def lookup(self, key: str, name: str) -> tuple[float, str]:
        """A map assumption for `name`: (value, the pattern that matched)."""
        table: dict[str, float] = self.values[key]
        matches = [p for p in table if fnmatch.fnmatchcase(name or "", p)]
        if not matches:
            return 0.0, "(no pattern)"
        best = min(matches, key=_specificity)
        return table[best], best


def _specificity(pattern: str) -> tuple[int, str]:
    """Sort key: more literal (non-wildcard) characters first, then alphabetical."""
    literal = len(pattern) - sum(pattern.count(ch) for ch in "*?[]")
    return (-literal, pattern)


def usage_schema() -> dict[str, Any]:
    """The JSON schema of the `usage` object (budget policy config)."""
    props: dict[str, Any] = {}
    for name, (kind, default, description) in USAGE.items():
        if kind == "number":
            props[name] = {"type": "number", "minimum": 0}
        elif kind == "fraction":
            props[name] = {"type": "number", "minimum": 0, "maximum": 1}
        else:
            props[name] = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}}
        props[name].update(description=description, default=default)
    return {"type": "object", "properties": props, "additionalProperties": False}


def _number(value: Any, where: str, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CostConfigError(f"{where}: expected a number, got {value!r}")
    if value < 0 or (upper is not None and value > upper):
        bound = f"between 0 and {upper:g}" if upper is not None else "≥ 0"
        raise CostConfigError(f"{where}: expected a number {bound}, got {value!r}")
    return float(value)


def load_usage(raw: Mapping[str, Any] | None, where: str = "usage") -> Usage:
    """Defaults overlaid with `raw` (the budget policy's `usage` config); a wrong key or type names the key."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise CostConfigError(f"{where}: expected an object of usage assumptions, got {raw!r}")
    values: dict[str, Any] = {}
    for name, (kind, default, _) in USAGE.items():
        value = raw.get(name, default)
        key = f"{where}.{name}"
        if kind == "map":
            if not isinstance(value, Mapping):
                raise CostConfigError(f"{key}: expected an object of name pattern → number, got {value!r}")
            table = {str(p): _number(v, f"{key}.{p}") for p, v in value.items()}
            if "*" not in table:
                table["*"] = dict(default)["*"]
            values[name] = dict(sorted(table.items(), key=lambda kv: _specificity(kv[0])))
        else:
            values[name] = _number(value, key, 1.0 if kind == "fraction" else None)
    unknown = sorted(set(raw) - set(USAGE))
    if unknown:
        raise CostConfigError(f"{where}.{unknown[0]}: unknown usage assumption (known: {', '.join(USAGE)})")
    return Usage(values)


# -- resources ---------------------------------------------------------------------------------------------
@dataclass
class Resource:
    """One resource as the estimate sees it (from preview.json or from the pack's stack resources)."""

    urn: str
    type: str
    name: str
    region: str | None
    props: dict[str, Any]
    parent: str | None = None
    tier: str = "(stack)"
    custom: bool = True
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


def resources_from_preview(doc: Mapping[str, Any]) -> list[Resource]:
    """preview.json's resources (inputs, region of the provider, tier = top-level component type)."""
    by_urn = {r["urn"]: r for r in doc.get("resources", [])}
    out = []
    for r in doc.get("resources", []):
        out.append(
            Resource(
                urn=r["urn"],
                type=r["type"],
                name=r["name"],
                region=r.get("region"),
                props=r.get("inputs") or {},
                parent=r.get("parent"),
                tier=_tier(r, by_urn),
                custom=bool(r.get("custom")),
                property_dependencies=r.get("propertyDependencies") or {},
            )
        )
    return out


def _tier(r: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]) -> str:
    current = r
    seen = 0
    while current.get("parent") in by_urn and seen < 100:
        current = by_urn[current["parent"]]
        seen += 1
    return current["type"] if current is not r else "(stack)"


# -- the estimate ------------------------------------------------------------------------------------------
@dataclass
class Line:
    urn: str
    type: str
    name: str
    tier: str
    region: str | None
    monthly: float
    basis: str


@dataclass
class Estimate:
    currency: str
    monthly: float
    lines: list[Line]
    unpriced: list[dict[str, str]]
    free: int
    usage: Usage
    prices_file: str = ""
    prices_read: str = ""
    free_by_tier: dict[str, int] = field(default_factory=dict)

    def by_tier(self) -> list[dict[str, Any]]:
        tiers: dict[str, dict[str, Any]] = {}
        for line in self.lines:
            t = tiers.setdefault(line.tier, {"tier": line.tier, "monthly": 0.0, "resources": 0})
            t["monthly"] += line.monthly
            t["resources"] += 1
        for u in self.unpriced:
            t = tiers.setdefault(u["tier"], {"tier": u["tier"], "monthly": 0.0, "resources": 0})
            t["unpriced"] = t.get("unpriced", 0) + 1
        for tier, n in self.free_by_tier.items():
            t = tiers.setdefault(tier, {"tier": tier, "monthly": 0.0, "resources": 0})
            t["free"] = n
        out = sorted(tiers.values(), key=lambda t: (-t["monthly"], t["tier"]))
        for t in out:
            t["monthly"] = round(t["monthly"], 2)
        return out

    def largest(self, n: int = 3) -> list[Line]:
        return sorted(self.lines, key=lambda line: -line.monthly)[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "monthly": round(self.monthly, 2),
            "byTier": self.by_tier(),
            "resources": [
                {
                    "urn": line.urn,
                    "type": line.type,
                    "tier": line.tier,
                    "region": line.region,
                    "monthly": round(line.monthly, 2),
                    "basis": line.basis,
                }
                for line in sorted(self.lines, key=lambda line: (-line.monthly, line.urn))
            ],
            "unpriced": [u["urn"] for u in self.unpriced],
            "unpricedReasons": {u["urn"]: u["reason"] for u in self.unpriced},
            "freeResources": self.free,
            "assumptions": self.usage.values,
            "prices": {"file": self.prices_file, "read": self.prices_read},
        }


class _Context:
    def __init__(self, resources: list[Resource], prices: PriceBook, usage: Usage) -> None:
        self.resources = resources
        self.prices = prices
        self.usage = usage
        self.hours = prices.hours_per_month
        self.by_urn = {r.urn: r for r in resources}
        self._by_type: dict[str, list[Resource]] | None = None
        self._cache: dict[str, Any] = {}
        self.by_key: dict[str, list[Resource]] = {}
        for r in resources:
            keys = {r.urn}
            for prop in ("id", "arn", "name", "bucket", "identifier", "family"):
                value = r.props.get(prop)
                if isinstance(value, str) and value != UNKNOWN:
                    keys.add(value)
            for key in keys:
                self.by_key.setdefault(key, []).append(r)

    def p(self, region: str | None, group: str, key: str) -> float:
        return self.prices.price(region, group, key)

    def of_type(self, *types: str) -> list[Resource]:
        if self._by_type is None:
            self._by_type = {}
            for r in self.resources:
                self._by_type.setdefault(_canonical(r.type), []).append(r)
        return [r for t in types for r in self._by_type.get(t, [])]

    def cached(self, name: str, build: Callable[[_Context], Any]) -> Any:
        """A stack-wide relation (replica storage classes, backup kinds), built once per estimate."""
        if name not in self._cache:
            self._cache[name] = build(self)
        return self._cache[name]

    def find(self, key: str, *types: str) -> Resource | None:
        """The resource of one of `types` whose id, ARN, name or URN is `key`."""
        for r in self.by_key.get(key, []):
            if _canonical(r.type) in types:
                return r
        return None

    def related(self, r: Resource, prop: str, *types: str) -> Resource | None:
        """The resource of `types` that `prop` points at: by property dependency, else by value (id, ARN,
        name, or the name at the end of an ARN such as a task definition's family)."""
        for urn in r.property_dependencies.get(prop) or []:
            if urn in self.by_urn and _canonical(self.by_urn[urn].type) in types:
                return self.by_urn[urn]
        value = r.props.get(prop)
        if isinstance(value, str) and value != UNKNOWN:
            tail = value.rsplit("/", 1)[-1]
            for key in (value, tail, tail.split(":")[0]):
                found = self.find(key, *types)
                if found is not None:
                    return found
        return None


def _canonical(type_: str) -> str:
    return TYPE_ALIASES.get(type_, type_)


def _num(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return default
    return default


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _rate(x: float) -> str:
    return f"${x:g}"


Rule = Callable[[Resource, _Context], tuple[float, str]]
RULES: dict[str, Rule] = {}


def rule(*types: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for t in types:
            RULES[t] = fn
        return fn

    return register


def without_unknowns(value: Any) -> Any:
    """A property value with what is unknown at preview left out (an unknown key or list element is absent)."""
    if isinstance(value, dict):
        return {k: without_unknowns(v) for k, v in value.items() if v != UNKNOWN}
    if isinstance(value, list):
        return [without_unknowns(v) for v in value if v != UNKNOWN]
    return value


def _price(fn: Callable[..., tuple[float, str]], r: Resource, ctx: _Context) -> tuple[float, str]:
    """A rule's price for `r`; where a value the rule reads is unknown at preview (a first deploy's Backup
    rules, an OpenSearch clusterConfig), priced as if it were left out, i.e. on the documented defaults."""
    try:
        return fn(r, ctx)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        known = without_unknowns(r.props)
        if known == r.props:
            raise
        monthly, basis = fn(replace(r, props=known), ctx)
        return monthly, basis + " (values unknown at preview left out)"


def estimate(resources: Iterable[Resource], prices: PriceBook, usage: Usage) -> Estimate:
    """Price every resource: a line per priced resource, the unpriced ones listed, free ones counted."""
    resources = list(resources)
    ctx = _Context(resources, prices, usage)
    lines: list[Line] = []
    unpriced: list[dict[str, str]] = []
    free = 0
    free_by_tier: dict[str, int] = {}
    for r in resources:
        if not r.custom or r.type.startswith("pulumi:"):
            continue  # components and providers cost nothing themselves
        type_ = _canonical(r.type)
        if not type_.startswith("aws:"):
            free += 1  # not an AWS resource (random passwords, TLS keys): nothing to pay AWS
            free_by_tier[r.tier] = free_by_tier.get(r.tier, 0) + 1
            continue
        fn = RULES.get(type_)
        if fn is None:
            if prices.is_free(type_):
                free += 1
                free_by_tier[r.tier] = free_by_tier.get(r.tier, 0) + 1
            else:
                unpriced.append({"urn": r.urn, "tier": r.tier, "reason": f"no pricing rule for {type_}"})
            continue
        try:
            monthly, basis = _price(fn, r, ctx)
        except MissingPrice as exc:
            unpriced.append({"urn": r.urn, "tier": r.tier, "reason": str(exc)})
            continue
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A shape no rule expects: the resource goes unpriced (and says why); the estimate never fails.
            unpriced.append(
                {"urn": r.urn, "tier": r.tier, "reason": f"cannot price it: {type(exc).__name__}: {exc}"}
            )
            continue
        lines.append(Line(r.urn, r.type, r.name, r.tier, r.region, monthly, basis))
    total = sum(line.monthly for line in lines)
    return Estimate(
        prices.currency, total, lines, unpriced, free, usage, prices.file, prices.latest_read, free_by_tier
    )


# -- pricing rules -----------------------------------------------------------------------------------------
@rule("aws:rds/instance:Instance")
def _rds_instance(r: Resource, c: _Context) -> tuple[float, str]:
    p = r.props
    source = (
        c.related(r, "replicateSourceDb", "aws:rds/instance:Instance") if p.get("replicateSourceDb") else None
    )
    engine = str(p.get("engine") or (source.props.get("engine") if source else "") or "mysql").lower()
    engine = {"aurora-mysql": "aurora-mysql", "mariadb": "mariadb"}.get(engine, engine)
    klass = str(p.get("instanceClass"))
    az = 2 if p.get("multiAz") is True else 1
    hourly = c.p(r.region, f"rds.{engine}.instance", klass)
    compute = hourly * c.hours * az
    storage_gb = _num(p.get("allocatedStorage"))
    if not storage_gb and source is not None:
        storage_gb = _num(source.props.get("allocatedStorage"))
    storage_type = str(p.get("storageType") or (source.props.get("storageType") if source else "") or "gp3")
    gb_rate = c.p(r.region, "rds.storage", storage_type)
    storage = storage_gb * gb_rate * az
    parts = [
        f"{klass} {_rate(hourly)}/h × {c.hours:g} h" + (" × 2 (Multi-AZ)" if az == 2 else ""),
        f"{storage_gb:g} GB {storage_type} × {_rate(gb_rate)}" + (" × 2" if az == 2 else ""),
    ]
    extra = 0.0
    iops = _num(p.get("iops"))
    baseline = 12000 if storage_gb >= 400 else 3000
    if storage_type == "gp3" and iops > baseline:
        rate = c.p(r.region, "rds.storage", "gp3-iops")
        extra += (iops - baseline) * rate * az
        parts.append(f"{iops - baseline:g} IOPS above baseline × {_rate(rate)}")
    if source is not None and source.region and r.region and source.region != r.region:
        gb = c.usage["dbReplicationGbPerMonth"]
        rate = c.p(source.region, "transfer.inter-region", r.region)
        extra += gb * rate
        parts.append(
            f"replica in {r.region} (its own prices): {gb:g} GB/month from {source.region} × {_rate(rate)}"
        )
    elif source is not None:
        parts.append("read replica")
    if p.get("manageMasterUserPassword") is True:
        secret = c.p(r.region, "secretsmanager", "secret")
        extra += secret
        parts.append(f"RDS-managed master secret {_money(secret)}")
    if _num(p.get("monitoringInterval")) > 0:
        gb = c.usage["enhancedMonitoringGb"]
        rate = c.p(r.region, "cloudwatch.logs", "ingestion-standard")
        extra += gb * rate
        parts.append(f"Enhanced Monitoring {gb:g} GB/month into RDSOSMetrics × {_rate(rate)}")
    backup_gb = c.usage["rdsBackupGbBeyondFree"] if source is None else 0.0
    if backup_gb:
        rate = c.p(r.region, "rds.storage", "backup")
        extra += backup_gb * rate
        parts.append(f"{backup_gb:g} GB backup storage beyond the free 100% × {_rate(rate)}")
    if _num(p.get("performanceInsightsRetentionPeriod"), 7) > 7:
        parts.append("Performance Insights retention beyond 7 days is not priced here (free tier assumed)")
    return compute + storage + extra, "; ".join(parts)


def _cache_nodes(p: Mapping[str, Any]) -> tuple[int, str]:
    if p.get("numNodeGroups") or p.get("replicasPerNodeGroup") is not None:
        groups = int(_num(p.get("numNodeGroups"), 1) or 1)
        replicas = int(_num(p.get("replicasPerNodeGroup"), 0))
        return groups * (replicas + 1), f"{groups} shard(s) × {replicas + 1} nodes"
    if p.get("numCacheClusters") is not None:
        n = int(_num(p.get("numCacheClusters"), 1))
        return n, f"{n} nodes"
    if p.get("numCacheNodes") is not None:
        n = int(_num(p.get("numCacheNodes"), 1))
        return n, f"{n} nodes"
    return 1, "1 node"


@rule("aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster")
def _cache(r: Resource, c: _Context) -> tuple[float, str]:
    p = r.props
    engine = str(p.get("engine") or "redis").lower()
    node_type = str(p.get("nodeType"))
    nodes, how = _cache_nodes(p)
    hourly = c.p(r.region, f"elasticache.{engine}.node", node_type)
    return hourly * c.hours * nodes, f"{node_type} {_rate(hourly)}/h × {c.hours:g} h × {how}"


def _scaling_targets(c: _Context) -> dict[str, Resource]:
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


def _service_tasks(r: Resource, c: _Context) -> tuple[float, str]:
    desired = _num(r.props.get("desiredCount"), 1.0)
    name = str(r.props.get("name") or r.name)
    targets = c.cached("scaling-targets", _scaling_targets)
    t = targets.get(r.urn) or targets.get("name:" + name)
    if t is not None:
        lo, hi = _num(t.props.get("minCapacity")), _num(t.props.get("maxCapacity"))
        level = c.usage["autoscalingLevel"]
        tasks = lo + level * (hi - lo)
        return tasks, f"{tasks:g} tasks (auto-scaled {lo:g}..{hi:g} at level {level:g})"
    return desired, f"{desired:g} desired tasks"


def _cluster_strategies(c: _Context) -> dict[str | None, list[dict[str, Any]]]:
    """Default capacity provider strategies by cluster URN (None: a cluster that could not be related)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for cp in c.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"):
        default = cp.props.get("defaultCapacityProviderStrategies")
        if isinstance(default, list) and default:
            target = c.related(cp, "clusterName", "aws:ecs/cluster:Cluster")
            out.setdefault(target.urn if target is not None else None, default)
    return out


def _strategy(r: Resource, c: _Context) -> tuple[list[dict[str, Any]], str]:
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
        base = min(_num(s.get("base")), remaining)
        if base:
            out[str(s.get("capacityProvider"))] = out.get(str(s.get("capacityProvider")), 0.0) + base
            remaining -= base
    weights = [(str(s.get("capacityProvider")), _num(s.get("weight"))) for s in strategy]
    total = sum(w for _, w in weights)
    for provider, w in weights:
        if total > 0:
            out[provider] = out.get(provider, 0.0) + remaining * w / total
    if total == 0 and remaining:
        first = str(strategy[0].get("capacityProvider"))
        out[first] = out.get(first, 0.0) + remaining
    return out


@rule("aws:ecs/service:Service")
def _ecs_service(r: Resource, c: _Context) -> tuple[float, str]:
    task_def = c.related(r, "taskDefinition", "aws:ecs/taskDefinition:TaskDefinition")
    if task_def is None:
        raise MissingPrice("its task definition is not in the stack: task size unknown")
    td = task_def.props
    vcpu = _num(td.get("cpu")) / 1024
    gb = _num(td.get("memory")) / 1024
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
    ephemeral = _num((td.get("ephemeralStorage") or {}).get("sizeInGib"))
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
def _ecs_cluster(r: Resource, c: _Context) -> tuple[float, str]:
    insights = [s.get("value") for s in r.props.get("settings") or [] if s.get("name") == "containerInsights"]
    if not insights or insights[0] in ("disabled", None):
        return 0.0, "no charge for the cluster (Container Insights off)"
    gb = c.usage["containerInsightsLogGb"]
    rate = c.p(r.region, "cloudwatch.logs", "ingestion-standard")
    return gb * rate, f"Container Insights ({insights[0]}): {gb:g} GB performance logs × {_rate(rate)}"


@rule("aws:ec2/natGateway:NatGateway")
def _nat(r: Resource, c: _Context) -> tuple[float, str]:
    hourly = c.p(r.region, "ec2.nat-gateway", "hour")
    gb_rate = c.p(r.region, "ec2.nat-gateway", "gb")
    gb = c.usage["natGbProcessed"]
    return hourly * c.hours + gb * gb_rate, (
        f"{_rate(hourly)}/h × {c.hours:g} h + {gb:g} GB processed × {_rate(gb_rate)} (its Elastic IP priced apart)"
    )


@rule("aws:ec2/eip:Eip")
def _eip(r: Resource, c: _Context) -> tuple[float, str]:
    hourly = c.p(r.region, "ec2.public-ipv4", "address")
    return hourly * c.hours, f"public IPv4 address {_rate(hourly)}/h × {c.hours:g} h"


@rule("aws:ec2/vpcEndpoint:VpcEndpoint")
def _endpoint(r: Resource, c: _Context) -> tuple[float, str]:
    kind = str(r.props.get("vpcEndpointType") or "Gateway")
    if kind == "Gateway":
        return 0.0, "gateway endpoint: no charge"
    if kind != "Interface":
        raise MissingPrice(f"no price for {kind} endpoints")
    azs = len(r.props.get("subnetIds") or []) or len(r.props.get("subnetConfigurations") or []) or 1
    hourly = c.p(r.region, "vpc.interface-endpoint", "endpoint-az")
    gb_rate = c.p(r.region, "vpc.interface-endpoint", "gb")
    gb = c.usage["endpointGbProcessed"]
    return azs * hourly * c.hours + gb * gb_rate, (
        f"interface endpoint in {azs} AZ(s) × {_rate(hourly)}/h × {c.hours:g} h + {gb:g} GB × {_rate(gb_rate)}"
    )


@rule("aws:ec2/vpnConnection:VpnConnection")
def _vpn(r: Resource, c: _Context) -> tuple[float, str]:
    hourly = c.p(r.region, "vpn.site-to-site", "connection")
    return hourly * c.hours, f"VPN connection {_rate(hourly)}/h × {c.hours:g} h"


@rule("aws:ec2/flowLog:FlowLog")
def _flow_log(r: Resource, c: _Context) -> tuple[float, str]:
    if str(r.props.get("logDestinationType") or "cloud-watch-logs") == "cloud-watch-logs":
        return 0.0, "delivered to CloudWatch Logs: priced as its log group's ingestion"
    gb, pattern = c.usage.lookup("logGbIngested", str(r.props.get("tags", {}).get("Name") or r.name))
    rate = c.p(r.region, "cloudwatch.logs", "vended-to-s3")
    return gb * rate, f"{gb:g} GB vended to S3 (usage logGbIngested '{pattern}') × {_rate(rate)}"


@rule("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(r: Resource, c: _Context) -> tuple[float, str]:
    kind = str(r.props.get("loadBalancerType") or "application")
    group = {"application": "elb.application", "network": "elb.network"}.get(kind)
    if group is None:
        raise MissingPrice(f"no price for {kind} load balancers")
    hourly = c.p(r.region, group, "hour")
    lcu_rate = c.p(r.region, group, "lcu")
    lcu = c.usage["albLcu"]
    total = hourly * c.hours + lcu * lcu_rate * c.hours
    basis = f"{kind} {_rate(hourly)}/h × {c.hours:g} h + {lcu:g} LCU × {_rate(lcu_rate)}/h"
    if r.props.get("internal") is not True:
        nodes = len(r.props.get("subnets") or []) or len(r.props.get("subnetMappings") or []) or 2
        ip_rate = c.p(r.region, "ec2.public-ipv4", "address")
        total += nodes * ip_rate * c.hours
        basis += f" + {nodes} public IPv4 (one per AZ) × {_rate(ip_rate)}/h"
        gb = c.usage["albGbOut"]
        out_rate = c.p(r.region, "transfer.internet", "out")
        total += gb * out_rate
        basis += f" + {gb:g} GB out to the internet × {_rate(out_rate)}"
    return total, basis


@rule("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain")
def _opensearch(r: Resource, c: _Context) -> tuple[float, str]:
    cc = r.props.get("clusterConfig") or {}
    data_type = str(cc.get("instanceType") or "r6g.large.search")
    data_n = _num(cc.get("instanceCount"), 1)
    total = c.p(r.region, "opensearch.instance", data_type) * c.hours * data_n
    parts = [f"{data_n:g} × {data_type}"]
    if cc.get("dedicatedMasterEnabled") is True:
        m_type = str(cc.get("dedicatedMasterType"))
        m_n = _num(cc.get("dedicatedMasterCount"), 3)
        total += c.p(r.region, "opensearch.instance", m_type) * c.hours * m_n
        parts.append(f"{m_n:g} × {m_type} dedicated masters")
    if cc.get("warmEnabled") is True:
        w_type = str(cc.get("warmType"))
        w_n = _num(cc.get("warmCount"), 0)
        total += c.p(r.region, "opensearch.instance", w_type) * c.hours * w_n
        parts.append(f"{w_n:g} × {w_type} warm")
    ebs = r.props.get("ebsOptions") or {}
    if ebs.get("ebsEnabled") is not False and _num(ebs.get("volumeSize")):
        vol_type = str(ebs.get("volumeType") or "gp3")
        size = _num(ebs.get("volumeSize"))
        rate = c.p(r.region, "opensearch.storage", vol_type)
        total += size * data_n * rate
        parts.append(f"{size:g} GB {vol_type} × {data_n:g} data nodes × {_rate(rate)}")
    return total, f"instance-hours × {c.hours:g} h: " + "; ".join(parts)


@rule("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")
def _kms_key(r: Resource, c: _Context) -> tuple[float, str]:
    monthly = c.p(r.region, "kms", "key")
    requests = c.usage["kmsRequestsTenThousands"]
    rate = c.p(r.region, "kms", "requests-10k")
    rotation = (
        " (rotation adds $1 a month after each of the first two rotations)"
        if r.props.get("enableKeyRotation")
        else ""
    )
    return (
        monthly + requests * rate,
        f"{_money(monthly)}/key-month{rotation} + {requests:g}×10k requests × {_rate(rate)}",
    )


@rule("aws:secretsmanager/secret:Secret")
def _secret(r: Resource, c: _Context) -> tuple[float, str]:
    replicas = r.props.get("replicas") or []
    copies = 1 + len(replicas)
    monthly = c.p(r.region, "secretsmanager", "secret")
    calls = c.usage["secretApiCallsTenThousands"]
    rate = c.p(r.region, "secretsmanager", "api-10k")
    total = monthly
    for replica in replicas:
        total += c.p(replica.get("region") or r.region, "secretsmanager", "secret")
    return total + calls * rate, (
        f"{copies} secret(s) (primary + {len(replicas)} replica(s), each in its region) × {_money(monthly)}"
        f" + {calls:g}×10k API calls × {_rate(rate)}"
    )


@rule("aws:ssm/parameter:Parameter")
def _ssm_parameter(r: Resource, c: _Context) -> tuple[float, str]:
    if str(r.props.get("tier") or "Standard") == "Advanced":
        monthly = c.p(r.region, "ssm", "advanced-parameter")
        return monthly, f"Advanced-tier parameter {_money(monthly)}/month"
    return 0.0, "Standard-tier parameter: no charge"


@rule("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(r: Resource, c: _Context) -> tuple[float, str]:
    p = r.props
    queries = p.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) if queries else 1
    periods = [_num(p.get("period"), 60)] + [_num((q.get("metric") or {}).get("period"), 60) for q in queries]
    high_res = any(0 < x < 60 for x in periods)
    key = "alarm-metric-high-resolution" if high_res else "alarm-metric"
    rate = c.p(r.region, "cloudwatch", key)
    kind = "high-resolution" if high_res else "standard"
    return metrics * rate, f"{metrics} metric(s) × {_money(rate)} ({kind} alarm)"


@rule("aws:cloudwatch/compositeAlarm:CompositeAlarm")
def _composite(r: Resource, c: _Context) -> tuple[float, str]:
    rate = c.p(r.region, "cloudwatch", "composite-alarm")
    return rate, f"composite alarm {_money(rate)}/month"


@rule("aws:cloudwatch/logMetricFilter:LogMetricFilter")
def _metric_filter(r: Resource, c: _Context) -> tuple[float, str]:
    transformations = r.props.get("metricTransformation")
    n = len(transformations) if isinstance(transformations, list) else 1
    rate = c.p(r.region, "cloudwatch", "custom-metric")
    return n * rate, f"{n} custom metric(s) × {_money(rate)}/month"


@rule("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(r: Resource, c: _Context) -> tuple[float, str]:
    rate = c.p(r.region, "cloudwatch", "dashboard")
    return rate, f"dashboard {_money(rate)}/month"


@rule("aws:cloudwatch/logGroup:LogGroup")
def _log_group(r: Resource, c: _Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("logGbIngested", name)
    infrequent = str(r.props.get("logGroupClass") or "STANDARD") == "INFREQUENT_ACCESS"
    rate = c.p(
        r.region, "cloudwatch.logs", "ingestion-infrequent-access" if infrequent else "ingestion-standard"
    )
    retention = _num(r.props.get("retentionInDays"))
    months = min(retention / 30.4, 12.0) if retention else 12.0
    ratio = c.usage["logCompressionRatio"]
    stored = gb * months * ratio
    storage_rate = c.p(r.region, "cloudwatch.logs", "storage")
    kept = f"{retention:g} days" if retention else "never expiring (12 months counted)"
    return gb * rate + stored * storage_rate, (
        f"{gb:g} GB/month ingested (usage logGbIngested '{pattern}') × {_rate(rate)} + "
        f"{stored:.1f} GB archived ({kept} × compression {ratio:g}) × {_rate(storage_rate)}"
    )


def _waf_rules(p: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = p.get("rules")
    if isinstance(rules, list):
        return [x for x in rules if isinstance(x, dict)]
    raw = p.get("ruleJson")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
            return [x for x in parsed if isinstance(x, dict)] if isinstance(parsed, list) else []
        except ValueError:
            return []
    return []


@rule("aws:wafv2/webAcl:WebAcl")
def _web_acl(r: Resource, c: _Context) -> tuple[float, str]:
    rules = _waf_rules(r.props)
    scope = str(r.props.get("scope") or "REGIONAL")
    acl = c.p(r.region, "wafv2", "web-acl")
    rule_rate = c.p(r.region, "wafv2", "rule")
    req_rate = c.p(r.region, "wafv2", "requests-million")
    if scope == "CLOUDFRONT":
        requests, source = c.usage["cloudfrontRequestsMillions"], "cloudfrontRequestsMillions"
    else:
        requests, source = c.usage["albRequestsMillions"], "albRequestsMillions"
    total = acl + len(rules) * rule_rate + requests * req_rate
    basis = (
        f"web ACL {_money(acl)} + {len(rules)} rule(s) × {_money(rule_rate)} + "
        f"{requests:g}M requests ({source}) × {_rate(req_rate)}"
    )
    text = json.dumps(rules)
    if "AWSManagedRulesBotControlRuleSet" in text:
        total += c.p(r.region, "wafv2", "bot-control") + requests * c.p(
            r.region, "wafv2", "bot-control-requests-million"
        )
        basis += " + Bot Control subscription and requests"
    return total, basis


@rule("aws:route53/zone:Zone")
def _zone(r: Resource, c: _Context) -> tuple[float, str]:
    zone = c.p(GLOBAL, "route53", "hosted-zone")
    queries = c.usage["dnsQueriesMillions"]
    rate = c.p(GLOBAL, "route53", "queries-million")
    return (
        zone + queries * rate,
        f"hosted zone {_money(zone)} + {queries:g}M standard queries × {_rate(rate)}",
    )


@rule("aws:route53/healthCheck:HealthCheck")
def _health_check(r: Resource, c: _Context) -> tuple[float, str]:
    rate = c.p(GLOBAL, "route53", "health-check")
    return rate, f"health check {_money(rate)}/month"


def _replica_classes(c: _Context) -> dict[str, str]:
    """Buckets that receive replicas → the storage class replication writes them in."""
    out: dict[str, str] = {}
    for cfg in c.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        for rule_ in cfg.props.get("rules") or []:
            dest = rule_.get("destination") or {}
            bucket = str(dest.get("bucket") or "")
            name = bucket.split(":::")[-1]
            out[name] = str(dest.get("storageClass") or "STANDARD")
    return out


@rule("aws:s3/bucket:Bucket")
def _bucket(r: Resource, c: _Context) -> tuple[float, str]:
    name = str(r.props.get("bucket") or r.props.get("bucketPrefix") or r.name)
    gb, pattern = c.usage.lookup("s3GbStored", name)
    klass = c.cached("replica-classes", _replica_classes).get(name, "STANDARD")
    rate = c.p(r.region, "s3.storage", klass)
    why = " (replication writes this class)" if klass != "STANDARD" else ""
    return gb * rate, f"{gb:g} GB (usage s3GbStored '{pattern}') × {klass} {_rate(rate)}/GB-month{why}"


@rule("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
def _replication(r: Resource, c: _Context) -> tuple[float, str]:
    gb = c.usage["s3ReplicationGbPerMonth"]
    total = 0.0
    parts = []
    for rule_ in r.props.get("rules") or []:
        dest = str((rule_.get("destination") or {}).get("bucket") or "")
        target = c.find(dest.split(":::")[-1], "aws:s3/bucket:Bucket")
        region = target.region if target is not None else None
        if region is None or region == r.region:
            parts.append(f"same-region copy to {dest.split(':::')[-1] or '?'}: no transfer charge")
            continue
        rate = c.p(r.region, "transfer.inter-region", region)
        total += gb * rate
        parts.append(f"{gb:g} GB/month to {region} × {_rate(rate)}")
    return total, "cross-region replication transfer: " + ("; ".join(parts) or "no rules")


@rule("aws:cloudfront/distribution:Distribution")
def _distribution(r: Resource, c: _Context) -> tuple[float, str]:
    gb = c.usage["cloudfrontGbOut"]
    requests = c.usage["cloudfrontRequestsMillions"]
    price_class = str(r.props.get("priceClass") or "PriceClass_All")
    share = 0.0 if price_class == "PriceClass_100" else c.usage["cloudfrontSouthAmericaShare"]
    na = c.p(GLOBAL, "cloudfront", "data-out-north-america-europe")
    sa = c.p(GLOBAL, "cloudfront", "data-out-south-america")
    na_req = c.p(GLOBAL, "cloudfront", "https-requests-10k-north-america-europe")
    sa_req = c.p(GLOBAL, "cloudfront", "https-requests-10k-south-america")
    data = gb * ((1 - share) * na + share * sa)
    reqs = requests * 100 * ((1 - share) * na_req + share * sa_req)
    return data + reqs, (
        f"{gb:g} GB out + {requests:g}M HTTPS requests, {price_class}: {1 - share:.0%} at North America/Europe "
        f"rates ({_rate(na)}/GB, {_rate(na_req)}/10k), {share:.0%} at South America rates ({_rate(sa)}/GB, "
        f"{_rate(sa_req)}/10k)"
    )


@rule("aws:cloudfront/function:Function")
def _cloudfront_function(r: Resource, c: _Context) -> tuple[float, str]:
    # Billed per invocation; counted as if every viewer request ran it (an upper bound: only the behaviours the
    # function is associated with run it).
    requests = c.usage["cloudfrontRequestsMillions"]
    rate = c.p(GLOBAL, "cloudfront", "function-invocations-million")
    return (
        requests * rate,
        f"at most {requests:g}M invocations (every viewer request) × {_rate(rate)}/million",
    )


def _backup_kinds(c: _Context) -> dict[str, set[str]]:
    """Vault name → the kinds of resource (s3, rds, ...) whose recovery points land in it."""
    plans: dict[str, set[str]] = {}
    for sel in c.of_type("aws:backup/selection:Selection"):
        plan = c.related(sel, "planId", "aws:backup/plan:Plan")
        kinds = set()
        for arn in sel.props.get("resources") or []:
            parts = str(arn).split(":")
            if len(parts) > 2:
                kinds.add(parts[2])
        if plan is not None:
            plans.setdefault(plan.urn, set()).update(kinds)
    vaults: dict[str, set[str]] = {}
    for plan in c.of_type("aws:backup/plan:Plan"):
        kinds = plans.get(plan.urn, set())
        for rule_ in plan.props.get("rules") or []:
            vaults.setdefault(str(rule_.get("targetVaultName")), set()).update(kinds)
            for copy in rule_.get("copyActions") or []:
                dest = str(copy.get("destinationVaultArn") or "")
                vaults.setdefault(dest.rsplit(":", 1)[-1], set()).update(kinds)
    return vaults


@rule("aws:backup/vault:Vault")
def _vault(r: Resource, c: _Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("backupGbStored", name)
    kinds = sorted(c.cached("backup-kinds", _backup_kinds).get(name, set())) or ["s3"]
    rates = {k: c.p(r.region, "backup", k) for k in kinds}
    kind = max(rates, key=lambda k: rates[k])
    return gb * rates[kind], (
        f"{gb:g} GB of recovery points (usage backupGbStored '{pattern}') × {_rate(rates[kind])} "
        f"warm storage ({kind}{' and ' + ', '.join(k for k in kinds if k != kind) if len(kinds) > 1 else ''})"
    )


@rule("aws:backup/plan:Plan")
def _backup_plan(r: Resource, c: _Context) -> tuple[float, str]:
    gb = c.usage["backupCopyGbPerMonth"]
    total = 0.0
    parts = []
    for rule_ in r.props.get("rules") or []:
        for copy in rule_.get("copyActions") or []:
            arn = str(copy.get("destinationVaultArn") or "")
            region = arn.split(":")[3] if arn.count(":") >= 4 else None
            if region and region != r.region:
                rate = c.p(r.region, "transfer.inter-region", region)
                total += gb * rate
                parts.append(f"{gb:g} GB/month copied to {region} × {_rate(rate)}")
    return total, "; ".join(parts) if parts else "no cross-region copies: no charge of its own"


@rule("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
def _firehose(r: Resource, c: _Context) -> tuple[float, str]:
    name = str(r.props.get("name") or r.name)
    gb, pattern = c.usage.lookup("firehoseGbIngested", name)
    rate = c.p(r.region, "firehose", "ingestion")
    total = gb * rate
    basis = f"{gb:g} GB ingested (usage firehoseGbIngested '{pattern}') × {_rate(rate)}"
    for key in ("opensearchConfiguration", "elasticsearchConfiguration", "httpEndpointConfiguration"):
        vpc = (r.props.get(key) or {}).get("vpcConfig")
        if vpc:
            azs = len(vpc.get("subnetIds") or []) or 1
            vpc_gb = c.p(r.region, "firehose", "vpc-delivery")
            vpc_h = c.p(r.region, "firehose", "vpc-az-hour")
            total += gb * vpc_gb + azs * vpc_h * c.hours
            basis += f" + VPC delivery {gb:g} GB × {_rate(vpc_gb)} + {azs} AZ(s) × {_rate(vpc_h)}/h × {c.hours:g} h"
    return total, basis


@rule("aws:sns/topic:Topic")
def _topic(r: Resource, c: _Context) -> tuple[float, str]:
    n = c.usage["snsPublishesMillions"]
    rate = c.p(r.region, "sns", "publishes-million")
    return n * rate, f"{n:g}M publishes × {_rate(rate)}"


@rule("aws:sqs/queue:Queue")
def _queue(r: Resource, c: _Context) -> tuple[float, str]:
    n = c.usage["sqsRequestsMillions"]
    rate = c.p(r.region, "sqs", "requests-million")
    return n * rate, f"{n:g}M requests × {_rate(rate)}"


@rule("aws:sns/topicSubscription:TopicSubscription")
def _subscription(r: Resource, c: _Context) -> tuple[float, str]:
    protocol = str(r.props.get("protocol") or "")
    n = c.usage["snsPublishesMillions"]
    if protocol in ("email", "email-json"):
        rate = c.p(r.region, "sns", "email-100k")
        return n * 10 * rate, f"{n:g}M email deliveries × {_rate(rate)}/100k"
    return 0.0, f"{protocol or 'this'} delivery: no charge (SQS, Lambda and Firehose deliveries are free)"


@rule("aws:ecr/repository:Repository")
def _repository(r: Resource, c: _Context) -> tuple[float, str]:
    gb = c.usage["ecrGbStored"]
    rate = c.p(r.region, "ecr", "storage")
    return gb * rate, f"{gb:g} GB of images × {_rate(rate)}/GB-month"


@rule("aws:ecr/replicationConfiguration:ReplicationConfiguration")
def _ecr_replication(r: Resource, c: _Context) -> tuple[float, str]:
    repos = [x for x in c.of_type("aws:ecr/repository:Repository") if x.region == r.region]
    gb = c.usage["ecrGbStored"]
    total = 0.0
    parts = []
    cfg = r.props.get("replicationConfiguration") or {}
    for rule_ in cfg.get("rules") or []:
        for dest in rule_.get("destinations") or []:
            region = str(dest.get("region") or "")
            storage = c.p(region, "ecr", "storage")
            transfer = c.p(r.region, "transfer.inter-region", region) if region != r.region else 0.0
            total += len(repos) * gb * (storage + transfer)
            parts.append(
                f"{len(repos)} repositories × {gb:g} GB stored in {region} × {_rate(storage)} "
                f"+ transfer × {_rate(transfer)}"
            )
    return total, "; ".join(parts) or "no destinations"
