"""Carry over the plaintext tokens of ``rest_framework.authtoken`` as hashed API tokens.

Existing integrations (and the workers' grader token) keep working with the same
secret; the plaintext rows are then deleted. The ``authtoken`` app is no longer
installed, so its table is read by name, and only where it exists.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import timezone

PLAINTEXT_TABLE = "authtoken_token"
MIGRATED_NAME = "token from before hashing"
# A migrated user token expires like a new one; the grader's never does.
MIGRATED_LIFETIME = timedelta(days=90)


def hash_plaintext_tokens(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if PLAINTEXT_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("apitokens", "ApiToken")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    graders = set(
        User.objects.filter(groups__name=settings.ACTQUIZ_GRADER_GROUP).values_list("pk", flat=True)
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {PLAINTEXT_TABLE}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if ApiToken.objects.filter(digest=digest).exists():
            continue
        ApiToken.objects.create(
            user_id=user_id,
            name="grader" if user_id in graders else MIGRATED_NAME,
            prefix=key[:8],
            digest=digest,
            created_at=created or now,
            expires_at=None if user_id in graders else now + MIGRATED_LIFETIME,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PLAINTEXT_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("apitokens", "0001_api_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop)]
