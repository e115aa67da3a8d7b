"""rasa-sdk action server package: thin actions over knowledge/.

The knowledge base is loaded when the action server imports this package, before it
accepts requests, so no citizen's question pays for loading it.
"""

from actions import knowledge_service

knowledge_service.warm_up()
