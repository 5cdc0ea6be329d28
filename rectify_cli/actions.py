"""The things that can happen to a measure, and what a clerk calls them."""

from __future__ import annotations

from typing import Literal, get_args

Action = Literal[
    "close", "reopen", "assign", "progress", "extend", "review", "void", "amend", "accept", "reject"
]  # new actions go last: an action's place is its code in cached indexes
ACTIONS: tuple[Action, ...] = get_args(Action)  # the index of an action is its code in the index

ACTION_LABELS: dict[str, str] = {
    "close": "销号",
    "reopen": "重新打开(反弹)",
    "assign": "指定责任人",
    "progress": "进展",
    "extend": "延期",
    "review": "复查",
    "void": "撤销记录",
    "amend": "修订方案",
    "accept": "验收通过",
    "reject": "退回",
}
