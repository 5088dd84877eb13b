"""Custom Rasa NLU graph components of this project (referenced by module path in config.yml)."""
