"""Vietnamese text: folding and normalisation, the domain lexicon, personal-data masking,
diacritic restoration and reply wording shared by the channels and the answerer.

The lowest layer: imported by ``bot`` (Rasa side), ``knowledge`` (answering) and the
staff app, it imports none of them, nor Rasa or torch (tests/unit/test_layers.py).
"""
