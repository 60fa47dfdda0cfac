"""The review server's guard, one ASGI middleware in front of every route:

- only a request addressed to this machine by a loopback name is answered (a web page that rebinds its own
  domain to 127.0.0.1 gets nothing);
- the first request carries the access token the server printed (`?token=`); it is answered with a cookie
  (HttpOnly, SameSite=Strict, named after the token so two servers on one machine do not mix) and a redirect to
  the same address without the token, so the token stays out of the history; every later request needs the cookie;
- a request that changes anything (any method but GET and HEAD) must send the page's CSRF key in a header, as
  JSON, from this origin: a form or a script on another site can send none of that;
- a request body larger than `max_body` is refused before any route reads it;
- every response says Content-Security-Policy (scripts, styles and requests only from this server, no inline
  script, no framing by others), nosniff, no referrer, no caching.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode

from markupsafe import escape

MAX_BODY = 64 * 1024  # bytes: a unit's translation, a glossary entry; nothing the page sends is larger
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
SAFE_METHODS = ("GET", "HEAD")


def _digest(token: str, purpose: str) -> str:
    return hashlib.sha256(f"translate review\0{purpose}\0{token}".encode()).hexdigest()


@dataclass(frozen=True)
class Keys:
    """The access token a server prints, and what is derived from it: the session cookie and the CSRF key."""

    token: str

    @classmethod
    def new(cls) -> "Keys":
        return cls(secrets.token_urlsafe(24))

    @property
    def cookie(self) -> str:
        return "translate_review_" + _digest(self.token, "name")[:12]

    @property
    def session(self) -> str:
        return _digest(self.token, "session")

    @property
    def csrf(self) -> str:
        return _digest(self.token, "csrf")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def hostname(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


class Guard:
    def __init__(self, app, keys: Keys, max_body: int = MAX_BODY):
        self.app = app
        self.keys = keys
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # no websockets
            return await send({"type": "websocket.close", "code": 1008})
        send = _with_headers(send)
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        host = headers.get("host", "")
        if hostname(host) not in LOOPBACK:
            return await _page(send, 421, "Not this machine's address",
                               "The review page answers only at 127.0.0.1 or localhost.")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given:
            if not _same(given[-1], self.keys.token):
                return await _page(send, 403, "Wrong key", "This address's key is not this server's: open the "
                                   "address 'translate review serve' printed last.")
            return await self._welcome(scope, send, [(k, v) for k, v in query if k != "token"])
        if not _same(self._cookie(headers), self.keys.session):
            return await _page(send, 403, "This page needs its key",
                               "Open the address 'translate review serve' printed (it ends in ?token=…).")
        if scope["method"] not in SAFE_METHODS:
            problem = self._write_problem(headers, host)
            if problem:
                return await _page(send, 403 if "type" not in problem else 415, "Refused", problem)
        length = headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > self.max_body):
            return await _page(send, 413, "Too large", f"A request to the review page holds at most "
                               f"{self.max_body // 1024} KiB.")
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await _page(send, 413, "Too large", f"A request to the review page holds at most "
                                   f"{self.max_body // 1024} KiB.")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    def _cookie(self, headers: dict[str, str]) -> str:
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except CookieError:
            return ""
        morsel = jar.get(self.keys.cookie)
        return morsel.value if morsel is not None else ""

    def _write_problem(self, headers: dict[str, str], host: str) -> str:
        if not _same(headers.get("x-csrf-token", ""), self.keys.csrf):
            return "A change must come from the review page itself (its CSRF key is missing or wrong); reload it."
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return "A change must come from the review page itself, not from another site."
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "A change must come from the review page itself, not from another site."
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return "A change is sent as JSON (content type application/json)."
        return ""

    async def _welcome(self, scope, send, query: list[tuple[str, str]]):
        """The token is right: the session cookie, and the same address without the token."""
        path = scope.get("raw_path") or scope["path"].encode()
        path = path.decode("latin-1") if isinstance(path, bytes) else path
        if not path.startswith("/") or path.startswith("//"):
            path = "/"  # never a redirect to another host ("//example.org")
        location = path + (f"?{urlencode(query)}" if query else "")
        cookie = f"{self.keys.cookie}={self.keys.session}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode()),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def _with_headers(send):
    """Every response with the security headers, unless a route set its own (the preview's CSP). A PDF gets no
    CSP: the browser's PDF viewer is a plugin that `default-src 'none'` would refuse, and nosniff keeps it a PDF."""

    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = {k.decode("latin-1").lower(): v for k, v in message.get("headers", [])}
            pdf = headers.get("content-type", b"").startswith(b"application/pdf")
            extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()
                     if k not in headers and not (pdf and k == "content-security-policy")]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _page(send, status: int, title: str, text: str):
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
