"""Every IAM role the stack creates carries the stack's workload permissions boundary.

The boundary is a managed policy the deployments program creates outside this stack
(`deployments/access.py:workload_boundary`, named `<name_prefix>-workload-boundary`): the services the stack
uses, in its regions, and no IAM beyond handing the stack's roles to their services. The Deployments role may
create a role, or change its policies, only with that boundary attached (`iam:PermissionsBoundary`), so a role
added here without it would fail at the first deploy. Registering one stack transformation before any resource
makes the rule hold for every role of every tier, including ones not yet written, instead of relying on each
component to remember it.
"""

from __future__ import annotations

import pulumi

from components.context import Region

ROLE_TYPE = "aws:iam/role:Role"


def boundary_arn(name_prefix: str, region: Region) -> pulumi.Output[str]:
    """The ARN of the stack's workload boundary in the region's account (IAM is global: no region in it)."""
    return region.arn("iam", f"policy/{name_prefix}-workload-boundary", regional=False)


def require_permissions_boundary(arn: pulumi.Input[str]) -> None:
    """Set `permissions_boundary` on every role registered from now on (the SDK applies stack transformations
    in the program itself, so the offline render shows the boundary exactly as `pulumi up` sends it)."""

    def transformation(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != ROLE_TYPE:
            return None
        # Always this boundary: a component passing another one would escape the Deployments role's condition.
        return pulumi.ResourceTransformationResult({**args.props, "permissions_boundary": arn}, args.opts)

    pulumi.runtime.register_stack_transformation(transformation)
