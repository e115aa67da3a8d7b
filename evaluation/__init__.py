"""Measuring the bot: how well it answers and what it costs. Figures and gates, not features.

Quality (the gates of tests/gates.yml, run by ``make test``):

- ``nlu.py``: held-out intent macro-F1 by writing style (Rasa environment);
- ``retrieval.py``: hit@1, hit@5, MRR and latency of retrieval on labelled questions;
- ``real_questions.py``: the running bot on questions real citizens wrote;
- ``calibrate.py``: choosing the answer thresholds.

Cost (``make bench``): ``bench/`` — load beside a vanilla Rasa bot, memory, cold start,
retrieval cost and index growth, the serving patches' gains. ``servers.py`` and
``scale_out.py`` start the bot's servers on free ports, for these commands and for the
end-to-end tests. Above ``bot``, ``knowledge`` and ``staff`` (tests/unit/test_layers.py).
"""
