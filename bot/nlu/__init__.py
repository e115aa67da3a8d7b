"""Custom Rasa NLU graph components for Vietnamese."""
