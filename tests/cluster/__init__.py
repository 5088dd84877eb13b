"""Several Rasa replicas on shared PostgreSQL and Redis: locks, hopping conversations, failover."""
