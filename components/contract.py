"""What the tiers agree on, defined once: the ports the services and the data stores listen on, and the keys
that name the services and the applications (#18). A tier that needs one imports it from here; no tier
defines it again. The typed bundles below are what one tier hands the next: a consuming tier takes the bundle, not
its fields one by one."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

WEB_PORT = 80  # nginx in the web image (the React app), behind the load balancer
API_PORT = 8000  # the API image (Laravel), behind the load balancer
HTTPS_PORT = 443  # the load balancer's listener; AWS APIs through the interface endpoints
MYSQL_PORT = 3306  # RDS MySQL, primary and DR replica
REDIS_PORT = 6379  # ElastiCache Redis

SERVICES = ("web", "api", "worker")  # the ECS services, as settings and outputs key them
APPLICATIONS = ("frontend", "backend")  # the images (one ECR repository and one pipeline each)


@dataclass(frozen=True)
class AppParameters:
    """The application's SSM SecureString parameters in one region (secrets tier), injected into the API and worker
    tasks by ARN (`secrets`/`valueFrom`)."""

    database_url: pulumi.Output[str]
    """`DB_URL`: the database URL without user or password."""
    jwt_secret: pulumi.Output[str]
    """`JWT_SECRET`: the API's JWT signing secret."""
    stripe_secret: pulumi.Output[str]
    """`STRIPE_SECRET`: Stripe's secret API key."""
    app_key: pulumi.Output[str]
    """`APP_KEY`: Laravel's encryption key."""
