"""An account named by its weight rather than its name: "our biggest customer", "我们最大的客户".

The domain resolves it (crm/services/lookup.py: the visible account with the most won value); readers of messages
use the same words to know such a phrase names an account."""
from __future__ import annotations

import re

# "our biggest customer", "我们最大的客户": an account named by its weight, not its name (the most won value)
BIGGEST_CUSTOMER = re.compile(
    r"\b(?:(?:our|my|the)\s+)?(?:biggest|largest|top|most valuable|most important|best)\s+(?:customer|account|client)\b"
    r"|(?:我们|咱们|我)?(?:的)?(?:最大|最重要|贡献最大|营收最高|收入最高|成交额最高|金额最大)的?(?:大)?(?:客户|大客户)", re.I)
