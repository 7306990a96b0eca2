"""requests' internals: hand a response a body that was read some other way (``_content``).

The OData client reads a response's body itself, chunk by chunk against a deadline, and then gives
the complete body to cbsodata, which reads ``response.text``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIBRARY = "requests"
WRITTEN_FOR = "2.34.2"


def _has_content_slots() -> bool:
    import requests

    response = requests.Response()
    return hasattr(response, "_content") and hasattr(response, "_content_consumed")


INTERNALS: dict[str, Callable[[], bool]] = {
    "Response._content, Response._content_consumed": _has_content_slots,
}


def set_body(response: Any, body: bytes) -> None:
    """``response.content`` and ``response.text`` give ``body`` from now on."""
    response._content = body
    response._content_consumed = True
