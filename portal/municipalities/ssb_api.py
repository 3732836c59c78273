"""SSB's statistics bank API (PxWebApi v1): the query for a table, and one POST to fetch it.

``fetch_table`` POSTs a JSON query to https://data.ssb.no/api/v0/no/table/<TABLE> and asks for
``json-stat2``; the reply goes through the same reader, preview and write as an uploaded file.
Every failure (network, HTTP status, a reply that is not JSON-stat) is an ``SsbApiError`` with one
line saying what went wrong.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

API_URL = "https://data.ssb.no/api/v0/no/table/{table}"
TIMEOUT_SECONDS = 60
MAX_REPLY_BYTES = 50 * 1024 * 1024

# The statistics variables the portal reads from each table, and the other dimensions a
# query must fix (left out = eliminated, i.e. the total, where SSB allows it).
TABLES: dict[str, dict] = {
    "07459": {"contents": ["Personer1"], "fixed": []},
    "09817": {
        "contents": ["AndelBefolkning"],
        "fixed": [{"code": "InnvandrKat", "values": ["B", "C"]}],
    },
}


class SsbApiError(Exception):
    pass


@dataclass
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


def build_query(table: str, years: list[str] | None = None) -> Request:
    """The POST the API wants: every municipality (as numbered now), the given years or all."""
    if not re.fullmatch(r"\d{5}", table):
        raise SsbApiError(f"“{table}” is not an SSB table number (five digits, such as 07459).")
    if table not in TABLES:
        raise SsbApiError(
            f"The portal does not read table {table}; it reads {', '.join(sorted(TABLES))}."
        )
    spec = TABLES[table]
    query = [
        {
            "code": "Region",
            "selection": {"filter": "agg_single:KommGjeldende", "values": ["*"]},
        },
        {"code": "ContentsCode", "selection": {"filter": "item", "values": spec["contents"]}},
    ]
    for fixed in spec["fixed"]:
        query.append(
            {"code": fixed["code"], "selection": {"filter": "item", "values": fixed["values"]}}
        )
    if years:
        query.append({"code": "Tid", "selection": {"filter": "item", "values": years}})
    body = json.dumps({"query": query, "response": {"format": "json-stat2"}}).encode()
    return Request(
        url=API_URL.format(table=table),
        body=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )


def _urlopen(request: Request) -> bytes:
    http_request = urllib.request.Request(  # noqa: S310 - a fixed https URL
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    with urllib.request.urlopen(http_request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310
        return reply.read(MAX_REPLY_BYTES + 1)


def fetch_table(request: Request, *, opener: Callable[[Request], bytes] = _urlopen) -> bytes:
    """The reply's bytes, checked to be a JSON-stat 2.0 dataset; SsbApiError otherwise."""
    try:
        content = opener(request)
    except urllib.error.HTTPError as exc:
        raise SsbApiError(f"SSB answered HTTP {exc.code} {exc.reason} for {request.url}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SsbApiError(f"SSB could not be reached ({request.url}): {reason}.") from None
    if len(content) > MAX_REPLY_BYTES:
        raise SsbApiError(
            f"SSB's reply is larger than {MAX_REPLY_BYTES} bytes; ask for fewer years."
        )
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SsbApiError("SSB's reply is not JSON, so not a JSON-stat table.") from None
    if not isinstance(document, dict) or document.get("class") != "dataset":
        raise SsbApiError("SSB's reply is JSON, but not a JSON-stat 2.0 dataset.")
    return content
