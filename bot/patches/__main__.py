"""``python -m bot.patches``: the serving patches, and whether each applies to the installed versions."""

from bot.patches import describe

print(describe())
