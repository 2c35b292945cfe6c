"""A review stack is deployed on request: its `pulumi up` runs only once its pull request carries the label.

    python -m tools.review_gate --repository elite-locadora/elite-locadora-platform --label review-stack

The first pre-run command of every review-stack deployment (deployments/day_two.py). Pulumi Deployments sets
`PULUMI_CI_OPERATION` (the operation), `PULUMI_CI_STACK` (the review stack, named after its pull request's
number) and `GITHUB_TOKEN` (the Pulumi GitHub app's installation token). An `update` of a pull request without
the label stops here (exit 1, nothing deployed, the reason in the deployment log); every other operation
(preview, refresh, destroy: closing the pull request, the TTL) passes. Pulumi Cloud's own label gate
(`reviewStackLabels`) is not in pulumi-pulumiservice 1.5.0's deployment settings; with it this gate can go.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from collections.abc import Callable, Mapping

Fetch = Callable[[str, str], list[dict]]


def _github(url: str, token: str) -> list[dict]:
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a fixed https URL)
        return json.load(response)


def decide(env: Mapping[str, str], repository: str, label: str, fetch: Fetch = _github) -> tuple[bool, str]:
    """(proceed, why) for this deployment."""
    operation = env.get("PULUMI_CI_OPERATION", "")
    stack = env.get("PULUMI_CI_STACK", "")
    if operation != "update":
        return True, f"{operation or 'this operation'} of {stack} needs no request"
    match = re.search(r"(\d+)$", stack)
    if not match:
        return False, f"stack {stack!r} is not a review stack (no pull request number at the end of its name)"
    number = int(match[1])
    labels = fetch(
        f"https://api.github.com/repos/{repository}/issues/{number}/labels", env.get("GITHUB_TOKEN", "")
    )
    if any(item.get("name") == label for item in labels):
        return True, f"pull request #{number} asks for its review stack (label {label!r})"
    return False, (
        f"pull request #{number} has no {label!r} label: its review stack is not deployed. Add the label, then "
        "push a commit or run the deployment again (Pulumi Cloud: the review stack > Actions > Update)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.review_gate", description=__doc__.split("\n")[0])
    parser.add_argument("--repository", required=True, help="owner/name of the pull request's repository")
    parser.add_argument("--label", required=True, help="the label that requests a review stack")
    args = parser.parse_args(argv)
    proceed, why = decide(os.environ, args.repository, args.label)
    print(f"review gate: {why}", file=sys.stdout if proceed else sys.stderr)
    return 0 if proceed else 1


if __name__ == "__main__":
    sys.exit(main())
