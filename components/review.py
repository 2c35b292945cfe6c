"""A review stack's own time-to-live in Pulumi Cloud: a forgotten review stack cannot run up a bill.

Pulumi Cloud destroys the stack at the TTL's timestamp through Pulumi Deployments (the review stack's deployment
settings, copied from the `review` template: its role, its policy gate) and, with `delete_after_destroy`, then
deletes the stack and its history. The timestamp is fixed at the stack's first deployment (first `pulumi up`
+ ttl hours) and kept by later updates (`ignore_changes`), so pushing commits to the pull request does not
postpone it; closing the pull request destroys the stack earlier.

The Pulumi Service provider authenticates with `PULUMI_ACCESS_TOKEN`, which Pulumi Deployments sets for the
stack being deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pulumi
import pulumi_pulumiservice as ps


@dataclass
class ReviewLifetimeArgs:
    organization: str
    """Pulumi Cloud organization of the stack."""
    project: str
    """The project (elite-locadora)."""
    stack: str
    """The review stack's own name."""
    ttl_hours: int
    """Hours after the first deployment when Pulumi Cloud destroys the stack."""
    now: datetime | None = None
    """The moment of this deployment (UTC); default: the clock. Tests pin it."""


class ReviewLifetime(pulumi.ComponentResource):
    """The review stack's TTL schedule."""

    expires_at: pulumi.Output[str]

    def __init__(
        self, name: str, args: ReviewLifetimeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("elite-locadora:review:ReviewLifetime", name, None, opts)
        now = (args.now or datetime.now(UTC)).replace(microsecond=0)
        schedule = ps.TtlSchedule(
            f"{name}-ttl",
            organization=args.organization,
            project=args.project,
            stack=args.stack,
            timestamp=(now + timedelta(hours=args.ttl_hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            # The stack, its history and settings go too: nothing of a review stack outlives it.
            delete_after_destroy=True,
            # Set once, at the first deployment: later updates of the PR do not move the deadline.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["timestamp"]),
        )
        self.expires_at = schedule.timestamp
        self.register_outputs({"expires_at": self.expires_at})
