"""Prometheus metrics at ``GET /metrics``, kept in Redis so every web process adds up.

Counters and histograms live in Redis hashes under the cache's key prefix (one
pipelined round trip per request), so a scrape of any gunicorn worker on any host
sees the whole web tier; gauges (queue depth, submissions by status, worker
heartbeats) are read when scraped. Written in the text exposition format 0.0.4 by
hand: the series are few and fixed. Redis down means no metrics, never a failed
request.

Who may scrape: a request with ``Authorization: Bearer <ACTQUIZ_METRICS_TOKEN>`` (when
set), or from an address in ``ACTQUIZ_METRICS_ALLOW`` (default loopback only).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError
from django.db.models import Count
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from actquiz.login_limits import client_address
from actquiz.logs import request_context

logger = logging.getLogger(__name__)

# Seconds: from a page render (~5 ms) to a slow grading (the 120 s time limit).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GRADING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# A worker that has not beaten for this long is reported down (Celery beats every 2 s).
HEARTBEAT_TTL_SECONDS = 60

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.ACTQUIZ_CACHE_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
    return _client


def _key(name: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'actquiz')}:metrics:{name}"


def _observe(pipe: Any, name: str, labels: str, seconds: float, buckets: Iterable[float]) -> None:
    # Cumulative buckets are summed at scrape time; here only the first bucket that
    # holds the value is counted (inf beyond the last).
    bucket = next((str(b) for b in buckets if seconds <= b), "+Inf")
    pipe.hincrby(_key(f"{name}_bucket"), f"{labels}|{bucket}", 1)
    pipe.hincrbyfloat(_key(f"{name}_sum"), labels, seconds)


def _safely(write: Callable[[Any], None]) -> None:
    try:
        pipe = _redis().pipeline(transaction=False)
        write(pipe)
        pipe.execute()
    except redis.RedisError as exc:
        logger.debug("metrics not recorded: %s", exc)


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one served request of ``route`` (the URL pattern) and its latency."""
    labels = f"{route}|{method}"

    def write(pipe: Any) -> None:
        pipe.hincrby(_key("http_requests_total"), f"{labels}|{status}", 1)
        _observe(pipe, "http_request_duration_seconds", labels, seconds, REQUEST_BUCKETS)

    _safely(write)


def record_verdict(*, kind: str, status: str, seconds: float | None, deliveries: int) -> None:
    """Count a stored verdict: its exercise ``kind``, ``status`` and time from submit to verdict."""

    def write(pipe: Any) -> None:
        pipe.hincrby(_key("verdicts_total"), f"{kind}|{status}", 1)
        if seconds is not None:
            _observe(pipe, "grading_latency_seconds", kind, seconds, GRADING_BUCKETS)
        if deliveries > 1:
            pipe.hincrby(_key("deliveries_retried_total"), kind, deliveries - 1)

    _safely(write)


def record_worker_heartbeat(hostname: str) -> None:
    """Note that Celery worker ``hostname`` is alive (called on each of its heartbeats)."""
    _safely(lambda pipe: pipe.hset(_key("worker_heartbeat"), hostname, time.time()))


class RequestMetricsMiddleware:
    """Times every request, counts it by route, and names its submission in the logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        # Cleared by request_finished, not here: Django logs a 4xx/5xx ("Not Found: ...")
        # after the middleware returned, and that line should name the submission too.
        request_context.set({"method": request.method, "path": request.path})
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else "unmatched"
        record_request(
            route, request.method or "", response.status_code, time.perf_counter() - began
        )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        submission_id = kwargs.get("submission_id")
        context = request_context.get()
        if context is not None and submission_id is not None:
            context["submission_id"] = submission_id


@receiver(request_finished)
def _forget_request_context(**kwargs: Any) -> None:
    request_context.set(None)


def _allowed(request: HttpRequest) -> bool:
    token = settings.ACTQUIZ_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.ACTQUIZ_METRICS_ALLOW]


def _labels(names: tuple[str, ...], values: Iterable[str]) -> str:
    pairs = []
    for name, value in zip(names, values, strict=True):
        escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        pairs.append(f'{name}="{escaped}"')
    return "{" + ",".join(pairs) + "}"


def _decode(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, labels: str, value: float) -> None:
        self.lines.append(f"{name}{labels} {value:g}" if labels else f"{name} {value:g}")

    def counter(self, name: str, help_text: str, names: tuple[str, ...], raw: dict) -> None:
        self.family(name, "counter", help_text)
        for key, value in sorted(_decode(raw).items()):
            self.sample(name, _labels(names, key.split("|")), float(value))

    def histogram(
        self, name: str, help_text: str, names: tuple[str, ...], buckets: tuple, data: tuple
    ) -> None:
        counts_raw, sums_raw = data
        self.family(name, "histogram", help_text)
        counts: dict[str, dict[str, int]] = {}
        for key, value in _decode(counts_raw).items():
            labels, _, bucket = key.rpartition("|")
            counts.setdefault(labels, {})[bucket] = int(value)
        sums = _decode(sums_raw)
        for labels in sorted(counts):
            values = labels.split("|")
            running = 0
            for bound in [*map(str, buckets), "+Inf"]:
                running += counts[labels].get(bound, 0)
                self.sample(
                    f"{name}_bucket", _labels((*names, "le"), [*values, bound]), float(running)
                )
            self.sample(f"{name}_sum", _labels(names, values), float(sums.get(labels, 0)))
            self.sample(f"{name}_count", _labels(names, values), float(running))


def _submission_gauges(out: _Exposition) -> None:
    from exercises.models import Submission

    by_status = dict(
        Submission.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    out.family("actquiz_submissions", "gauge", "Submissions stored, by status.")
    for status in Submission.Status.values:
        out.sample("actquiz_submissions", _labels(("status",), [status]), by_status.get(status, 0))
    oldest = (
        Submission.objects.filter(status=Submission.Status.QUEUED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    out.family(
        "actquiz_oldest_queued_submission_age_seconds", "gauge", "Age of the oldest queued one."
    )
    out.sample("actquiz_oldest_queued_submission_age_seconds", "", round(age, 3))


def render() -> str:
    """The whole exposition text; Redis or the database being down leaves its series out."""
    out = _Exposition()
    out.family("actquiz_up", "gauge", "1: this web process answered the scrape.")
    out.sample("actquiz_up", "", 1)
    try:
        client = _redis()
        pipe = client.pipeline(transaction=False)
        for name in (
            "http_requests_total",
            "http_request_duration_seconds_bucket",
            "http_request_duration_seconds_sum",
            "verdicts_total",
            "grading_latency_seconds_bucket",
            "grading_latency_seconds_sum",
            "deliveries_retried_total",
            "worker_heartbeat",
        ):
            pipe.hgetall(_key(name))
        requests, req_buckets, req_sums, verdicts, lat_buckets, lat_sums, retried, beats = (
            pipe.execute()
        )
        grading_broker = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        depth = grading_broker.llen(settings.ACTQUIZ_GRADING_QUEUE)
    except redis.RedisError as exc:
        logger.warning("metrics: Redis unavailable: %s", exc)
    else:
        out.family("actquiz_grading_queue_depth", "gauge", "Grading tasks waiting in the broker.")
        out.sample("actquiz_grading_queue_depth", "", depth)
        out.counter(
            "actquiz_http_requests_total",
            "HTTP requests served, by route, method and status.",
            ("route", "method", "status"),
            requests,
        )
        out.histogram(
            "actquiz_http_request_duration_seconds",
            "Time to serve a request, by route and method.",
            ("route", "method"),
            REQUEST_BUCKETS,
            (req_buckets, req_sums),
        )
        out.counter(
            "actquiz_verdicts_total",
            "Verdicts stored, by exercise kind and status.",
            ("kind", "status"),
            verdicts,
        )
        out.histogram(
            "actquiz_grading_latency_seconds",
            "From a submission's creation to its stored verdict, by exercise kind.",
            ("kind",),
            GRADING_BUCKETS,
            (lat_buckets, lat_sums),
        )
        out.counter(
            "actquiz_deliveries_retried_total",
            "Grading deliveries beyond the first (a worker died or the task was re-sent).",
            ("kind",),
            retried,
        )
        now = time.time()
        out.family(
            "actquiz_worker_last_heartbeat_age_seconds",
            "gauge",
            "Seconds since each Celery worker's last heartbeat (recent ones only).",
        )
        for host, beat in sorted(_decode(beats).items()):
            age = now - float(beat)
            if age <= HEARTBEAT_TTL_SECONDS:
                out.sample(
                    "actquiz_worker_last_heartbeat_age_seconds",
                    _labels(("worker",), [host]),
                    round(age, 3),
                )
    try:
        _submission_gauges(out)
    except DatabaseError as exc:  # the database being down must not hide the other series
        logger.warning("metrics: database unavailable: %s", exc)
    return "\n".join(out.lines) + "\n"


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape endpoint; 403 for anyone neither holding the token nor allowed."""
    if not _allowed(request):
        return HttpResponse("metrics are not public\n", status=403, content_type="text/plain")
    return HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
