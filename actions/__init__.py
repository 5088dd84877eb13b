"""Custom actions for the IS-K explainer assistant (served by ``rasa run actions``)."""
