"""Retrieval and answering from the content (content/, or the served copy CONTENT_DIR):
policy tables, FAQ and document retrieval, the answerer, the advisor and calculators.
``build/`` builds the search index (above the answering code); ``embedding/`` runs the e5
model. Imports ``vntext`` and ``contentdir``, never the Rasa side.
"""
