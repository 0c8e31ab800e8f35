"""The staff accounts' blueprint. No prefix: its pages sit where staff have always found
them, under /portal/ (and /agency/ for the agency's invitations)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)
