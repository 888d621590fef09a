"""The bot's state: seen events, thread contexts, the question log, feedback."""
