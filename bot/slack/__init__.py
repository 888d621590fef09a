"""The Slack transport, split the way bolt-python splits itself.

``app`` builds the Bolt app; ``middleware`` holds the global middleware every request
passes before a listener (retries and duplicates, allowed channels, bot messages);
``listeners`` has one small method per event, command and action; ``render`` is the
Block Kit; ``runners`` serves it over HTTP (waitress) or Socket Mode. ``guard`` checks
HTTP requests before Bolt sees them, ``outbox`` queues every outgoing post,
``socket_client`` is the Socket Mode connection, ``threads`` decides which thread
replies are for the bot, ``feedback`` is what a 👍/👎 button carries.
Only this package imports slack_bolt, slack_sdk.socket_mode and waitress.
"""
