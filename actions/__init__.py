"""rasa-sdk action server package: thin actions over knowledge/."""
