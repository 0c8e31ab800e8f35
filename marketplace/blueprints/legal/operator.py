"""Who publishes Kiosque and who hosts it, as the configuration says (marketplace/config.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Operator:
    name: str
    legal_form: str
    address: str
    registration: str
    email: str
    phone: str
    director: str
    host_name: str
    host_address: str
    host_phone: str
    is_demo: bool


def operator_from(config: Mapping) -> Operator:
    """The operator's identity from the app's configuration (OPERATOR_*, HOST_*)."""
    return Operator(
        name=config["OPERATOR_NAME"], legal_form=config["OPERATOR_LEGAL_FORM"],
        address=config["OPERATOR_ADDRESS"], registration=config["OPERATOR_REGISTRATION"],
        email=config["OPERATOR_EMAIL"], phone=config["OPERATOR_PHONE"],
        director=config["OPERATOR_DIRECTOR"], host_name=config["HOST_NAME"],
        host_address=config["HOST_ADDRESS"], host_phone=config["HOST_PHONE"],
        is_demo=config["OPERATOR_IS_DEMO"])
