"""The OpenAPI document at a stable URL, for anyone (it describes the API, it holds no data)."""
from __future__ import annotations

from flask import jsonify

from webinar.access import public
from webinar.api import bp
from webinar.api.spec import openapi_document


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of /api/v1, generated from the models that validate every call."""
    return jsonify(openapi_document())
