"""Copies of the Slack request shapes in ``../shared/slack-payloads/``.

They are embedded here so that tests also run where that folder is absent;
``tests/test_slack_fake.py`` checks that the copies still match it when present.
Treat every constant as read-only: the builders in ``slack_fake`` deep-copy them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHARED_PAYLOADS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "slack-payloads"

# app_mention_event_callback.json
APP_MENTION_EVENT_CALLBACK: dict[str, Any] = {
    "team_id": "T0G9PQBBK",
    "api_app_id": "A111",
    "event": {
        "type": "app_mention",
        "text": "<@U111> hey",
        "user": "U222",
        "ts": "1678252212.229129",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "BCCO",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "user", "user_id": "U111"},
                            {"type": "text", "text": " hey"},
                        ],
                    }
                ],
            }
        ],
        "team": "T0G9PQBBK",
        "channel": "C111",
        "event_ts": "1678252212.229129",
    },
    "type": "event_callback",
    "event_id": "Ev04SPP46R6J",
    "event_time": 1678252212,
    "authorizations": [
        {
            "enterprise_id": None,
            "team_id": "T0G9PQBBK",
            "user_id": "U111",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ],
    "is_ext_shared_channel": False,
    "event_context": "4-xxx",
}

# block_actions_payload.json (button on a bot message)
BLOCK_ACTIONS_PAYLOAD: dict[str, Any] = {
    "type": "block_actions",
    "user": {"id": "U111"},
    "api_app_id": "A111",
    "container": {
        "type": "message",
        "message_ts": "1678252213.679169",
        "channel_id": "C111",
        "is_ephemeral": False,
    },
    "trigger_id": "4916855695380.xxx.yyy",
    "team": {"id": "T0G9PQBBK"},
    "enterprise": None,
    "is_enterprise_install": False,
    "channel": {"id": "C111"},
    "message": {
        "bot_id": "B111",
        "type": "message",
        "text": "This is a section block with a button.",
        "user": "U222",
        "ts": "1678252213.679169",
        "app_id": "A111",
        "blocks": [
            {
                "type": "section",
                "block_id": "8KR",
                "text": {
                    "type": "mrkdwn",
                    "text": "This is a section block with a button.",
                    "verbatim": False,
                },
                "accessory": {
                    "type": "button",
                    "action_id": "button",
                    "text": {"type": "plain_text", "text": "Click Me"},
                    "value": "clicked",
                },
            }
        ],
        "team": "T0G9PQBBK",
    },
    "state": {"values": {}},
    "response_url": "http://localhost:8888/webhook",
    "actions": [
        {
            "action_id": "button",
            "block_id": "8KR",
            "text": {"type": "plain_text", "text": "Click Me"},
            "value": "clicked",
            "type": "button",
            "action_ts": "1678252216.469172",
        }
    ],
}

# block_actions_ephemeral_button.json; block_actions_form_body.txt is this dict encoded as
# "payload=" + urllib.parse.quote(json.dumps(BLOCK_ACTIONS_EPHEMERAL_BUTTON)).
BLOCK_ACTIONS_EPHEMERAL_BUTTON: dict[str, Any] = {
    "type": "block_actions",
    "user": {"id": "W111", "username": "primary-owner", "name": "primary-owner", "team_id": "T111"},
    "api_app_id": "A111",
    "token": "verification_token",
    "container": {
        "type": "message",
        "message_ts": "111.222",
        "channel_id": "C111",
        "is_ephemeral": True,
    },
    "trigger_id": "111.222.valid",
    "team": {
        "id": "T111",
        "domain": "workspace-domain",
        "enterprise_id": "E111",
        "enterprise_name": "Sandbox Org",
    },
    "channel": {"id": "C111", "name": "test-channel"},
    "response_url": "https://hooks.slack.com/actions/T111/111/random-value",
    "actions": [
        {
            "action_id": "a",
            "block_id": "b",
            "text": {"type": "plain_text", "text": "Button", "emoji": True},
            "value": "click_me_123",
            "type": "button",
            "action_ts": "1596530385.194939",
        }
    ],
}

# slash_command_form_body.txt, decoded (the body is urllib.parse.urlencode of these fields)
SLASH_COMMAND_FIELDS: dict[str, str] = {
    "token": "verification_token",
    "team_id": "T111",
    "team_domain": "test-domain",
    "channel_id": "C111",
    "channel_name": "random",
    "user_id": "W111",
    "user_name": "primary-owner",
    "command": "/hello-world",
    "text": "Hi",
    "enterprise_id": "E111",
    "enterprise_name": "Org Name",
    "response_url": "https://hooks.slack.com/commands/T111/111/xxxxx",
    "trigger_id": "111.111.xxx",
}

# socket_mode_envelope_app_mention.json
SOCKET_MODE_ENVELOPE_APP_MENTION: dict[str, Any] = {
    "envelope_id": "cda4159a-72a5-4744-aba3-4d66eb52682b",
    "payload": {
        "token": "verification-token",
        "team_id": "T111",
        "api_app_id": "A111",
        "event": {
            "client_msg_id": "f0582a78-72db-4feb-b2f3-1e47d66365c8",
            "type": "app_mention",
            "text": "<@U111>",
            "user": "U222",
            "ts": "1610241741.000200",
            "team": "T111",
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": "Sesm",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "user", "user_id": "U111"}],
                        }
                    ],
                }
            ],
            "channel": "C111",
            "event_ts": "1610241741.000200",
        },
        "type": "event_callback",
        "event_id": "Ev111",
        "event_time": 1610241741,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T111",
                "user_id": "U222",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "1-app_mention-T111-C111",
    },
    "type": "events_api",
    "accepts_response_payload": False,
    "retry_attempt": 0,
    "retry_reason": "",
}

# socket_mode_envelope_slash_command.json
SOCKET_MODE_ENVELOPE_SLASH_COMMAND: dict[str, Any] = {
    "envelope_id": "1d3c79ab-0ffb-41f3-a080-d19e85f53649",
    "payload": {
        "token": "verification-token",
        "team_id": "T111",
        "team_domain": "xxx",
        "channel_id": "C111",
        "channel_name": "random",
        "user_id": "U111",
        "user_name": "testxyz",
        "command": "/hello-socket-mode",
        "text": "",
        "api_app_id": "A111",
        "response_url": "https://hooks.slack.com/commands/T111/111/xxx",
        "trigger_id": "111.222.xxx",
    },
    "type": "slash_commands",
    "accepts_response_payload": True,
}

# File name in SHARED_PAYLOADS_DIR -> embedded copy (for the drift check).
JSON_FILES: dict[str, dict[str, Any]] = {
    "app_mention_event_callback.json": APP_MENTION_EVENT_CALLBACK,
    "block_actions_payload.json": BLOCK_ACTIONS_PAYLOAD,
    "block_actions_ephemeral_button.json": BLOCK_ACTIONS_EPHEMERAL_BUTTON,
    "socket_mode_envelope_app_mention.json": SOCKET_MODE_ENVELOPE_APP_MENTION,
    "socket_mode_envelope_slash_command.json": SOCKET_MODE_ENVELOPE_SLASH_COMMAND,
}
