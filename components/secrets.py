"""Application secrets and parameters: the guide's three SSM SecureString parameters, and their DR copies.

The guide's `parameter-store.tf` builds `/elite-locadora/<env>/database/url` as
`mysql://user:password@host:3306/db`, putting the database password into a second store where it is never
rotated. Here the URL carries neither password nor user: the application user's secret (data tier) holds both,
and its rotation alternates between two users, so a user in the URL would be wrong after every other rotation
(Laravel lets the URL's parts override DB_USERNAME). The JWT signing secret is generated at deploy time unless
the stack configures one; Stripe's secret key comes from a Pulumi config secret. Every value stays a Pulumi
secret, and the key material (the JWT secret and the parameters) is protected in prod.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionContext
from settings.operations import ConfigSecrets

SECURE_STRING = "SecureString"


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
    db_address: pulumi.Input[str]
    """Endpoint address of the primary database."""
    db_port: pulumi.Input[int]
    """Port of the database (3306)."""
    db_name: pulumi.Input[str]
    """Name of the application database."""
    dr: RegionContext
    """The disaster-recovery region, where the parameters are replicated (under its secrets key)."""
    protect: bool = False
    """Protect the generated secret and the parameters from deletion and replacement (prod)."""
    dr_db_address: pulumi.Input[str] | None = None
    """Endpoint of the cross-region read replica; the DR copy of the database URL points at it."""


def database_url(address: str, port: int, name: str) -> str:
    """`mysql://host:port/db`: the guide's URL without the user and password (both come from the rotated
    application user's secret)."""
    return f"mysql://{address}:{port}/{name}"


class AppSecrets(pulumi.ComponentResource):
    database_url_parameter_arn: pulumi.Output[str]
    jwt_secret_parameter_arn: pulumi.Output[str]
    stripe_secret_parameter_arn: pulumi.Output[str]
    parameter_names: list[str]
    dr_parameter_arns: pulumi.Output[list[str]]
    dr_parameter_arn_by_key: dict[str, pulumi.Output[str]]
    """The DR copies by key (`database-url`, `jwt-secret`, `stripe-secret`): what the DR site's tasks inject."""

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:secrets:AppSecrets", name, None, opts)
        self._name, self._args = name, args
        # Key material and the parameters that hold it: a replacement would lose or regenerate it.
        self._child = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)

        jwt = self._jwt_secret()
        url = pulumi.Output.secret(
            pulumi.Output.all(args.db_address, args.db_port, args.db_name).apply(
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
        }
        primary = {
            key: self._parameter(f"{name}-{key}", path, value, text, args.region.keys.secrets, self._child)
            for key, (path, value, text) in values.items()
        }
        self.parameter_names = [f"{args.parameter_prefix}/{path}" for path, _, _ in values.values()]
        self.database_url_parameter_arn = primary["database-url"].arn
        self.jwt_secret_parameter_arn = primary["jwt-secret"].arn
        self.stripe_secret_parameter_arn = primary["stripe-secret"].arn
        self.dr_parameter_arns = self._replicate(values)

        self.register_outputs(
            {
                "database_url_parameter_arn": self.database_url_parameter_arn,
                "jwt_secret_parameter_arn": self.jwt_secret_parameter_arn,
                "stripe_secret_parameter_arn": self.stripe_secret_parameter_arn,
                "dr_parameter_arns": self.dr_parameter_arns,
                "dr_parameter_arn_by_key": self.dr_parameter_arn_by_key,
            }
        )

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

    def _replicate(self, values: dict) -> pulumi.Output[list[str]]:
        """Parameter Store does not replicate across regions: the same SecureStrings are written to the DR
        region, encrypted with that region's key, so a failover finds them in place."""
        args = self._args
        dr_opts = pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(provider=args.dr.provider))
        arns = []
        self.dr_parameter_arn_by_key = {}
        for key, (path, value, text) in values.items():
            if key == "database-url":
                if args.dr_db_address is None:
                    continue
                value = pulumi.Output.secret(
                    pulumi.Output.all(args.dr_db_address, args.db_port, args.db_name).apply(
                        lambda a: database_url(a[0], a[1], a[2])
                    )
                )
                text = "Database URL in the DR region: the cross-region replica, promoted at failover"
            arn = self._parameter(
                f"{self._name}-dr-{key}", path, value, f"{text} (DR copy)", args.dr.keys.secrets, dr_opts
            ).arn
            self.dr_parameter_arn_by_key[key] = arn
            arns.append(arn)
        return pulumi.Output.all(*arns)
