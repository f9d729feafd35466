from django.contrib import admin

from lms.models import (
    Deployment,
    GradeSync,
    LtiContext,
    LtiUser,
    PassbackAttempt,
    Registration,
    ResourceLink,
    ToolKey,
)


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("issuer", "client_id", "course", "created_at")
    fields = (
        "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url", "course",
    )  # fmt: skip
    inlines = [DeploymentInline]


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "created_at", "retire_at")
    # The private key never shows in the admin.
    fields = ("kid", "public_jwk", "created_at", "retire_at")
    readonly_fields = ("kid", "public_jwk", "created_at")


@admin.register(LtiContext)
class LtiContextAdmin(admin.ModelAdmin):
    list_display = ("title", "context_id", "registration", "course", "roster_synced_at")


@admin.register(ResourceLink)
class ResourceLinkAdmin(admin.ModelAdmin):
    list_display = ("resource_link_id", "title", "exercise", "context", "lineitem_url")


@admin.register(LtiUser)
class LtiUserAdmin(admin.ModelAdmin):
    list_display = ("sub", "registration", "user")
    search_fields = ("sub", "user__username")


class PassbackAttemptInline(admin.TabularInline):
    model = PassbackAttempt
    extra = 0
    readonly_fields = ("at", "url", "http_status", "body_excerpt", "score", "ok")


@admin.register(GradeSync)
class GradeSyncAdmin(admin.ModelAdmin):
    list_display = ("lti_user", "resource_link", "delivered_at", "last_error")
    inlines = [PassbackAttemptInline]
