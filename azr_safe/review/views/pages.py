"""The flagged-sample list, the detail page, labelling and on-demand attributions."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from azr_safe.review import listing, security
from azr_safe.review.app import error_page, render
from azr_safe.review.index import SampleIndex
from azr_safe.review.labels import LabelForm, append_label
from azr_safe.review.errors import BadQueryError
from azr_safe.review.query import LABELS, ListQuery
from azr_safe.review.views.detail import detail_context

router = APIRouter()


def _index(request: Request) -> SampleIndex:
    index: SampleIndex = request.app.state.index
    index.refresh()
    return index


def _query(request: Request) -> ListQuery:
    return ListQuery.from_params(dict(request.query_params), request.app.state.config.page_size)


@router.get("/")
def list_samples(request: Request) -> Response:
    index = _index(request)
    q = _query(request)
    page = listing.list_page(index, q)
    return render(
        request,
        "list.html",
        q=q,
        page=page,
        facets=listing.facets(index, q),
        choices=index.choices(),
        labels=LABELS,
        link=lambda **kw: "/?" + urlencode(q.params(**kw)),
        sample_link=lambda sid: f"/samples/{quote(sid, safe='')}?" + urlencode(q.filters_only()),
    )


@router.get("/samples/{sample_id}")
def sample_detail(request: Request, sample_id: str) -> Response:
    index = _index(request)
    q = _query(request)
    ctx = detail_context(index, request.app.state.attributions, sample_id, q)
    if ctx is None:
        raise HTTPException(404, f"no sample {sample_id!r} in this run")
    return render(request, "detail.html", labels=LABELS, reviewer=request.app.state.config.reviewer, **ctx)


@router.post("/samples/{sample_id}/label")
async def label_sample(request: Request, sample_id: str) -> Response:
    form, problem = await _checked_form(request)
    if problem:
        return error_page(request, 403 if "CSRF" in problem or "origin" in problem else 400, problem)
    index = _index(request)
    loaded = index.load_sample(sample_id)
    if loaded is None or loaded[1].audit_seq is None:
        return error_page(request, 404, f"no sample {sample_id!r} in this run")
    try:
        label = LabelForm.model_validate({k: form.get(k, "") for k in ("label", "note", "reviewer")})
    except ValidationError as err:
        first = err.errors()[0]
        return error_page(request, 400, f"bad label field {first['loc'][0]!r}: {first['msg']}")
    config = request.app.state.config
    append_label(config.run_dir, loaded[1].audit_seq, sample_id, label, config.reviewer)
    index.refresh(force=True)
    back = _safe_back(form.get("back") or "")
    target = f"/samples/{quote(sample_id, safe='')}" + (f"?{back}" if back else "")
    return RedirectResponse(target + "#label", status_code=303)


@router.post("/samples/{sample_id}/attributions")
async def start_attributions(request: Request, sample_id: str) -> Response:
    form, problem = await _checked_form(request)
    if problem:
        return error_page(request, 403, problem)
    loaded = _index(request).load_sample(sample_id)
    if loaded is None:
        return error_page(request, 404, f"no sample {sample_id!r} in this run")
    request.app.state.attributions.start(sample_id, loaded[1].sample.reasoning)
    return RedirectResponse(f"/samples/{quote(sample_id, safe='')}#attributions", status_code=303)


async def _checked_form(request: Request) -> tuple[dict[str, str], str | None]:
    """The form, or a reason to refuse it (cross-origin, missing CSRF token, too large)."""
    if not security.same_origin(request):
        return {}, "cross-origin form post refused (origin does not match this server)"
    try:
        form = await security.read_form(request)
    except ValueError as err:
        return {}, str(err)
    if not request.app.state.guard.csrf_ok(form.get("csrf_token")):
        return {}, "missing or wrong CSRF token: reload the page and submit again"
    return form, None


def _safe_back(text: str) -> str:
    """The list filters to return to, re-encoded from validated values (never an open redirect)."""
    try:
        q = ListQuery.from_params(dict(parse_qsl(text)))
    except BadQueryError:
        return ""
    return urlencode(q.filters_only())
