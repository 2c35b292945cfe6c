"""`python -m tools.prices refresh`: prices from a Price List bulk offer file, old figures never passed off as new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from tools import prices as tool
from tools.cost import POLICIES


def offer(region: str, date: str, products: list[tuple[dict, float]]) -> dict:
    """A minimal AmazonRDS offer file in the Price List API's bulk JSON shape."""
    doc: dict = {
        "offerCode": "AmazonRDS",
        "publicationDate": f"{date}T00:00:00Z",
        "products": {},
        "terms": {},
    }
    on_demand = doc["terms"].setdefault("OnDemand", {})
    for i, (attrs, usd) in enumerate(products):
        sku = f"SKU{i}"
        doc["products"][sku] = {
            "sku": sku,
            "productFamily": "Database Instance",
            "attributes": {"regionCode": region, **attrs},
        }
        on_demand[sku] = {
            f"{sku}.TERM": {
                "priceDimensions": {
                    f"{sku}.TERM.DIM": {
                        "unit": "Hrs",
                        "beginRange": "0",
                        "endRange": "Inf",
                        "pricePerUnit": {"USD": str(usd)},
                    }
                }
            }
        }
    return doc


def mysql(klass: str, deployment: str = "Single-AZ") -> dict:
    return {"instanceType": klass, "databaseEngine": "MySQL", "deploymentOption": deployment}


def test_refresh_takes_single_az_prices_with_the_offer_date_and_keeps_the_rest(
    tmp_path: Path, c, capsys
) -> None:
    file = tmp_path / "prices.yaml"
    shutil.copy(POLICIES / "data" / "prices.yaml", file)
    offer_file = tmp_path / "rds-us-west-2.json"
    offer_file.write_text(
        json.dumps(
            offer(
                "us-west-2",
                "2026-12-01",
                [
                    (mysql("db.r7g.large"), 0.25),
                    (mysql("db.r7g.large", "Multi-AZ"), 0.5),
                    ({**mysql("db.r7g.large"), "databaseEngine": "PostgreSQL"}, 0.27),
                ],
            )
        )
    )
    assert tool.main(["refresh", "--from", str(offer_file), "--file", str(file)]) == 0
    assert "us-west-2 rds.mysql.instance db.r7g.large: 0.228 → 0.25" in capsys.readouterr().out
    book = c.load_prices(file)
    west = book.regions["us-west-2"]["rds.mysql.instance"]
    assert west["db.r7g.large"].usd == 0.25, "the Single-AZ MySQL SKU, not Multi-AZ or another engine"
    assert west["db.r7g.large"].read == "2026-12-01"
    assert west["db.r7g.large"].source.endswith("/AmazonRDS/current/us-west-2/index.json")
    kept = west["db.t3.micro"]
    assert (kept.usd, kept.read, kept.source) == (
        0.017,
        "2026-11-25",
        "https://aws.amazon.com/rds/mysql/pricing/",
    )
    east = book.regions["us-east-1"]["rds.mysql.instance"]["db.r7g.large"]
    assert (east.usd, east.read) == (0.228, "2026-11-25"), (
        "us-east-1 was shared by anchor; it must not change"
    )
    text = file.read_text()
    assert "# Resource types AWS does not charge for" in text, "the header and free list keep their comments"
    assert (
        yaml.safe_load(text)["free"]
        == yaml.safe_load((POLICIES / "data" / "prices.yaml").read_text())["free"]
    )


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    file = tmp_path / "prices.yaml"
    shutil.copy(POLICIES / "data" / "prices.yaml", file)
    before = file.read_text()
    offer_file = tmp_path / "rds.json"
    offer_file.write_text(json.dumps(offer("us-east-1", "2026-12-01", [(mysql("db.r7g.xlarge"), 0.5)])))
    assert tool.main(["refresh", "--from", str(offer_file), "--file", str(file), "--dry-run"]) == 0
    assert file.read_text() == before


def test_check_validates_the_file(capsys) -> None:
    assert tool.main(["check"]) == 0
    assert "latest read 2026-12-01" in capsys.readouterr().out
