"""Who may change a lead or opportunity (PRODUCT.md §7)."""

from __future__ import annotations

from collections.abc import Collection


def may_change(
    *, user_id: str, is_admin: bool, owner_id: str, owner_manager_id: str | None, shared_with: Collection[str]
) -> bool:
    """The owner, the users it is shared with, the owner's manager and admins; nobody else."""
    return is_admin or user_id in (owner_id, owner_manager_id) or user_id in shared_with
