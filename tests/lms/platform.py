"""A small LTI 1.3 platform on loopback that answers like Moodle 4.5.

Real RSA keys and JWTs: it publishes a JWKS, answers login initiation with an id_token
form post, issues access tokens for a signed client assertion (checked against the
tool's JWKS), and keeps AGS line items, scores and an NRPS roster.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


class FakeMoodle:
    client_id = "moodle-client-1"
    deployment_id = "1"

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "moodle-key-1"
        self.scores: list[dict[str, Any]] = []
        self.score_statuses: list[int] = []  # answered first, one per score post
        self.lineitems: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.token_requests = 0
        self.tool_jwks_url = ""
        self.tool_urls: dict[str, Any] = {}
        self.redirect_uris: list[str] = []
        self.next_claims: dict[str, Any] = {}
        self.deep_link_responses: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return self.url

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def private_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def register_args(self) -> list[str]:
        return [
            "--issuer", self.issuer,
            "--client-id", self.client_id,
            "--auth-login-url", f"{self.url}/mod/lti/auth.php",
            "--auth-token-url", f"{self.url}/mod/lti/token.php",
            "--key-set-url", f"{self.url}/mod/lti/certs.php",
            "--deployment-id", self.deployment_id,
        ]  # fmt: skip

    def lineitem_url(self, number: int) -> str:
        return f"{self.url}/mod/lti/services.php/2/lineitems/{number}/lineitem?type_id=1"

    def resource_link_claims(
        self, *, sub: str, roles: list[str], link_id: str = "7", custom: dict | None = None
    ) -> dict[str, Any]:
        claims = {
            "sub": sub,
            "given_name": f"User {sub}",
            "email": f"user{sub}@moodle.example",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "roles": roles,
            CLAIM + "context": {"id": "2", "label": "NN101", "title": "Neural networks 101"},
            CLAIM + "resource_link": {"id": link_id, "title": "Sigmoid"},
            CLAIM + "custom": custom or {},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": f"{self.url}/mod/lti/services.php/2/lineitems?type_id=1",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": (
                    f"{self.url}/mod/lti/services.php/CourseSection/2/bindings/1/memberships"
                ),
                "service_versions": ["2.0"],
            },
        }
        return claims

    def id_token(self, claims: dict[str, Any], *, nonce: str, **overrides: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 60,
            "nonce": nonce,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            **claims,
            **overrides,
        }
        return jwt.encode(body, self.private_pem(), algorithm="RS256", headers={"kid": self.kid})

    def login_params(self, target: str) -> dict[str, str]:
        return {
            "iss": self.issuer,
            "login_hint": "2",
            "target_link_uri": target,
            "lti_message_hint": '{"cmid":7,"launchid":"ltilaunch_abc"}',
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def launch_page(self) -> str:
        """Moodle's launch.php: a form that posts the login initiation to the tool."""
        fields = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in self.login_params(self.tool_urls["launch_url"]).items()
        )
        return (
            f'<form method="post" action="{html.escape(self.tool_urls["login_url"])}">'
            f"{fields}</form><script>document.forms[0].submit()</script>"
        )

    def course_page(self) -> str:
        """A course page embedding the activity in an iframe, as Moodle's "Embed" does."""
        return (
            "<!doctype html><title>NN101</title><h1>Neural networks 101</h1>"
            '<iframe id="contentframe" src="/mod/lti/launch.php" width="1200" height="800"'
            ' allow="clipboard-write"></iframe>'
        )

    def authorize(self, auth_url: str, **overrides: Any) -> tuple[str, dict[str, str]]:
        """Follow the tool's redirect to the auth endpoint; return the form it answers."""
        response = requests.get(auth_url, params={"_overrides": json.dumps(overrides)}, timeout=10)
        assert response.status_code == 200, response.text
        action = html.unescape(re.search(r'action="([^"]+)"', response.text).group(1))
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', response.text)
        }
        return action, fields

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any = b"", content_type: str = "application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorised(self) -> bool:
                return self.headers.get("Authorization") == "Bearer moodle-token"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                if parts.path == "/mod/lti/certs.php":
                    return self._send(200, platform.jwks())
                if parts.path == "/mod/lti/auth.php":
                    return self._auth(query)
                if parts.path == "/course/view.php":
                    return self._send(200, platform.course_page().encode(), "text/html")
                if parts.path == "/mod/lti/launch.php":
                    return self._send(200, platform.launch_page().encode(), "text/html")
                if parts.path.endswith("/lineitems") and self._authorised():
                    return self._send(200, platform.lineitems)
                if parts.path.endswith("/memberships") and self._authorised():
                    return self._send(200, {"id": self.path, "members": platform.members})
                return self._send(404, {"error": "not found"})

            def _auth(self, query: dict[str, str]) -> None:
                overrides = json.loads(query.pop("_overrides", "{}"))
                if query.get("redirect_uri") not in platform.redirect_uris:
                    return self._send(400, b"invalid redirect_uri", "text/plain")
                if query.get("lti_message_hint") != platform.login_params("")["lti_message_hint"]:
                    return self._send(400, b"lti_message_hint changed", "text/plain")
                assert query["client_id"] == platform.client_id
                assert query["response_mode"] == "form_post" and query["prompt"] == "none"
                token = platform.id_token(platform.next_claims, nonce=query["nonce"], **overrides)
                page = (
                    f'<form method="post" action="{html.escape(query["redirect_uri"])}">'
                    f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
                    f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
                    "</form><script>document.forms[0].submit()</script>"
                )
                return self._send(200, page.encode(), "text/html")

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                body = self._body()
                if parts.path == "/mod/lti/token.php":
                    return self._token(body)
                if parts.path == "/deep-link-return":
                    platform.deep_link_responses.append(parse_qs(body.decode())["JWT"][0])
                    return self._send(200, b"<p>added</p>", "text/html")
                if not self._authorised():
                    return self._send(401, {"error": "bad token"})
                if parts.path.endswith("/lineitems"):
                    item = json.loads(body)
                    item["id"] = platform.lineitem_url(len(platform.lineitems) + 1)
                    platform.lineitems.append(item)
                    return self._send(201, item)
                if parts.path.endswith("/lineitem/scores") and parts.query == "type_id=1":
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self._send(415, {"error": "score type"})
                    if platform.score_statuses:
                        return self._send(platform.score_statuses.pop(0), b"boom", "text/plain")
                    platform.scores.append({"url": self.path, **json.loads(body)})
                    # Moodle answers a score post with 200 and an empty body.
                    return self._send(200, b"", "text/plain")
                return self._send(404, {"error": "not found"})

            def _token(self, body: bytes) -> None:
                form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
                platform.token_requests += 1
                assertion = form.get("client_assertion", "")
                jwks = requests.get(platform.tool_jwks_url, timeout=10).json()
                kid = jwt.get_unverified_header(assertion)["kid"]
                key = next(k for k in jwks["keys"] if k["kid"] == kid)
                claims = jwt.decode(
                    assertion,
                    jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key)),
                    algorithms=["RS256"],
                    audience=f"{platform.url}/mod/lti/token.php",
                )
                assert claims["iss"] == claims["sub"] == platform.client_id
                assert form["grant_type"] == "client_credentials"
                return self._send(
                    200,
                    {"access_token": "moodle-token", "token_type": "Bearer", "expires_in": 3600},
                )

        return Handler


def new_sub() -> str:
    return str(uuid.uuid4().int % 10000)


__all__ = ["FakeMoodle", "new_sub", "urlencode"]
