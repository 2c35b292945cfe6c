"""`python -m tools.cost estimate|diff`: one render's estimate, and two renders (or stacks) compared by tier."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render import ROOT, Render
from tools import cost


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_estimate_prints_the_tiers_the_total_and_the_largest_lines(
    tmp_path: Path, prod: Render, capsys
) -> None:
    path = write(tmp_path, "preview.json", prod.data)
    assert cost.main(["estimate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Total" in out and f"{prod.data['cost']['monthly']:,.2f}" in out, out
    assert "Largest lines" in out and "db.r7g.xlarge" in out, out


def test_estimate_json_equals_the_block_the_preview_wrote(tmp_path: Path, staging: Render, capsys) -> None:
    path = write(tmp_path, "preview.json", staging.data)
    assert cost.main(["estimate", str(path), "--json"]) == 0
    block = json.loads(capsys.readouterr().out)
    assert block["monthly"] == staging.data["cost"]["monthly"]
    assert block["byTier"] == staging.data["cost"]["byTier"]


def test_diff_between_stacks_is_by_tier_and_adds_up(
    tmp_path: Path, prod: Render, staging: Render, capsys
) -> None:
    a = write(tmp_path, "staging.json", staging.data)
    b = write(tmp_path, "prod.json", prod.data)
    assert cost.main(["diff", str(a), str(b), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["a"] == staging.data["cost"]["monthly"] and d["b"] == prod.data["cost"]["monthly"]
    assert sum(r["delta"] for r in d["byTier"]) == pytest.approx(d["delta"], abs=0.05)
    data = next(r for r in d["byTier"] if r["tier"] == "elite-locadora:data:Data")
    assert data["delta"] > 0, "prod's database and cache are larger than staging's"
    assert cost.main(["diff", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "Monthly cost difference staging → prod" in text and "elite-locadora:data:Data" in text, text


def test_diff_of_a_change_shows_exactly_what_it_adds(tmp_path: Path, staging: Render, capsys) -> None:
    """main vs a PR: the PR adds a NAT gateway; the difference is that gateway's line, in its tier."""
    pr = copy.deepcopy(staging.data)
    nat = next(
        r
        for r in pr["resources"]
        if r["type"] == "aws:ec2/natGateway:NatGateway" and r["name"].startswith("network-")
    )
    extra = copy.deepcopy(nat)
    extra["name"] += "-extra"
    extra["urn"] += "-extra"
    pr["resources"].append(extra)
    a = write(tmp_path, "main.json", staging.data)
    b = write(tmp_path, "pr.json", pr)
    assert cost.main(["diff", str(a), str(b), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    nat_line = next(x for x in staging.data["cost"]["resources"] if x["urn"] == nat["urn"])
    assert d["delta"] == pytest.approx(nat_line["monthly"], abs=0.01)
    assert [c["name"] for c in d["resources"]] == [extra["name"]]
    network = next(r for r in d["byTier"] if r["tier"] == "elite-locadora:network:Network")
    assert network["delta"] == pytest.approx(nat_line["monthly"], abs=0.01)


def test_bad_assumptions_fail_with_the_key(tmp_path: Path, staging: Render) -> None:
    path = write(tmp_path, "preview.json", staging.data)
    config = write(
        tmp_path, "config.json", {"monthly-cost-within-budget": {"usage": {"natGbProcessed": "lots"}}}
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tools.cost", "estimate", str(path), "--usage", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stdout
    assert "monthly-cost-within-budget.usage.natGbProcessed: expected a number, got 'lots'" in proc.stderr


def test_the_preview_stops_on_a_bad_assumption_naming_the_key(monkeypatch, staging: Render) -> None:
    from tools.preview import ProgramError

    monkeypatch.setattr(cost, "policy_config", lambda path, stack: ({"usage": {"albLcu": "many"}}, None))
    doc = copy.deepcopy(staging.data)
    with pytest.raises(
        ProgramError, match=r"cost estimate: monthly-cost-within-budget\.usage\.albLcu: expected a number"
    ):
        cost.preview_step(doc)
