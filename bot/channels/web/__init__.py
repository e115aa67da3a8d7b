"""The web chat widget: its Rasa input channel (``channel.py``) and files (``static/``)."""

from bot.channels.web.channel import WebChatInput

__all__ = ["WebChatInput"]
