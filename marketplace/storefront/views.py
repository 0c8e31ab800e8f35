"""The public storefront."""

from flask import Blueprint, render_template

bp = Blueprint("storefront", __name__)


@bp.get("/")
def index():
    return render_template("storefront/index.html", offers=[])
