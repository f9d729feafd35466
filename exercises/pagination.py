"""Pages of the API's lists: ``?limit=&offset=``, a plain JSON list body, and headers.

Every list under /api/v1/ answers a plain JSON list, as it always has (that body is a
contract for existing clients). Paging rides alongside it: ``X-Total-Count`` says
how many items match, ``Link`` (RFC 8288) gives the ``next`` and ``prev`` pages with
the same filters. Without ``?limit`` a list answers its first ``default_limit``
items, which is what it answered before pages existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from actquiz.exceptions import ApiError

# The largest page (and the page without ``?limit``) of each list: what each answered
# before pages existed, so an old client reading one response sees what it saw.
SUBMISSION_PAGE = 100
COURSE_SUBMISSION_PAGE = 500
DELIVERY_PAGE = 100
LIST_PAGE = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list: its ``items``, how many match in all, and where it starts."""

    items: list[Any]
    total: int
    limit: int
    offset: int


def _count(items: QuerySet[Any] | Sequence[Any]) -> int:
    return items.count() if isinstance(items, QuerySet) else len(items)


def _whole_number(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(
            f"{name} must be a whole number from {low} to {high}.",
            fields={name: ["not a whole number"]},
        )
    value = int(raw)
    if not low <= value <= high:
        raise ApiError(
            f"{name} must be from {low} to {high}, not {value}.",
            fields={name: [f"must be from {low} to {high}"]},
        )
    return value


# Offsets past this would only make the database walk rows nobody reads; a client
# that needs them narrows the list with a filter (since/until) instead.
MAX_OFFSET = 1_000_000


def page_of(request: Request, items: QuerySet[Any] | Sequence[Any], *, default_limit: int) -> Page:
    """Return the page of ``items`` that ``?limit`` and ``?offset`` ask for.

    ``items`` must be in a total order (ending in a unique key) so that pages neither
    repeat nor skip an item. ``default_limit`` is both the page size without
    ``?limit`` and the largest one allowed. Bad values raise ``ApiError`` (400).
    """
    limit = _whole_number(request, "limit", default=default_limit, low=1, high=default_limit)
    offset = _whole_number(request, "offset", default=0, low=0, high=MAX_OFFSET)
    total = _count(items)
    return Page(items=list(items[offset : offset + limit]), total=total, limit=limit, offset=offset)


def _page_url(request: Request, *, limit: int, offset: int) -> str:
    params = [(k, v) for k, v in request.query_params.lists() if k not in ("limit", "offset")]
    query = [(k, value) for k, values in params for value in values]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


def page_headers(request: Request, page: Page) -> dict[str, str]:
    """Return ``X-Total-Count`` and, when there are other pages, ``Link`` for ``page``."""
    links = []
    if page.offset + page.limit < page.total:
        url = _page_url(request, limit=page.limit, offset=page.offset + page.limit)
        links.append(f'<{url}>; rel="next"')
    if page.offset > 0:
        previous = max(0, min(page.offset, page.total) - page.limit)
        links.append(f'<{_page_url(request, limit=page.limit, offset=previous)}>; rel="prev"')
    headers = {"X-Total-Count": str(page.total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def paginated(
    request: Request,
    items: QuerySet[Any] | Sequence[Any],
    serialize: Callable[[list[Any]], list[Any]],
    *,
    default_limit: int,
) -> Response:
    """Answer one page of ``items`` as a plain JSON list (``serialize`` turns the page's
    items into data) with the paging headers."""
    page = page_of(request, items, default_limit=default_limit)
    return Response(serialize(page.items), headers=page_headers(request, page))


def parameters(default_limit: int) -> list[OpenApiParameter]:
    """The OpenAPI query parameters and response headers of a list paged by ``paginated``."""
    return [
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": default_limit},
            OpenApiParameter.QUERY,
            description=f"At most this many items (1 to {default_limit}, default {default_limit}).",
        ),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            OpenApiParameter.QUERY,
            description="Skip this many items first (default 0).",
        ),
        OpenApiParameter(
            "X-Total-Count",
            int,
            OpenApiParameter.HEADER,
            description="How many items match the filters, over all pages.",
            response=[200],
        ),
        OpenApiParameter(
            "Link",
            str,
            OpenApiParameter.HEADER,
            description=(
                'The other pages, RFC 8288: `<url>; rel="next"` while items remain, '
                '`<url>; rel="prev"` after the first page; absent on a single page.'
            ),
            response=[200],
        ),
    ]
