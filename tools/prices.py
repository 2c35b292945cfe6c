"""Refresh policies/data/prices.yaml from AWS Price List bulk offer files (read offline, no AWS account needed).

    python -m tools.prices refresh --from AmazonRDS-us-east-1.json [--from ...] [--dry-run]
    python -m tools.prices check                                  # validate the file (as the estimator does)

An offer file is the Price List API's bulk JSON for one service and region, downloaded wherever there is
internet, e.g. ``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonRDS/current/us-east-1/index.json``
(``products`` by SKU with their attributes, ``terms.OnDemand`` with each SKU's price dimensions). For every
price group this tool knows how to find (MATCHERS below), each key's on-demand first-tier USD price is looked
up in the offer of its service and region; a found price takes the offer's publication date as `read` and
the offer file's URL as `source`. Keys the offer does not have keep their old figure, source and date (written
per price), and are listed, so a refresh never passes an old figure off as new. Only the `regions:` part of the
file is rewritten; its header and the `free` list (with their comments) are kept.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRICE_FILE = ROOT / "policies" / "data" / "prices.yaml"
OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/{region}/index.json"

Attrs = dict[str, str]
# group → (offer code, key → product attribute filter). A filter value starting with "~" is a regex matched
# against the attribute (usage types carry a region prefix such as "USW2-" outside us-east-1).
_S3_CLASSES = {
    "STANDARD": "TimedStorage-ByteHrs",
    "STANDARD_IA": "TimedStorage-SIA-ByteHrs",
    "ONEZONE_IA": "TimedStorage-ZIA-ByteHrs",
    "GLACIER_IR": "TimedStorage-GIR-ByteHrs",
    "GLACIER": "TimedStorage-GlacierByteHrs",
    "DEEP_ARCHIVE": "TimedStorage-GDA-ByteHrs",
    "INTELLIGENT_TIERING": "TimedStorage-INT-FA-ByteHrs",
}
_FARGATE = {
    "linux-x86-vcpu": "Fargate-vCPU-Hours:perCPU",
    "linux-x86-gb": "Fargate-GB-Hours",
    "linux-arm-vcpu": "Fargate-ARM-vCPU-Hours:perCPU",
    "linux-arm-gb": "Fargate-ARM-GB-Hours",
    "spot-linux-x86-vcpu": "SpotUsage-Fargate-vCPU-Hours:perCPU",
    "spot-linux-x86-gb": "SpotUsage-Fargate-GB-Hours",
    "spot-linux-arm-vcpu": "SpotUsage-Fargate-ARM-vCPU-Hours:perCPU",
    "spot-linux-arm-gb": "SpotUsage-Fargate-ARM-GB-Hours",
    "ephemeral-storage-gb": "Fargate-EphemeralStorage-GB-Hours",
}


def _usage(suffix: str) -> Attrs:
    return {"usagetype": f"~^([A-Z0-9]+-)?{re.escape(suffix)}$"}


MATCHERS: dict[str, tuple[str, Callable[[str], Attrs | None]]] = {
    "rds.mysql.instance": (
        "AmazonRDS",
        lambda key: {
            "productFamily": "Database Instance",
            "instanceType": key,
            "databaseEngine": "MySQL",
            "deploymentOption": "Single-AZ",
        },
    ),
    "elasticache.redis.node": (
        "AmazonElastiCache",
        lambda key: {"productFamily": "Cache Instance", "instanceType": key, "cacheEngine": "Redis"},
    ),
    "elasticache.valkey.node": (
        "AmazonElastiCache",
        lambda key: {"productFamily": "Cache Instance", "instanceType": key, "cacheEngine": "Valkey"},
    ),
    "opensearch.instance": (
        "AmazonES",
        lambda key: {"productFamily": "Amazon OpenSearch Service Instance", "instanceType": key},
    ),
    "fargate": ("AmazonECS", lambda key: _usage(_FARGATE[key]) if key in _FARGATE else None),
    "ec2.nat-gateway": (
        "AmazonEC2",
        lambda key: _usage({"hour": "NatGateway-Hours", "gb": "NatGateway-Bytes"}[key]),
    ),
    "ec2.public-ipv4": ("AmazonVPC", lambda key: _usage("PublicIPv4:InUseAddress")),
    "vpc.interface-endpoint": (
        "AmazonVPC",
        lambda key: _usage({"endpoint-az": "VpcEndpoint-Hours", "gb": "VpcEndpoint-Bytes"}[key]),
    ),
    "elb.application": (
        "AWSELB",
        lambda key: {
            "productFamily": "Load Balancer-Application",
            **_usage({"hour": "LoadBalancerUsage", "lcu": "LCUUsage"}[key]),
        },
    ),
    "elb.network": (
        "AWSELB",
        lambda key: {
            "productFamily": "Load Balancer-Network",
            **_usage({"hour": "LoadBalancerUsage", "lcu": "LCUUsage"}[key]),
        },
    ),
    "s3.storage": ("AmazonS3", lambda key: _usage(_S3_CLASSES[key]) if key in _S3_CLASSES else None),
    "kms": ("awskms", lambda key: _usage("KMS-Keys") if key == "key" else None),
}


def _matches(attrs: Attrs, want: Attrs) -> bool:
    for k, v in want.items():
        have = attrs.get(k, "")
        if v.startswith("~"):
            if not re.search(v[1:], have):
                return False
        elif have != v:
            return False
    return True


def first_tier_usd(offer: dict[str, Any], sku: str) -> float | None:
    """The SKU's on-demand price of its first tier (beginRange 0), in USD."""
    for term in (offer.get("terms", {}).get("OnDemand", {}).get(sku) or {}).values():
        dims = list((term.get("priceDimensions") or {}).values())
        dims.sort(key=lambda d: float(d.get("beginRange", "0") or 0))
        for d in dims:
            usd = (d.get("pricePerUnit") or {}).get("USD")
            if usd is not None and float(d.get("beginRange", "0") or 0) == 0:
                return float(usd)
    return None


def lookup(offer: dict[str, Any], region: str, want: Attrs) -> float | None:
    found = []
    for sku, product in (offer.get("products") or {}).items():
        attrs = {"productFamily": product.get("productFamily", ""), **(product.get("attributes") or {})}
        if attrs.get("regionCode", region) != region:
            continue
        if _matches(attrs, want):
            usd = first_tier_usd(offer, sku)
            if usd is not None and usd > 0:
                found.append(usd)
    return min(found) if found else None


def _offer_region(offer: dict[str, Any]) -> str | None:
    for product in (offer.get("products") or {}).values():
        code = (product.get("attributes") or {}).get("regionCode")
        if code:
            return code
    return None


def refresh(doc: dict[str, Any], offers: Iterable[dict[str, Any]]) -> list[str]:
    """Update `doc` (the parsed price file) from the offers; returns a log of what changed and what did not."""
    log: list[str] = []
    for offer in offers:
        code = offer.get("offerCode", "")
        region = _offer_region(offer)
        date = str(offer.get("publicationDate", ""))[:10]
        if not region or not date:
            log.append(f"{code}: offer file has no regionCode or publicationDate: skipped")
            continue
        url = OFFER_URL.format(offer=code, region=region)
        groups = (doc.get("regions") or {}).get(region)
        if groups is None:
            log.append(f"{code}: region {region} is not in the price file: skipped")
            continue
        for group, (offer_code, matcher) in MATCHERS.items():
            if offer_code != code or group not in groups:
                continue
            spec = dict(groups[group])
            old_source, old_read = spec["source"], str(spec["read"])
            prices: dict[str, Any] = {}
            for key, value in spec["prices"].items():
                old = value["usd"] if isinstance(value, dict) else value
                want = matcher(key)
                new = lookup(offer, region, want) if want else None
                if new is None:
                    entry = dict(value) if isinstance(value, dict) else {"usd": old}
                    entry.setdefault("source", old_source)
                    entry.setdefault("read", old_read)
                    prices[key] = entry
                    log.append(f"{region} {group} {key}: not in {code}'s offer: kept {old} ({entry['read']})")
                    continue
                prices[key] = (
                    new if not isinstance(value, dict) else {**value, "usd": new, "source": url, "read": date}
                )
                if new != old:
                    log.append(f"{region} {group} {key}: {old} → {new}")
            spec.update(prices=prices, source=url, read=date)
            groups[group] = spec
    return log


def write(path: Path, doc: dict[str, Any]) -> None:
    """Rewrite the `regions:` part of the file, keeping the header and the free list with their comments."""
    text = path.read_text()
    head, sep, _ = text.partition("\nregions:\n")
    if not sep:
        raise SystemExit(f"error: {path} has no top-level 'regions:' section")
    # A JSON round trip unshares the groups the hand-written file shares through anchors (regions refreshed
    # apart may now differ) and writes dates as plain YYYY-MM-DD strings.
    regions = json.loads(json.dumps(doc["regions"], default=str))
    body = yaml.safe_dump({"regions": regions}, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(head + "\n" + body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.prices", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ref = sub.add_parser("refresh", help="update prices from Price List bulk offer files")
    ref.add_argument(
        "--from", dest="offers", type=Path, action="append", required=True, help="offer JSON file"
    )
    ref.add_argument(
        "--file", type=Path, default=PRICE_FILE, help="price file (default policies/data/prices.yaml)"
    )
    ref.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    chk = sub.add_parser("check", help="validate the price file")
    chk.add_argument("--file", type=Path, default=PRICE_FILE)
    args = parser.parse_args(argv)
    from tools.cost import costing

    c = costing()
    if args.command == "check":
        try:
            book = c.load_prices(args.file)
        except c.CostConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        n = sum(len(t) for groups in book.regions.values() for t in groups.values())
        print(f"{args.file}: {n} prices in {len(book.regions)} regions, latest read {book.latest_read}")
        return 0
    doc = yaml.safe_load(args.file.read_text())
    offers = []
    for path in args.offers:
        try:
            offers.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
    log = refresh(doc, offers)
    try:
        c.parse_prices(doc, str(args.file))
    except c.CostConfigError as exc:
        print(f"error: the refreshed prices are invalid: {exc}", file=sys.stderr)
        return 2
    print("\n".join(log) or "nothing to refresh")
    if not args.dry_run:
        write(args.file, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
