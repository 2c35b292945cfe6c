"""The review stack's cost on the pull request: tools/review_comment.py over the offline render of the review
stack, and the workflow that posts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tools.cost import estimate_document
from tools.review_comment import HOURS_PER_MONTH, MARKER, comment, ttl_hours

ROOT = Path(__file__).resolve().parents[2]


def test_the_comment_shows_the_estimate_the_ttl_and_the_verdict(render):
    review = render("review")
    estimate = estimate_document(review.data, ROOT / "policies/config/review.json")
    ttl = yaml.safe_load((ROOT / "Pulumi.review.yaml").read_text())["config"]["elite-locadora:review"][
        "ttlHours"
    ]
    assert ttl_hours() == ttl
    text = comment(review.data, ttl)
    assert text.startswith(MARKER), "the workflow finds its own comment by the marker"
    assert f"**{estimate['monthly']:,.2f} USD/month**" in text, text
    assert f"budget {estimate['budget']:,.2f}" in text, text
    assert f"{ttl} h after its first deployment" in text, text
    assert f"**{estimate['monthly'] * ttl / HOURS_PER_MONTH:,.2f} USD**" in text, (
        "the most a forgotten stack costs"
    )
    assert "| Policy pack | passes" in text, text


def test_a_mandatory_violation_shows_on_the_comment(render):
    doc = json.loads(json.dumps(render("review").data))
    doc["policy"]["violations"].append(
        {"enforcementLevel": "mandatory", "policy": "x", "urn": "u", "message": "m"}
    )
    assert "**1 mandatory violation(s)**" in comment(doc, 72)


def test_the_tool_refuses_another_stacks_render(render, tmp_path):
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(render("prod").data))
    proc = subprocess.run(
        [sys.executable, "-m", "tools.review_comment", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "not of the review stack" in proc.stderr, proc.stderr


def test_the_workflow_posts_it_on_pull_requests_that_change_the_program():
    doc = yaml.safe_load((ROOT / ".github/workflows/review-stack.yml").read_text())
    on = doc.get("on", doc.get(True))
    template = yaml.safe_load((ROOT / "deployments/Pulumi.review.yaml").read_text())
    assert on["pull_request"]["branches"] == [
        template["config"]["elite-locadora-deployments:deployment"]["branch"]
    ]
    assert {"Pulumi.review.yaml", "components/**", "settings/**", "policies/**"} <= set(
        on["pull_request"]["paths"]
    )
    (job,) = doc["jobs"].values()
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}, job["permissions"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "make preview STACK=review" in runs and "tools.review_comment out/review/preview.json" in runs, (
        runs
    )
    assert "GITHUB_STEP_SUMMARY" in runs and "issues/comments" in runs, runs
