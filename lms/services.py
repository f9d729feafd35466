"""LTI writes: registrations, login initiation, launches (users, courses, links), deep links."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from exercises.models import Course, CourseExercise, Exercise, Membership
from lms import keys, protocol
from lms.models import (
    Deployment,
    GradeSync,
    LaunchNonce,
    LtiContext,
    LtiUser,
    Registration,
    ResourceLink,
)
from lms.protocol import CLAIM, DL_CLAIM, LaunchError

_STATE_SALT = "lms.launch-state"
_DEEP_LINK_SALT = "lms.deep-link"


def public_url(path: str) -> str:
    """Return the absolute URL of ``path`` on the site's public base URL."""
    return settings.ACTQUIZ_PUBLIC_URL.rstrip("/") + path


def tool_urls() -> dict[str, Any]:
    """Return the values a platform's administrator pastes into the LMS."""
    launch_url = public_url(reverse("lms:launch"))
    deep_link_url = public_url(reverse("lms:deep_link_launch"))
    return {
        "login_url": public_url(reverse("lms:login")),
        "redirect_uris": [launch_url, deep_link_url],
        "launch_url": launch_url,
        "deep_link_url": deep_link_url,
        "jwks_url": public_url(reverse("lms:jwks")),
    }


def registration_upsert(
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_id: str,
) -> tuple[Registration, bool]:
    """Create or update the platform registration (issuer, client id) and its deployment.

    Returns ``(registration, created)``.
    """
    with transaction.atomic():
        registration, created = Registration.objects.update_or_create(
            issuer=issuer,
            client_id=client_id,
            defaults={
                "auth_login_url": auth_login_url,
                "auth_token_url": auth_token_url,
                "key_set_url": key_set_url,
            },
        )
        Deployment.objects.get_or_create(registration=registration, deployment_id=deployment_id)
    keys.signing_key()
    return registration, created


def _registration_for_login(issuer: str, client_id: str) -> Registration:
    candidates = Registration.objects.filter(issuer=issuer)
    if client_id:
        candidates = candidates.filter(client_id=client_id)
    found = list(candidates[:2])
    if not found:
        raise LaunchError(
            f"No platform is registered for issuer {issuer!r}"
            + (f" and client id {client_id!r}." if client_id else "."),
            status=403,
            code="unknown_platform",
        )
    if len(found) > 1:
        raise LaunchError(
            "Several registrations share this issuer; the login must name the client id.",
            code="ambiguous_platform",
        )
    return found[0]


def login_redirect(params: dict[str, str]) -> str:
    """Answer an OIDC login initiation: return the platform's auth URL to redirect to.

    The launch state travels in the redirect as a signed value (no cookie is needed,
    so the launch works in an iframe whose third-party cookies are blocked); its nonce
    is also stored server-side so the launch can use it only once.
    Raises ``LaunchError`` for a missing parameter or an unknown platform.
    """
    issuer = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    target = params.get("target_link_uri", "")
    if not issuer or not login_hint or not target:
        raise LaunchError(
            "Login initiation needs iss, login_hint and target_link_uri.", code="bad_login"
        )
    registration = _registration_for_login(issuer, params.get("client_id", ""))
    deployment_id = params.get("lti_deployment_id")
    if deployment_id and not registration.deployments.filter(deployment_id=deployment_id):
        raise LaunchError(
            f"Deployment {deployment_id!r} is not registered for this platform.",
            status=403,
            code="unknown_deployment",
        )
    urls = tool_urls()
    # The redirect_uri must match a registered one exactly: use the target when it is one.
    redirect_uri = target if target in urls["redirect_uris"] else urls["launch_url"]
    nonce = protocol.new_nonce()
    LaunchNonce.objects.filter(
        created_at__lt=timezone.now() - timedelta(seconds=settings.ACTQUIZ_LTI_STATE_MAX_AGE)
    ).delete()
    LaunchNonce.objects.create(value=nonce, registration=registration)
    state = signing.dumps({"r": registration.pk, "n": nonce}, salt=_STATE_SALT)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if "lti_message_hint" in params:
        # Passed back unchanged: Moodle uses it to find the launch it started.
        query["lti_message_hint"] = params["lti_message_hint"]
    return protocol.with_query(registration.auth_login_url, **query)


@dataclass(frozen=True)
class Launch:
    """A validated launch: who, where, and what they asked for."""

    claims: dict[str, Any]
    registration: Registration
    user: AbstractBaseUser
    context: LtiContext
    role: str

    @property
    def message_type(self) -> str:
        return self.claims[CLAIM + "message_type"]


def _consume_state(state: str) -> tuple[Registration, str]:
    try:
        data = signing.loads(state, salt=_STATE_SALT, max_age=settings.ACTQUIZ_LTI_STATE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LaunchError(
            "The login took too long; launch again from the LMS.", status=401, code="stale_state"
        ) from exc
    except signing.BadSignature as exc:
        raise LaunchError(
            "The launch state is missing or was not issued by this tool.",
            status=401,
            code="bad_state",
        ) from exc
    registration = Registration.objects.filter(pk=data["r"]).first()
    if registration is None:
        raise LaunchError("The platform is no longer registered.", status=403)
    return registration, data["n"]


def _user_for(registration: Registration, claims: dict[str, Any]) -> AbstractBaseUser:
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub:
        raise LaunchError("The id_token's sub must be a non-empty string.", code="bad_sub")
    return lti_user_get_or_create(
        registration=registration,
        sub=sub,
        given_name=str(claims.get("given_name") or ""),
        family_name=str(claims.get("family_name") or ""),
        email=str(claims.get("email") or ""),
    ).user


def lti_user_get_or_create(
    *, registration: Registration, sub: str, given_name: str, family_name: str, email: str
) -> LtiUser:
    """Return the LTI identity (issuer, sub), creating its ActQuiz user on first sight.

    Names and e-mail are copied for display only; the e-mail never identifies anyone.
    """
    identity = (
        LtiUser.objects.select_related("user").filter(registration=registration, sub=sub).first()
    )
    if identity is None:
        digest = hashlib.sha256(f"{registration.issuer}\n{sub}".encode()).hexdigest()[:24]
        users = get_user_model()
        try:
            with transaction.atomic():
                user = users.objects.create_user(f"lti-{digest}")
                identity = LtiUser.objects.create(registration=registration, sub=sub, user=user)
        except IntegrityError:
            identity = LtiUser.objects.select_related("user").get(
                registration=registration, sub=sub
            )
    user = identity.user
    fields = {"first_name": given_name[:150], "last_name": family_name[:150], "email": email[:254]}
    changed = [name for name, value in fields.items() if value and getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=changed)
    return identity


def _course_for_context(registration: Registration, context_id: str, title: str) -> Course:
    if registration.course_id is not None:
        return registration.course
    base = slugify(title)[:40] or "lti"
    digest = hashlib.sha256(f"{registration.pk}\n{context_id}".encode()).hexdigest()[:8]
    course, _ = Course.objects.get_or_create(
        slug=f"{base}-{digest}", defaults={"title": title or f"LMS course {context_id}"}
    )
    return course


def _context_for(registration: Registration, claims: dict[str, Any]) -> LtiContext:
    claim = claims.get(CLAIM + "context")
    if not isinstance(claim, dict) or not claim.get("id"):
        raise LaunchError(
            "The launch carries no LTI context (course); launch from inside a course.",
            code="no_context",
        )
    context_id = str(claim["id"])
    title = str(claim.get("title") or claim.get("label") or "")[:200]
    ags = claims.get(protocol.AGS_CLAIM) if isinstance(claims.get(protocol.AGS_CLAIM), dict) else {}
    nrps = claims.get(protocol.NRPS_CLAIM)
    nrps = nrps if isinstance(nrps, dict) else {}
    with transaction.atomic():
        context = (
            LtiContext.objects.select_for_update()
            .filter(registration=registration, context_id=context_id)
            .first()
        )
        if context is None:
            context = LtiContext(
                registration=registration,
                context_id=context_id,
                course=_course_for_context(registration, context_id, title),
            )
        context.title = title or context.title
        context.deployment_id = claims[CLAIM + "deployment_id"]
        context.lineitems_url = str(ags.get("lineitems") or context.lineitems_url)
        context.memberships_url = str(
            nrps.get("context_memberships_url") or context.memberships_url
        )
        context.save()
    return context


def membership_set(*, user: AbstractBaseUser, course: Course, instructor: bool) -> str:
    """Give ``user`` the student or instructor role in ``course``; a grader keeps theirs.

    Returns the role the user now has.
    """
    role = Membership.Role.INSTRUCTOR if instructor else Membership.Role.STUDENT
    membership, created = Membership.objects.get_or_create(
        user=user, course=course, defaults={"role": role}
    )
    if not created and membership.role != role and membership.role != Membership.Role.GRADER:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership.role


def launch_validate(*, id_token: str, state: str) -> Launch:
    """Validate a launch (the platform's form post) and sign its user into the course.

    Checks, in order: the state was issued by this tool, the token's signature against
    the platform's JWKS, iss, aud/azp, exp/iat, version, message type, the deployment,
    and that the nonce matches the state and was not used before (it is consumed).
    Creates or updates the user (by issuer and sub), the course for the LTI context
    and the membership. Raises ``LaunchError``.
    """
    if not id_token:
        raise LaunchError("The launch carries no id_token.", code="no_id_token")
    registration, state_nonce = _consume_state(state)
    claims = protocol.validate_id_token(
        id_token,
        issuer=registration.issuer,
        client_id=registration.client_id,
        public_key_for=lambda kid: keys.platform_public_key(registration, kid),
        now=time.time(),
        leeway=settings.ACTQUIZ_LTI_LEEWAY_SECONDS,
    )
    deployment_id = claims[CLAIM + "deployment_id"]
    if not registration.deployments.filter(deployment_id=deployment_id).exists():
        raise LaunchError(
            f"Deployment {deployment_id!r} is not registered for this platform.",
            status=403,
            code="unknown_deployment",
        )
    if claims["nonce"] != state_nonce:
        raise LaunchError(
            "The id_token's nonce does not belong to this login.", status=401, code="bad_nonce"
        )
    used, _ = LaunchNonce.objects.filter(value=state_nonce, registration=registration).delete()
    if not used:
        raise LaunchError(
            "This launch was already used; launch again from the LMS.",
            status=409,
            code="replayed_nonce",
        )
    user = _user_for(registration, claims)
    context = _context_for(registration, claims)
    role = membership_set(
        user=user,
        course=context.course,
        instructor=protocol.is_instructor(claims.get(CLAIM + "roles")),
    )
    return Launch(claims=claims, registration=registration, user=user, context=context, role=role)


def _exercise_for_link(launch: Launch, link_id: str) -> Exercise:
    custom = launch.claims.get(CLAIM + "custom")
    slug = str(custom.get("exercise") or "") if isinstance(custom, dict) else ""
    if slug:
        exercise = Exercise.objects.filter(slug=slug).first()
        if exercise is None:
            raise LaunchError(
                f"This link names exercise {slug!r}, which ActQuiz does not have.",
                status=404,
                code="unknown_exercise",
            )
        return exercise
    existing = (
        ResourceLink.objects.select_related("exercise")
        .filter(context=launch.context, resource_link_id=link_id)
        .first()
    )
    if existing is None:
        raise LaunchError(
            "This link names no exercise: add it by deep linking, or set the custom "
            "parameter exercise=<slug> on the link in the LMS.",
            code="no_exercise",
        )
    return existing.exercise


def resource_link_open(launch: Launch) -> ResourceLink:
    """Record the launched resource link, its exercise (joining the course) and line item.

    A student's launch also prepares their grade sync row, so the instructor sees them.
    """
    claim = launch.claims[CLAIM + "resource_link"]
    link_id = str(claim["id"])
    exercise = _exercise_for_link(launch, link_id)
    ags = launch.claims.get(protocol.AGS_CLAIM)
    lineitem = str(ags.get("lineitem") or "") if isinstance(ags, dict) else ""
    CourseExercise.objects.get_or_create(
        course=launch.context.course,
        exercise=exercise,
        defaults={"position": CourseExercise.objects.filter(course=launch.context.course).count()},
    )
    with transaction.atomic():
        link, _ = ResourceLink.objects.select_for_update().get_or_create(
            context=launch.context,
            resource_link_id=link_id,
            defaults={"exercise": exercise},
        )
        link.exercise = exercise
        link.title = str(claim.get("title") or "")[:255]
        if lineitem:
            link.lineitem_url = lineitem
        link.save()
    if launch.role == Membership.Role.STUDENT:
        identity = LtiUser.objects.get(registration=launch.registration, sub=launch.claims["sub"])
        GradeSync.objects.get_or_create(resource_link=link, lti_user=identity)
    return link


def deep_link_token(launch: Launch) -> str:
    """Return a signed value carrying the deep-linking request to the picker's form.

    The picker's POST is authorised by this value (it cannot be forged and expires),
    not by a cookie, so it works inside an LMS iframe.
    """
    settings_claim = launch.claims[DL_CLAIM + "deep_linking_settings"]
    return signing.dumps(
        {
            "r": launch.registration.pk,
            "c": launch.context.pk,
            "d": launch.claims[CLAIM + "deployment_id"],
            "u": launch.user.pk,
            "return": settings_claim["deep_link_return_url"],
            "data": settings_claim.get("data"),
            "multiple": bool(settings_claim.get("accept_multiple", True)),
        },
        salt=_DEEP_LINK_SALT,
    )


def deep_link_request(token: str) -> dict[str, Any]:
    """Read a value made by ``deep_link_token``; raises ``LaunchError`` when bad or old."""
    try:
        return signing.loads(
            token, salt=_DEEP_LINK_SALT, max_age=settings.ACTQUIZ_LTI_DEEP_LINK_MAX_AGE
        )
    except signing.BadSignature as exc:
        raise LaunchError(
            "This selection form has expired or was altered; open it again from the LMS.",
            status=401,
            code="bad_deep_link",
        ) from exc


@dataclass(frozen=True)
class DeepLinkResponse:
    return_url: str
    jwt: str


def deep_link_respond(*, token: str, slugs: list[str]) -> DeepLinkResponse:
    """Build the signed ``LtiDeepLinkingResponse`` for the picked exercises ``slugs``.

    The exercises join the LTI context's course. Raises ``LaunchError`` for an
    unknown slug or more than one pick where the platform accepts one.
    """
    request = deep_link_request(token)
    registration = Registration.objects.get(pk=request["r"])
    context = LtiContext.objects.select_related("course").get(pk=request["c"])
    exercises = list(Exercise.objects.filter(slug__in=slugs))
    if len(exercises) != len(set(slugs)):
        raise LaunchError("Pick exercises from the list.", code="unknown_exercise")
    if not request["multiple"] and len(exercises) > 1:
        raise LaunchError("The LMS accepts one exercise here; pick one.", code="one_only")
    by_slug = {exercise.slug: exercise for exercise in exercises}
    launch_url = tool_urls()["launch_url"]
    items = []
    for slug in dict.fromkeys(slugs):
        exercise = by_slug[slug]
        CourseExercise.objects.get_or_create(course=context.course, exercise=exercise)
        items.append(
            protocol.resource_link_item(
                url=launch_url, title=exercise.title, slug=slug, points=exercise.points
            )
        )
    key = keys.signing_key()
    message = protocol.deep_linking_response(
        client_id=registration.client_id,
        issuer=registration.issuer,
        deployment_id=request["d"],
        data=request["data"],
        items=items,
        private_key_pem=key.private_key_pem,
        kid=key.kid,
        now=time.time(),
    )
    return DeepLinkResponse(return_url=request["return"], jwt=message)
