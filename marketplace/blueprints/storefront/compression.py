"""gzip for the storefront's pages and the static files: the phone's first load stays light.

A reverse proxy usually compresses; Kiosque does not count on one being there (DESIGN.md
rule 8: it runs with nothing but Python). Static files are compressed once per version
(keyed by their ETag) and keep answering 304 to a revalidation: the compressed copy gets
the weak form of the file's ETag, which If-None-Match compares weakly (RFC 9110 §13.1.2).
"""

from __future__ import annotations

import gzip
from collections import OrderedDict

from flask import Response, request

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "application/javascript",
    "application/json", "image/svg+xml", "text/plain",
})
# Below this the gzip header and the CPU are not worth it.
MIN_BYTES = 512
LEVEL = 6
_CACHE_ENTRIES = 64
_static_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()


def compress_response(response: Response) -> Response:
    """gzip the body of a storefront page or a static file when the client accepts it."""
    if not _compressible(response):
        return response
    # Compressed or not, the answer depends on Accept-Encoding: shared caches must know.
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings or not _worth_compressing(response):
        return response
    etag, weak = response.get_etag()
    key = (request.path, etag) if etag and request.endpoint == "static" else None
    body = _static_cache.get(key) if key else None
    if body is not None:
        response.close()  # the file this copy was made from: not read, but opened
    else:
        response.direct_passthrough = False  # a static file is a stream: read it
        body = gzip.compress(response.get_data(), LEVEL, mtime=0)
        if key:
            _static_cache[key] = body
            if len(_static_cache) > _CACHE_ENTRIES:
                _static_cache.popitem(last=False)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(etag, weak=True)
    return response


def _compressible(response: Response) -> bool:
    """A storefront page or a static file of a type that compresses well."""
    in_scope = request.blueprint == "storefront" or request.endpoint == "static"
    return in_scope and response.mimetype in COMPRESSIBLE


def _worth_compressing(response: Response) -> bool:
    if response.status_code != 200 or request.method == "HEAD":
        return False
    if "Content-Encoding" in response.headers:
        return False
    if response.is_streamed and not response.direct_passthrough:
        return False  # a generator: streamed on purpose, left alone
    length = response.content_length
    return length is None or length >= MIN_BYTES
