"""The review web app: flagged samples, detail pages, labels, a run dashboard and label export."""

from azr_safe.review.config import ReviewConfig
from azr_safe.review.errors import BadQueryError, ReviewExposureError, RunNotFoundError
from azr_safe.review.export import export_jsonl, export_rows
from azr_safe.review.index import SampleIndex
from azr_safe.review.query import LABELS, ListQuery


def create_app(*args, **kwargs):
    """Build the FastAPI app (imported lazily so the CLI starts fast)."""
    from azr_safe.review.app import create_app as _create

    return _create(*args, **kwargs)


__all__ = [
    "LABELS",
    "BadQueryError",
    "ListQuery",
    "ReviewConfig",
    "ReviewExposureError",
    "RunNotFoundError",
    "SampleIndex",
    "create_app",
    "export_jsonl",
    "export_rows",
]
