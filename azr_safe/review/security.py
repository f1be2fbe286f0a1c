"""Request guards: token auth when configured, CSRF tokens on forms, strict response headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

SESSION_COOKIE = "azr_review_session"
MAX_FORM_BYTES = 64 * 1024
# No scripts at all; styles only from our own static folder; forms only post back to us.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_OPEN_PATHS = ("/login", "/static/")


class Guard:
    """Per-process secrets: CSRF tokens and session cookies are HMACs of a random key."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self._key = secrets.token_bytes(32)

    def _mac(self, purpose: str) -> str:
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).hexdigest()

    @property
    def csrf_token(self) -> str:
        """The value every form must echo back."""
        return self._mac("csrf")

    def csrf_ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value, self.csrf_token)

    @property
    def session_value(self) -> str:
        return self._mac(f"session:{self.token}")

    def token_ok(self, value: str | None) -> bool:
        return self.token is not None and value is not None and hmac.compare_digest(value, self.token)

    def authenticated(self, request: Request) -> bool:
        """No token configured, or a matching bearer header, or our session cookie."""
        if self.token is None:
            return True
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and self.token_ok(auth[7:].strip()):
            return True
        cookie = request.cookies.get(SESSION_COOKIE)
        return cookie is not None and hmac.compare_digest(cookie, self.session_value)


def same_origin(request: Request) -> bool:
    """A POST's Origin (or Referer), when the browser sends one, must name this server."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # non-browser clients; they still need the CSRF token
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form body, size-capped (we take no file uploads, so no multipart)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ValueError(f"form body is {len(body)} bytes; the limit is {MAX_FORM_BYTES}")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def error_response(request: Request, status: int, message: str) -> Response:
    """The one JSON error shape of the API; pages get the same message as HTML elsewhere."""
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


def install(app, guard: Guard) -> None:
    """Add the auth and header middleware to a FastAPI app."""

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        path = request.url.path
        if not path.startswith(_OPEN_PATHS) and not guard.authenticated(request):
            if path.startswith("/api/") or path.startswith("/export/"):
                response: Response = error_response(request, 401, "authentication required: send the review token")
            else:
                response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Chromium send Origin: null on posts
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response
