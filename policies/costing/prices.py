"""The price file (policies/data/prices.yaml): validated once per file version, every error naming its key."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .model import CostConfigError

PRICES_FILE = Path(__file__).resolve().parent.parent / "data" / "prices.yaml"
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
