"""Application secrets and parameters: the guide's three SSM SecureString parameters, Laravel's APP_KEY, and their
DR copies.

The guide's `parameter-store.tf` builds `/elite-locadora/<env>/database/url` as
`mysql://user:password@host:3306/db`, putting the database password into a second store where it is never
rotated. Here the URL carries neither password nor user: the application user's secret (data tier) holds both,
and its rotation alternates between two users, so a user in the URL would be wrong after every other rotation
(Laravel lets the URL's parts override DB_USERNAME). The JWT signing secret is generated at deploy time unless
the stack configures one; Stripe's secret key comes from a Pulumi config secret; APP_KEY, which the guide forgets,
is generated once. Every value stays a Pulumi secret, and the key material (the JWT secret, APP_KEY and the
parameters) is protected in prod.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionContext
from components.contract import AppParameters, Database
from settings.secrets import ConfigSecrets

SECURE_STRING = "SecureString"

# APP_KEY and its DR copy were created by the compute tier (its component `compute`) until #18 moved them here, with
# the other parameters. They keep their logical names, and an alias names their old parent, so that `pulumi up` on an
# existing stack moves them in its state instead of replacing them: a replaced APP_KEY would be a new key, and every
# cookie, session and `encrypted` column written with the old one unreadable.
APP_KEY_FORMER_PARENT = "compute"
APP_KEY_FORMER_PARENT_TYPE = "elite-locadora:compute:Compute"


@dataclass
class AppSecretsArgs:
    parameter_prefix: str
    """Path every parameter lives under, `/elite-locadora/<env>` (the guide's naming)."""
    config_secrets: ConfigSecrets
    """Stripe's secret key and the optional configured JWT secret, as Pulumi secret outputs."""
    jwt_secret_length: int
    """Length of the JWT secret generated when none is configured."""
    region: RegionContext
    """The primary region: its secrets key encrypts the SecureString parameters."""
    database: Database
    """The primary database (data tier): the database URL names its address, port and schema."""
    dr: RegionContext
    """The disaster-recovery region, where the parameters are replicated (under its secrets key)."""
    protect: bool = False
    """Protect the generated secret and the parameters from deletion and replacement (prod)."""
    dr_database: Database | None = None
    """The cross-region read replica (data tier); the DR copy of the database URL points at it."""


def database_url(address: str, port: int, name: str) -> str:
    """`mysql://host:port/db`: the guide's URL without the user and password (both come from the rotated
    application user's secret)."""
    return f"mysql://{address}:{port}/{name}"


class AppSecrets(pulumi.ComponentResource):
    parameters: AppParameters
    """The parameters the primary region's tasks inject."""
    dr_parameters: AppParameters | None
    """Their DR copies, what the DR site's tasks inject (None without a DR replica for the database URL to name)."""

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:secrets:AppSecrets", name, None, opts)
        self._name, self._args = name, args
        # Key material and the parameters that hold it: a replacement would lose or regenerate it.
        self._child = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)

        jwt = self._jwt_secret()
        url = pulumi.Output.secret(
            pulumi.Output.all(args.database.address, args.database.port, args.database.name).apply(
                lambda a: database_url(a[0], a[1], a[2])
            )
        )
        values = {
            "database-url": (
                "database/url",
                url,
                "Database URL for the API (no user or password: see the application user's secret)",
            ),
            "jwt-secret": ("app/jwt-secret", jwt, "JWT signing secret of the API"),
            "stripe-secret": (
                "payments/stripe-secret",
                pulumi.Output.secret(args.config_secrets.stripe_secret_key),
                "Stripe secret API key",
            ),
            "app-key": ("app/key", self._app_key(), "Laravel APP_KEY (AES-256-CBC)"),
        }
        primary = {
            key: self._parameter(
                self._resource_name(key, ""),
                path,
                value,
                text,
                args.region.keys.secrets,
                self._opts(key, self._child),
            ).arn
            for key, (path, value, text) in values.items()
        }
        self.parameters = _parameters(primary)
        dr = self._replicate(values)
        self.dr_parameters = _parameters(dr) if "database-url" in dr else None

        self.register_outputs(
            {
                **{f"{key}_parameter_arn": arn for key, arn in primary.items()},
                **{f"dr_{key}_parameter_arn": arn for key, arn in dr.items()},
            }
        )

    def _resource_name(self, key: str, where: str) -> str:
        """`<name>-<where><key>`, but APP_KEY's parameters keep the names they had under compute."""
        owner = APP_KEY_FORMER_PARENT if key == "app-key" else self._name
        return f"{owner}-{where}{key}"

    def _opts(self, key: str, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        if key != "app-key":
            return opts
        return pulumi.ResourceOptions.merge(opts, _moved_from_compute())

    def _app_key(self) -> pulumi.Output[str]:
        """Laravel refuses to boot without APP_KEY (it encrypts cookies, sessions and `encrypted` casts); the guide
        forgets it. 32 random characters, generated once and kept in state (a new key would make every encrypted
        value unreadable)."""
        value = random.RandomPassword(
            f"{APP_KEY_FORMER_PARENT}-app-key-value",
            length=32,
            special=False,
            opts=pulumi.ResourceOptions.merge(self._child, _moved_from_compute()),
        )
        return pulumi.Output.secret(value.result)

    def _jwt_secret(self) -> pulumi.Output[str]:
        configured = self._args.config_secrets.jwt_secret
        if configured is not None:
            return pulumi.Output.secret(configured)
        # Generated once at the first deploy and kept in state (as a secret); replaced only if this resource is.
        generated = random.RandomPassword(
            f"{self._name}-jwt-secret-value",
            length=self._args.jwt_secret_length,
            special=False,
            opts=self._child,
        )
        return pulumi.Output.secret(generated.result)

    def _parameter(
        self,
        resource_name: str,
        path: str,
        value: pulumi.Input[str],
        description: str,
        key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> aws.ssm.Parameter:
        return aws.ssm.Parameter(
            resource_name,
            name=f"{self._args.parameter_prefix}/{path}",
            type=SECURE_STRING,
            key_id=key_arn,
            value=value,
            description=description,
            tier="Standard",
            tags={"Purpose": path},
            opts=opts,
        )

    def _replicate(self, values: dict) -> dict[str, pulumi.Output[str]]:
        """Parameter Store does not replicate across regions: the same SecureStrings are written to the DR
        region, encrypted with that region's key, so a failover finds them in place."""
        args = self._args
        dr_opts = pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(provider=args.dr.provider))
        arns = {}
        for key, (path, value, text) in values.items():
            if key == "database-url":
                if args.dr_database is None:
                    continue
                value = pulumi.Output.secret(
                    pulumi.Output.all(
                        args.dr_database.address, args.dr_database.port, args.dr_database.name
                    ).apply(lambda a: database_url(a[0], a[1], a[2]))
                )
                text = "Database URL in the DR region: the cross-region replica, promoted at failover"
            arns[key] = self._parameter(
                self._resource_name(key, "dr-"),
                path,
                value,
                f"{text} (DR copy)",
                args.dr.keys.secrets,
                self._opts(key, dr_opts),
            ).arn
        return arns


def _moved_from_compute() -> pulumi.ResourceOptions:
    """The alias of a resource the compute tier created before #18 (same name, the `compute` component as parent)."""
    former_parent = pulumi.create_urn(APP_KEY_FORMER_PARENT, APP_KEY_FORMER_PARENT_TYPE)
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=former_parent)])


def _parameters(arns: dict[str, pulumi.Output[str]]) -> AppParameters:
    return AppParameters(
        database_url=arns["database-url"],
        jwt_secret=arns["jwt-secret"],
        stripe_secret=arns["stripe-secret"],
        app_key=arns["app-key"],
    )
