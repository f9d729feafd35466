"""A changed password revokes the user's API tokens (a leaked password may have made them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from apitokens import services

PASSWORD_CHANGED = "password changed"


def _password_changed(user: Any, update_fields: Any) -> bool:
    if user.pk is None:
        return False
    if update_fields is not None and "password" not in update_fields:
        return False
    old = type(user)._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
    if old is None or old == user.password:
        return False
    # Django re-hashes a password with a stronger hasher at login: the same password
    # under a new hash is no change.
    raw = getattr(user, "_password", None)
    return not (raw is not None and check_password(raw, old))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def note_password_change(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """Remember on the instance whether this save changes the password."""
    instance._actquiz_password_changed = not raw and _password_changed(instance, update_fields)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def revoke_tokens_after_password_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Revoke every live API token of a user whose password just changed."""
    if getattr(instance, "_actquiz_password_changed", False):
        instance._actquiz_password_changed = False
        services.tokens_revoke_for_user(user=instance, reason=PASSWORD_CHANGED)
