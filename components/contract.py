"""What the tiers agree on, defined once: the ports the services and the data stores listen on, and the keys
that name the services and the applications (#18). A tier that needs one imports it from here; no tier
defines it again."""

WEB_PORT = 80  # nginx in the web image (the React app), behind the load balancer
API_PORT = 8000  # the API image (Laravel), behind the load balancer
HTTPS_PORT = 443  # the load balancer's listener; AWS APIs through the interface endpoints
MYSQL_PORT = 3306  # RDS MySQL, primary and DR replica
REDIS_PORT = 6379  # ElastiCache Redis

SERVICES = ("web", "api", "worker")  # the ECS services, as settings and outputs key them
APPLICATIONS = ("frontend", "backend")  # the images (one ECR repository and one pipeline each)
