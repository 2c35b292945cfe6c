"""The review kind of stack: one short-lived copy of the platform per pull request.

Pulumi Cloud creates a review stack from the template stack `review` (its config, `Pulumi.review.yaml`, is
copied into each) for every pull request that changes the program, and names it itself
(`pr-pulumi-<org>-<project>-<PR number>` in what we have seen; only the trailing number matters here). A review
stack is therefore told apart by its stack name, not by config it could not have:

- its environment name is `rv<PR number>` (the template itself renders as `rv0`), so every physical name is
  `elite-locadora-rv<N>-…`: it cannot collide with another review stack, nor match prod's or staging's
  `elite-locadora-prod-…` / `elite-locadora-staging-…` (nor the IAM scope of their roles);
- `{env}` in a config string becomes that name: names AWS requires to be globally unique (bucket names, the
  CloudFront alias under `domain`) must carry it, or two review stacks would fight over them;
- `review.ttlHours` is required: the stack registers its own time-to-live in Pulumi Cloud
  (components/review.py), after which Pulumi Deployments destroys it and deletes the stack.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from .common import Model

# Environment names of review stacks: rv<PR number>, at most 7 characters like "staging", so that every name
# that fits staging (the OpenSearch domain's 28 characters is the tightest) fits a review stack.
REVIEW_ENV_PREFIX = "rv"
TEMPLATE_STACK = "review"
_MAX_PR = 99999
ENV_PLACEHOLDER = "{env}"


class ReviewSettings(Model):
    """What only a review stack has."""

    ttl_hours: int = Field(
        ge=1,
        le=168,
        description="Hours after its first deployment when Pulumi Cloud destroys the review stack (1 to 168).",
    )


def review_env_name(stack: str) -> str:
    """`rv<N>` for a review stack whose name ends in its pull request's number N; `rv0` for the template."""
    if stack == TEMPLATE_STACK:
        return f"{REVIEW_ENV_PREFIX}0"
    match = re.search(r"(\d+)$", stack)
    if not match or not 1 <= int(match[1]) <= _MAX_PR:
        raise ValueError(
            f"environment: review stacks are named by Pulumi Cloud after their pull request (…-<number>, "
            f"1 to {_MAX_PR}); stack {stack!r} has no such number"
        )
    return f"{REVIEW_ENV_PREFIX}{int(match[1])}"


def expand(value: Any, env_name: str) -> Any:
    """`value` with every `{env}` in its strings replaced by the environment name (lists and objects too)."""
    if isinstance(value, str):
        return value.replace(ENV_PLACEHOLDER, env_name)
    if isinstance(value, list):
        return [expand(v, env_name) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, env_name) for k, v in value.items()}
    return value
