"""Secrets tier settings: the application's config secrets (components/secrets.py stores them as parameters).

Stripe's secret key and an optional JWT secret are not settings fields: they are read as Pulumi secrets by
:func:`load_app_secrets` and never pass through a settings model (the JWT secret's generated length is
`operations.jwtSecretLength`, a plain value).
"""

from __future__ import annotations

from dataclasses import dataclass

# Config keys of this tier that hold secrets (`pulumi config set --secret <key>`); listed in settings.SECRET_KEYS.
STRIPE_SECRET_KEY = "stripeSecretKey"
JWT_SECRET_KEY = "jwtSecret"


@dataclass(frozen=True)
class ConfigSecrets:
    """Config secrets of the application, as Pulumi secret outputs (never plain values)."""

    stripe_secret_key: object
    """`pulumi.Output[str]` (secret): Stripe's secret API key, `pulumi config set --secret stripeSecretKey`."""
    jwt_secret: object | None
    """`pulumi.Output[str]` (secret) if `jwtSecret` is configured; None → generated at deploy time."""


# What a preview shows for Stripe's key before anyone has set it (never deployed: an update refuses to run).
UNSET_SECRET_PREVIEW = "not-set-yet"


def load_app_secrets(namespace: str) -> ConfigSecrets:
    """Read the tier's config secrets as secret Outputs (Stripe's key is required, the JWT secret optional).

    Stripe's key comes from whoever holds the Stripe account and is set once per stack with
    `pulumi config set --secret stripeSecretKey` before the first update (docs/operations.md, Secrets). A preview
    runs without it, so a stack can be created, previewed and gated by the pack first; an update refuses to run,
    naming the command, rather than deploy a placeholder."""
    import pulumi

    config = pulumi.Config(namespace)
    stripe = config.get_secret(STRIPE_SECRET_KEY)
    if stripe is None:
        command = (
            f"pulumi config set --secret {STRIPE_SECRET_KEY} <Stripe secret key> -s {pulumi.get_stack()}"
        )
        if not pulumi.runtime.is_dry_run():
            raise pulumi.RunError(
                f"config secret '{namespace}:{STRIPE_SECRET_KEY}' is not set; nothing was changed. Set it "
                f"({command}) and run again (docs/operations.md, Secrets)"
            )
        pulumi.log.warn(
            f"config secret '{namespace}:{STRIPE_SECRET_KEY}' is not set: this preview shows a placeholder and an "
            f"update will refuse to run until it is set ({command})"
        )
        stripe = pulumi.Output.secret(UNSET_SECRET_PREVIEW)
    return ConfigSecrets(stripe_secret_key=stripe, jwt_secret=config.get_secret(JWT_SECRET_KEY))
