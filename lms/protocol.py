"""LTI 1.3 protocol logic as plain functions: keys, id_token checks, signed messages.

No Django here: everything arrives as arguments, so the rules can be read and tested
on their own. Claim names come from the IMS LTI Core 1.3 and Advantage specifications.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

# Roles that teach: LIS v2 membership roles (full and short forms) and administrators.
_TEACHING_ROLES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
)
_TEACHING_SHORT = {"Instructor", "ContentDeveloper", "Administrator", "TeachingAssistant"}


class LaunchError(Exception):
    """A launch the tool refuses: ``status`` is the HTTP status of the error page."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid_launch"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private_key_pem: str
    public_jwk: dict[str, Any]


def generate_key_pair() -> KeyPair:
    """Return a fresh 2048-bit RSA key: its id, private PEM and public JWK (RS256)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = uuid.uuid4().hex
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return KeyPair(kid=kid, private_key_pem=pem, public_jwk=jwk)


def sign(claims: dict[str, Any], *, private_key_pem: str, kid: str) -> str:
    """Return ``claims`` as an RS256 JWT signed with the given key, ``kid`` in the header."""
    return jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": kid})


def unverified_claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(header, claims)`` of ``token`` without checking it (to pick the platform).

    Raises ``LaunchError`` (400) when the token is not a JWT at all.
    """
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise LaunchError(f"The id_token is not a valid JWT ({exc}).") from exc
    return header, claims


def validate_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    public_key_for: Callable[[str | None], Any],
    now: float,
    leeway: float,
) -> dict[str, Any]:
    """Check an LTI launch ``token`` fully and return its claims.

    Args:
        token: the id_token the platform posted.
        issuer: the registered platform issuer (``iss`` must equal it).
        client_id: the tool's client id at that platform (in ``aud``; ``azp`` if given).
        public_key_for: maps the header's ``kid`` to the platform's public key, or
            raises ``LaunchError`` when the platform has no such key.
        now: the current time (seconds since the epoch), for ``exp``/``iat``.
        leeway: tolerated clock difference in seconds.

    Returns the claims. Raises ``LaunchError`` (401 for a bad signature, audience or
    lifetime; 400 for a malformed LTI message) naming what is wrong.
    """
    header, _ = unverified_claims(token)
    if header.get("alg") != "RS256":
        raise LaunchError("The id_token must be signed with RS256.", status=401, code="bad_alg")
    key = public_key_for(header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"], "verify_iat": False},
        )
    except jwt.InvalidSignatureError as exc:
        raise LaunchError(
            "The id_token's signature does not verify with the platform's keys.",
            status=401,
            code="bad_signature",
        ) from exc
    except jwt.ExpiredSignatureError as exc:
        raise LaunchError(
            "The id_token has expired; launch again from the LMS.", status=401, code="expired"
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise LaunchError(
            "The id_token is meant for another tool (wrong audience).",
            status=401,
            code="wrong_audience",
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise LaunchError(
            "The id_token comes from another issuer.", status=401, code="wrong_issuer"
        ) from exc
    except jwt.PyJWTError as exc:
        raise LaunchError(f"The id_token is not valid ({exc}).", status=401) from exc
    iat = claims["iat"]
    if not isinstance(iat, int | float) or iat > now + leeway:
        raise LaunchError("The id_token was issued in the future.", status=401, code="bad_iat")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if "azp" in claims and claims["azp"] != client_id:
        raise LaunchError(
            "The id_token's azp names another tool.", status=401, code="wrong_audience"
        )
    if len(audiences) > 1 and "azp" not in claims:
        raise LaunchError(
            "The id_token has several audiences but no azp.", status=401, code="wrong_audience"
        )
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchError("Only LTI version 1.3.0 is supported.", code="bad_version")
    if claims.get(CLAIM + "message_type") not in MESSAGE_TYPES:
        raise LaunchError(
            f"Unsupported LTI message type {claims.get(CLAIM + 'message_type')!r}.",
            code="bad_message_type",
        )
    if not isinstance(claims.get(CLAIM + "deployment_id"), str):
        raise LaunchError("The id_token carries no deployment_id.", code="no_deployment")
    if claims[CLAIM + "message_type"] == RESOURCE_LINK_REQUEST:
        link = claims.get(CLAIM + "resource_link")
        if not isinstance(link, dict) or not link.get("id"):
            raise LaunchError("The launch carries no resource link id.", code="no_resource_link")
    else:
        settings = claims.get(DL_CLAIM + "deep_linking_settings")
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise LaunchError(
                "The deep linking request has no return URL.", code="no_deep_link_return"
            )
    return claims


def public_key_from_jwks(jwks: dict[str, Any], kid: str | None) -> Any | None:
    """Return the RSA public key with id ``kid`` from a JWKS document, or None.

    A JWKS with a single key may be used without a ``kid`` in the token.
    """
    keys = [key for key in jwks.get("keys", []) if isinstance(key, dict)]
    if kid is None and len(keys) == 1:
        return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[0]))
    for key in keys:
        if key.get("kid") == kid:
            return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
    return None


def is_instructor(roles: Any) -> bool:
    """Whether the LTI ``roles`` claim (a list of role URIs) includes a teaching role."""
    if not isinstance(roles, list):
        return False
    for role in roles:
        if not isinstance(role, str):
            continue
        if role in _TEACHING_SHORT or any(role.startswith(uri) for uri in _TEACHING_ROLES):
            return True
    return False


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def client_assertion(
    *, client_id: str, token_url: str, private_key_pem: str, kid: str, now: float
) -> str:
    """Return the signed JWT the tool presents for the client-credentials grant."""
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": int(now),
        "exp": int(now) + 300,
        "jti": uuid.uuid4().hex,
    }
    return sign(claims, private_key_pem=private_key_pem, kid=kid)


def deep_linking_response(
    *,
    client_id: str,
    issuer: str,
    deployment_id: str,
    data: str | None,
    items: list[dict[str, Any]],
    private_key_pem: str,
    kid: str,
    now: float,
) -> str:
    """Return the signed ``LtiDeepLinkingResponse`` JWT carrying content ``items``."""
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": issuer,
        "iat": int(now),
        "exp": int(now) + 300,
        "nonce": new_nonce(),
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": items,
    }
    if data is not None:
        claims[DL_CLAIM + "data"] = data
    return sign(claims, private_key_pem=private_key_pem, kid=kid)


def resource_link_item(
    *, url: str, title: str, slug: str, points: float, text: str = ""
) -> dict[str, Any]:
    """Return a deep-linking ``ltiResourceLink`` content item for one exercise."""
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title,
        "url": url,
        "custom": {"exercise": slug},
        "lineItem": {"scoreMaximum": points, "resourceId": slug, "label": title},
    }
    if text:
        item["text"] = text
    return item


def scores_url(lineitem_url: str) -> str:
    """Return the AGS scores endpoint of a line item: ``/scores`` appended to its path.

    Moodle's line item URLs carry a query string (``.../lineitem?type_id=1``), which
    must stay after the inserted segment.
    """
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def with_query(url: str, **params: str) -> str:
    """Return ``url`` with ``params`` added to whatever query string it already has."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def origin_of(url: str) -> str:
    """Return the ``scheme://host[:port]`` origin of ``url`` (for frame and form policies)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
