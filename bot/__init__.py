"""The Rasa side of Trợ lý Tín dụng Chính sách: ``stores/`` (what it keeps), ``nlu/`` (graph
components), ``channels/`` (the guard and the channels), ``patches/`` (serving patches),
and the commands that serve (``serve.py``), train (``train_if_changed.py``) and chat
(``terminal_chat.py``). Imports ``vntext`` and ``contentdir``, never ``knowledge``.
"""
