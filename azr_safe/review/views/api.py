"""JSON for scripts, and the label export. Errors share one shape: {ok, error, status}."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from azr_safe.review import listing
from azr_safe.review.export import export_jsonl
from azr_safe.review.query import ListQuery

router = APIRouter()


@router.get("/api/samples")
def api_samples(request: Request) -> JSONResponse:
    index = request.app.state.index
    index.refresh()
    q = ListQuery.from_params(dict(request.query_params), request.app.state.config.page_size)
    page = listing.list_page(index, q)
    return JSONResponse({
        "ok": True,
        "total": page.total,
        "page": q.page,
        "pages": page.pages,
        "rows": [dict(r) for r in page.rows],
        "facets": {f.name: dict(f.counts) for f in listing.facets(index, q)},
    })  # fmt: skip


@router.get("/api/samples/{sample_id}")
def api_sample(request: Request, sample_id: str) -> JSONResponse:
    index = request.app.state.index
    index.refresh()
    loaded = index.load_sample(sample_id)
    if loaded is None:
        raise HTTPException(404, f"no sample {sample_id!r} in this run")
    row, view = loaded
    labels = [dict(r) for r in index.labels_for(view.audit_seq)]
    return JSONResponse({"ok": True, "record": view.model_dump(mode="json"), "labels": labels, "seq": row["seq"]})


@router.get("/export/labels.jsonl")
def export_labels(request: Request) -> StreamingResponse:
    headers = {"Content-Disposition": 'attachment; filename="review-labels.jsonl"'}
    return StreamingResponse(export_jsonl(request.app.state.index), media_type="application/x-ndjson", headers=headers)
