"""GET /healthz for load balancers and start-up scripts."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db, limiter, redis_connector

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "down"
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": database,
        "redis": redis_connector.status(),
    }
    return jsonify(body), 200 if database == "ok" else 503
