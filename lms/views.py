"""LTI endpoints and the instructor's LMS page: thin views over lms services.

Login and launch receive cross-site form posts from the LMS, so they are exempt from
CSRF; the signed state and the single-use nonce protect them instead.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exercises import access
from exercises.models import Exercise
from exercises.page_security import CONTENT_SECURITY_POLICY
from lms import framing, keys, protocol, selectors, services
from lms.enqueue import enqueue_delivery
from lms.models import GradeSync, LtiContext
from lms.nrps import roster_sync
from lms.platform_api import PlatformError
from lms.protocol import LaunchError

logger = logging.getLogger(__name__)


def _error_page(request: HttpRequest, error: LaunchError) -> HttpResponse:
    logger.info("LTI refused (%s): %s", error.code, error.message)
    response = render(
        request,
        "lms/error.html",
        {"message": error.message, "code": error.code},
        status=error.status,
    )
    # An error page shows inside the LMS frame, before the launch is trusted to say
    # which platform sent it: any registered platform may frame it, no other site.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return framing.allow_framing(response, framing.registered_origins())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Third-party initiated login: redirect to the platform's auth endpoint."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        url = services.login_redirect({key: params[key] for key in params})
    except LaunchError as error:
        return _error_page(request, error)
    return HttpResponseRedirect(url)


def _platform_origins(registration_issuer: str, auth_login_url: str) -> list[str]:
    return list(
        dict.fromkeys([protocol.origin_of(registration_issuer), protocol.origin_of(auth_login_url)])
    )


@csrf_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The platform's id_token post: validate, sign the user in, land on the exercise."""
    try:
        result = services.launch_validate(
            id_token=request.POST.get("id_token", ""), state=request.POST.get("state", "")
        )
        link = None
        if result.message_type == protocol.RESOURCE_LINK_REQUEST:
            link = services.resource_link_open(result)
    except LaunchError as error:
        return _error_page(request, error)
    user: AbstractBaseUser = result.user
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    origins = _platform_origins(result.registration.issuer, result.registration.auth_login_url)
    request.session[framing.SESSION_KEY] = origins
    if link is None:
        return _deep_link_picker(request, result, origins)
    return redirect(
        "pages:exercise", course_slug=result.context.course.slug, slug=link.exercise.slug
    )


def _deep_link_picker(
    request: HttpRequest, result: services.Launch, origins: list[str]
) -> HttpResponse:
    if not access.can_pick_exercises_from_lms(result.role):
        return _error_page(
            request,
            LaunchError(
                "Only an instructor can add ActQuiz exercises to a course.",
                status=403,
                code="not_instructor",
            ),
        )
    settings_claim = result.claims[protocol.DL_CLAIM + "deep_linking_settings"]
    context = {
        "token": services.deep_link_token(result),
        "exercises": Exercise.objects.filter(published=True).order_by("slug"),
        "multiple": bool(settings_claim.get("accept_multiple", True)),
        "course": result.context.course,
    }
    response = render(request, "lms/deep_link_picker.html", context)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return framing.allow_framing(response, origins)


@csrf_exempt
@require_POST
def deep_link_respond(request: HttpRequest) -> HttpResponse:
    """The instructor's pick: answer the platform with a signed deep-linking response.

    Authorised by the signed request value in the form (not a cookie, which an LMS
    iframe may not send).
    """
    slugs = request.POST.getlist("exercise")
    if not slugs:
        return _error_page(request, LaunchError("Pick at least one exercise.", code="no_pick"))
    try:
        response_message = services.deep_link_respond(
            token=request.POST.get("deep_link", ""), slugs=slugs
        )
    except LaunchError as error:
        return _error_page(request, error)
    response = render(
        request,
        "lms/deep_link_return.html",
        {"return_url": response_message.return_url, "jwt": response_message.jwt},
    )
    target = protocol.origin_of(response_message.return_url)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {target}"
    )
    return framing.allow_framing(response, [target])


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, for platforms verifying its signed messages."""
    response = JsonResponse(keys.tool_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
@login_required(login_url="pages:login")
def course_lms(request: HttpRequest, slug: str) -> HttpResponse:
    """Show an instructor the course's LMS links, grade deliveries and their attempts."""
    course = access.access_managed_course(request.user, slug, conceal=True)
    context = {
        "course": course,
        "contexts": selectors.course_contexts(course),
        "syncs": selectors.course_grade_syncs(course),
        "notice": request.GET.get("notice", ""),
    }
    return render(request, "lms/course_lms.html", context)


@require_POST
@login_required(login_url="pages:login")
def send_again(request: HttpRequest, slug: str, sync_id: int) -> HttpResponse:
    """Queue a forced delivery of one student's current score."""
    course = access.access_managed_course(request.user, slug, conceal=True)
    sync = get_object_or_404(GradeSync, pk=sync_id, resource_link__context__course=course)
    queued = enqueue_delivery(sync.pk, force=True)
    notice = "queued" if queued else "broker-down"
    return redirect(reverse("lms:course", args=[course.slug]) + f"?notice={notice}")


@require_POST
@login_required(login_url="pages:login")
def sync_roster(request: HttpRequest, slug: str, context_id: int) -> HttpResponse:
    """Pull the LMS roster of one LTI context into the course now."""
    course = access.access_managed_course(request.user, slug, conceal=True)
    context = get_object_or_404(LtiContext, pk=context_id, course=course)
    try:
        result = roster_sync(context=context)
    except PlatformError as exc:
        logger.warning("roster sync for %s failed: %s", context, exc)
        notice = "roster-failed"
    else:
        notice = f"roster-{result.students}-{result.instructors}"
    return redirect(reverse("lms:course", args=[course.slug]) + f"?notice={notice}")
