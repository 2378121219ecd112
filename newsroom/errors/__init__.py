"""Error pages that help, and strange input answered with a 4xx instead of a 500."""
