"""A campaign's state changes, each one conditional ``UPDATE`` (``WHERE state = …``).

So a launch clicked twice, a pause racing a resume, or two batch jobs finishing
a launch at once change the campaign once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from plugins.campaigns.models import Campaign


def transition(db: Any, campaign: Campaign, old: Sequence[str], **values: Any) -> bool:
    """Move ``campaign`` out of one of the ``old`` states; False when it was not in one."""
    moved = db.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.state.in_(list(old)))
        .values(version=Campaign.version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(campaign)
    return bool(moved)
