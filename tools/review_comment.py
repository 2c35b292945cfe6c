"""The pull request's review-stack comment: what the PR's review stack costs, when it expires, the pack's verdict.

    python -m tools.review_comment out/review/preview.json [--output comment.md]

Reads the offline render of the `review` stack (the template every review stack is copied from: the same
resources whatever the PR number) and Pulumi.review.yaml's `review.ttlHours`. The estimate is tools/cost.py's
(policies/costing/, the budget policy's prices and usage assumptions of policies/config/review.json).
.github/workflows/review-stack.yml posts the result on the pull request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from tools.cost import estimate_document

ROOT = Path(__file__).resolve().parent.parent
HOURS_PER_MONTH = 730  # AWS's pricing month, as policies/costing/ uses
MARKER = "<!-- elite-locadora review stack -->"  # lets the workflow edit its own comment


def ttl_hours(stack_file: Path = ROOT / "Pulumi.review.yaml") -> int:
    return int(yaml.safe_load(stack_file.read_text())["config"]["elite-locadora:review"]["ttlHours"])


def comment(doc: dict[str, Any], ttl: int) -> str:
    """Markdown for the pull request."""
    cost = estimate_document(doc, ROOT / "policies" / "config" / "review.json")
    monthly = cost["monthly"]
    budget = cost.get("budget")
    over_ttl = monthly * ttl / HOURS_PER_MONTH
    mandatory = [
        v for v in (doc.get("policy") or {}).get("violations", []) if v["enforcementLevel"] == "mandatory"
    ]
    lines = [
        MARKER,
        "### Review stack of this pull request",
        "",
        "| | |",
        "|---|---|",
        f"| Estimated cost | **{monthly:,.2f} USD/month** (on-demand list prices)"
        + (f", budget {budget:,.2f}" if budget else "")
        + " |",
        f"| Time-to-live | {ttl} h after its first deployment: at most **{over_ttl:,.2f} USD** if nobody closes the PR |",
        f"| Policy pack | {'**' + str(len(mandatory)) + ' mandatory violation(s)**' if mandatory else 'passes'}"
        " (offline render of Pulumi.review.yaml) |",
        "",
        "Largest tiers: "
        + ", ".join(
            f"{t['tier'].split(':')[1]} {t['monthly']:,.2f}" for t in cost["byTier"][:4] if t["monthly"]
        ),
        "",
        "Pulumi Deployments creates the stack from the `review` template, deploys it after the same policy gate"
        " and destroys it when the pull request closes (docs/operations.md, Review stacks).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.review_comment", description=__doc__.split("\n")[0]
    )
    parser.add_argument("render", type=Path, help="out/review/preview.json")
    parser.add_argument("--output", type=Path, help="write the markdown here (default: stdout)")
    args = parser.parse_args(argv)
    doc = json.loads(args.render.read_text())
    if doc.get("stack") != "review":
        print(
            f"error: {args.render} is a render of {doc.get('stack')!r}, not of the review stack",
            file=sys.stderr,
        )
        return 2
    text = comment(doc, ttl_hours())
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
