"""``/favicon.ico``: the site's icon (a 32×32 PNG in an ICO container, bundled in ``static/``),
so that no page makes the browser report a missing icon. Read once at start-up; cached for a
week, with a strong validator (``ETag``) for conditional requests (RFC 9110 §13)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

bp = Blueprint("favicon", __name__)

ICON = "favicon.ico"
MAX_AGE = 7 * 24 * 3600


def init_app(app: Flask) -> None:
    app.extensions["nscn.favicon"] = (Path(app.static_folder or "") / ICON).read_bytes()
    app.register_blueprint(bp)


@bp.get("/favicon.ico")
def favicon() -> Response:
    response = Response(current_app.extensions["nscn.favicon"], mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)
