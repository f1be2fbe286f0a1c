"""The review web app: FastAPI, server-rendered Jinja2 pages with autoescape, no JavaScript."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from azr_safe.errors import UserFacingError
from azr_safe.review import security
from azr_safe.review.attributions import AttributionCache, AttributionFn
from azr_safe.review.config import ReviewConfig
from azr_safe.review.errors import BadQueryError
from azr_safe.review.index import SampleIndex
from azr_safe.review.integrity import IntegrityCheck

HERE = Path(__file__).parent


def make_templates() -> Environment:
    """Jinja with autoescape on for every template: model text can only ever render as text."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["pathq"] = lambda v: quote(str(v), safe="")
    env.filters["num"] = lambda v: "—" if v is None else f"{v:.3g}"
    return env


def create_app(config: ReviewConfig, *, attribution_fn: AttributionFn | None = None) -> FastAPI:
    """Build the app over `config.run_dir`; the index is built here, once."""
    app = FastAPI(title="azr-safe review", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan)
    app.state.config = config
    app.state.index = SampleIndex(config.run_dir, refresh_interval_s=config.refresh_interval_s)
    app.state.templates = make_templates()
    app.state.guard = security.Guard(config.token)
    app.state.attributions = AttributionCache(attribution_fn)
    app.state.integrity = IntegrityCheck(config.run_dir)
    security.install(app, app.state.guard)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=config.allowed_hosts)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_handlers(app)

    from azr_safe.review.views import api, auth, dashboard, pages

    for module in (pages, dashboard, api, auth):
        app.include_router(module.router)

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    app.state.attributions.close()


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """Render a page with what every page needs (run name, CSRF token, counts)."""
    state = request.app.state
    index: SampleIndex = state.index
    page = state.templates.get_template(template).render(
        run_name=_run_name(state.config.run_dir),
        csrf_token=state.guard.csrf_token,
        records_seen=index.records_seen,
        integrity=state.integrity.state,
        unreadable=index.unreadable,
        **context,
    )
    return HTMLResponse(page, status_code=status)


def _run_name(run_dir: Path) -> str:
    """The run's folder name; drill and trainer runs keep their log in `<run>/audit`."""
    resolved = run_dir.resolve()
    return f"{resolved.parent.name}/{resolved.name}" if resolved.name == "audit" else resolved.name


def error_page(request: Request, status: int, message: str) -> Response:
    """JSON for the API, an HTML page for people."""
    if request.url.path.startswith(("/api/", "/export/")):
        return security.error_response(request, status, message)
    return render(request, "error.html", status=status, status_code=status, message=message)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BadQueryError)
    async def _bad_query(request: Request, err: BadQueryError) -> Response:
        return error_page(request, 400, str(err))

    @app.exception_handler(UserFacingError)
    async def _user_error(request: Request, err: UserFacingError) -> Response:
        return error_page(request, 400, str(err))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> Response:
        return error_page(request, err.status_code, str(err.detail))
