"""Offline stand-ins for AWS: what the engine and the AWS provider would answer, shaped as AWS shapes it.

Every resource gets an id and ARN of its own service, region and account; the computed attributes later
tiers read (endpoints, DNS names, ARN suffixes, repository URLs, generated names) are filled in, so that the
values flowing between tiers look like the real thing. Everything is derived from a hash of the resource's
type and name, so two renders of the same program are byte-for-byte equal.

Attributes a real preview would not know either (a generated password) stay deterministic placeholders;
anything a mock does not return is unknown during the preview, exactly as the CLI shows it.

    runtime.py     AwsMocks (the ``pulumi.runtime.Mocks``): providers' regions, dispatch, first-deploy unknowns
    context.py     the account, deterministic ids, ``Ctx`` (one resource: its ARNs and auto-names)
    resources/     one builder a resource type, one module per AWS service family, each with its type table
    invokes.py     the data sources' answers and their token table
"""

from typing import Any

from tools.mocks.context import ACCOUNT_ID

__all__ = ["ACCOUNT_ID", "AwsMocks"]


def __getattr__(name: str) -> Any:
    # AwsMocks subclasses the SDK's Mocks: loaded on first use, so that a tool that needs only the account
    # (tools/adopt, which runs without the SDK) imports this package without loading pulumi.
    if name == "AwsMocks":
        from tools.mocks.runtime import AwsMocks

        return AwsMocks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
