"""The rep's day in Slack: the prep card as Block Kit (header, fields, talking points, deals with scores)."""
from __future__ import annotations

import json

from tests.channel_support import module_tessera  # noqa: F401  (fixture)
from tests.test_channel_slack import LI_WEI, approvals, client, event, post_event, slack_api  # noqa: F401


def test_a_prep_request_in_a_dm_gets_the_card_as_block_kit_and_logs_nothing(client, slack_api, module_tessera):
    from sqlalchemy import func, select

    from crm.models import Activity

    with module_tessera.store.session() as s:
        before = s.scalar(select(func.count()).select_from(Activity))
    post_event(client, event("EvP1", LI_WEI, "prep me for my meeting with Acme Robotics tomorrow", kind="message",
                             channel_type="im"))
    [post] = slack_api.wait_for("/chat.postMessage")
    blocks = post.body["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Acme Robotics"}}
    text = json.dumps(blocks, ensure_ascii=False)
    assert "*talking points*" in text and "D-2056" in text and "%" in text  # deals carry their win chance
    assert "*who we meet* (2)" in text
    with module_tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == before
