"""Token login for exposed servers: the token is exchanged for an HttpOnly session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from azr_safe.review import security
from azr_safe.review.app import render

router = APIRouter()


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html", failed=False, needed=request.app.state.guard.token is not None)


@router.post("/login")
async def login(request: Request) -> Response:
    guard: security.Guard = request.app.state.guard
    try:
        form = await security.read_form(request)
    except ValueError:
        form = {}
    if not guard.token_ok(form.get("token")):
        return render(request, "login.html", status=401, failed=True, needed=guard.token is not None)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(security.SESSION_COOKIE, guard.session_value, httponly=True, samesite="strict")
    return response
