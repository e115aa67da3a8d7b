"""Where the Rasa side keeps things: conversations (tracker store), conversation locks,
what the channels remember per citizen (shared state), approved announcements and
Zalo followers, and the private SQLite files and tokens under them; the retention job
that deletes old conversations. Imports nothing of the channels or the NLU components.
"""
