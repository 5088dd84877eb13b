"""Stores that let several Rasa replicas share conversations safely (see lock_store.py)."""
