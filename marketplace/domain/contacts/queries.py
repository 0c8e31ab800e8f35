"""Reading one venue's contact base: search, segments, a contact's history, pulls by date.

Every function takes the venue and filters on it first: a venue never reads another's
contacts. Lists are paginated in SQL and exports are streamed, so a base of 50,000
contacts costs one page of rows per request. Erased spectators (DESIGN.md rule 6) keep
their counts for the accounting but are no longer anyone: they are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Row, String, case, cast, exists, func, select
from sqlalchemy.orm import Session

from marketplace.domain.catalog.models import DISCIPLINES, Venue
from marketplace.domain.contacts.models import ERASED_EMAIL_PATTERN, STAGES, Contact, folded
from marketplace.domain.errors import NotFound
from marketplace.domain.orders.models import Order

DEEP_DISCOUNT_PERCENT = 50
SORTS = ("recent", "name", "purchases")
PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_SEARCH_TERMS = 5
_POSTCODE_PREFIX = re.compile(r"^[0-9A-Za-z]{1,5}$")


@dataclass(frozen=True)
class ContactFilter:
    """A segment of the base: every condition given must hold (empty: the whole base)."""

    q: str = ""  # words found in the name, e-mail or postcode (accents ignored)
    stage: str = ""  # one of STAGES
    consented: bool = False  # marketing consent given (and not withdrawn)
    discipline: str = ""  # has bought this discipline here
    postcode: str = ""  # postcode starts with this ("13", "130")
    deep_discount: bool = False  # has a paid order at DEEP_DISCOUNT_PERCENT off or more
    sort: str = "recent"

    def query_args(self) -> dict[str, str]:
        """The filter as URL parameters (only what differs from the whole base)."""
        args = {"q": self.q, "stage": self.stage, "discipline": self.discipline,
                "postcode": self.postcode, "consented": "1" if self.consented else "",
                "deep_discount": "1" if self.deep_discount else "",
                "sort": "" if self.sort == "recent" else self.sort}
        return {name: value for name, value in args.items() if value}

    @property
    def is_everyone(self) -> bool:
        return not (self.q or self.stage or self.consented or self.discipline or self.postcode
                    or self.deep_discount)


def parse_filter(args: Mapping[str, str]) -> ContactFilter:
    """A filter from URL parameters; a value that makes no sense is ignored, never an error."""
    stage = args.get("stage", "")
    discipline = args.get("discipline", "")
    postcode = (args.get("postcode") or "").strip()
    sort = args.get("sort", "")
    return ContactFilter(
        q=" ".join((args.get("q") or "").split())[:100],
        stage=stage if stage in STAGES else "",
        consented=_ticked(args.get("consented")),
        discipline=discipline if discipline in DISCIPLINES else "",
        postcode=postcode.upper() if _POSTCODE_PREFIX.match(postcode) else "",
        deep_discount=_ticked(args.get("deep_discount")),
        sort=sort if sort in SORTS else "recent",
    )


@dataclass(frozen=True)
class ContactRow:
    id: int
    email: str
    name: str
    postcode: str
    stage: str
    purchases: int
    amount_cents: int
    last_purchase_at: datetime | None
    marketing_consent: bool
    disciplines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ContactPage:
    rows: list[ContactRow]
    total: int
    consented: int  # how many of the `total` accepted the venue's news
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


@dataclass(frozen=True)
class BaseFigures:
    """The venue's whole base at a glance: how many contacts at each stage, how many opted in."""

    total: int
    consented: int
    by_stage: dict[str, int]


def base_figures(session: Session, venue: Venue) -> BaseFigures:
    rows = session.execute(
        select(Contact.stage, Contact.marketing_consent, func.count())
        .where(*_conditions(venue, ContactFilter()))
        .group_by(Contact.stage, Contact.marketing_consent)
    ).all()
    by_stage = dict.fromkeys(STAGES, 0)
    for stage, _consent, count in rows:
        by_stage[stage] += count
    return BaseFigures(total=sum(by_stage.values()),
                       consented=sum(count for _stage, consent, count in rows if consent),
                       by_stage=by_stage)


def find_contacts(session: Session, venue: Venue, segment: ContactFilter, *, page: int = 1,
                  per_page: int = PER_PAGE, whole_base: BaseFigures | None = None
                  ) -> ContactPage:
    """One page of the venue's contacts in `segment`, with how many there are in all.

    `whole_base`, when the caller has it, spares counting the whole base a second time.
    """
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    where = _conditions(venue, segment)
    if segment.is_everyone and whole_base is not None:
        total, consented = whole_base.total, whole_base.consented
    else:
        total, consented = session.execute(
            select(func.count(), func.coalesce(func.sum(
                case((Contact.marketing_consent.is_(True), 1), else_=0)), 0))
            .select_from(Contact).where(*where)
        ).one()
    page = min(max(1, page), max(1, -(-total // per_page)))
    rows = session.execute(
        select(Contact.id, Contact.email, Contact.name, Contact.postcode, Contact.stage,
               Contact.purchases, Contact.amount_cents, Contact.last_purchase_at,
               Contact.marketing_consent, Contact.disciplines)
        .where(*where).order_by(*_order(segment.sort))
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return ContactPage(rows=[ContactRow(**row._mapping) for row in rows], total=total,
                       consented=int(consented), page=page, per_page=per_page)


def venue_contact(session: Session, venue: Venue, contact_id: object) -> Contact:
    """One of the venue's contacts; any other id (another venue's, erased) is not found."""
    contact = session.get(Contact, contact_id) if isinstance(contact_id, int) else None
    if contact is None or contact.venue_id != venue.id \
            or _is_erased(contact.email):
        raise NotFound("This venue has no such contact.", code="unknown_contact")
    return contact


# What exports and pulls read of a contact: plain rows, no ORM objects (50,000 of them
# would cost more to build than to write out).
RECORD_COLUMNS = (Contact.id, Contact.email, Contact.name, Contact.postcode,
                  Contact.birth_year, Contact.source, Contact.stage, Contact.purchases,
                  Contact.amount_cents, Contact.disciplines, Contact.marketing_consent,
                  Contact.consent_at, Contact.consent_text, Contact.first_purchase_at,
                  Contact.last_purchase_at, Contact.created_at, Contact.updated_at)


def export_contacts(session: Session, venue: Venue, segment: ContactFilter, *,
                    marketing: bool, batch: int = 2000) -> Iterator[Row]:
    """Every contact of the segment, streamed in batches; only opted-in ones for `marketing`.

    Rows carry the attributes of RECORD_COLUMNS.
    """
    if marketing:
        segment = replace(segment, consented=True)
    yield from session.execute(
        select(*RECORD_COLUMNS).where(*_conditions(venue, segment))
        .order_by(*_order(segment.sort)).execution_options(yield_per=batch)
    )


@dataclass(frozen=True)
class ContactsSince:
    contacts: list[Contact]
    page: int
    per_page: int
    next_page: int | None


def contacts_since(session: Session, venue: Venue, updated_since: datetime | None, *,
                   page: int = 1, per_page: int = 100) -> ContactsSince:
    """The venue's contacts created or changed at or after `updated_since`, by id.

    Ordered by id, not by time: a contact changing while a system walks the pages may
    then come twice, but none is ever skipped.
    """
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    contacts = list(session.scalars(
        _since(venue, updated_since).offset((page - 1) * per_page).limit(per_page + 1)))
    more = len(contacts) > per_page
    return ContactsSince(contacts=contacts[:per_page], page=page, per_page=per_page,
                         next_page=page + 1 if more else None)


def all_contacts_since(session: Session, venue: Venue, updated_since: datetime | None,
                       batch: int = 2000) -> Iterator[Row]:
    """The same contacts as `contacts_since`, all of them, streamed as RECORD_COLUMNS rows."""
    yield from session.execute(_since(venue, updated_since, *RECORD_COLUMNS)
                               .execution_options(yield_per=batch))


def _since(venue: Venue, updated_since: datetime | None, *columns):
    query = select(*(columns or (Contact,))).where(*_conditions(venue, ContactFilter()))
    if updated_since is not None:
        query = query.where(Contact.updated_at >= updated_since)
    return query.order_by(Contact.id)


def _conditions(venue: Venue, segment: ContactFilter) -> list:
    where = [Contact.venue_id == venue.id, Contact.email.not_like(ERASED_EMAIL_PATTERN)]
    for term in folded(segment.q).split()[:MAX_SEARCH_TERMS]:
        where.append(Contact.search_text.like(f"%{_escaped(term)}%", escape="\\"))
    if segment.stage:
        where.append(Contact.stage == segment.stage)
    if segment.consented:
        where.append(Contact.marketing_consent.is_(True))
    if segment.discipline:
        # The list is stored as JSON text: '["dance", "theatre"]'; codes are a closed set.
        where.append(cast(Contact.disciplines, String).like(f'%"{segment.discipline}"%'))
    if segment.postcode:
        where.append(Contact.postcode.like(f"{_escaped(segment.postcode)}%", escape="\\"))
    if segment.deep_discount:
        where.append(exists().where(Order.contact_id == Contact.id, Order.status == "paid",
                                    Order.discount_percent >= DEEP_DISCOUNT_PERCENT))
    return where


def _order(sort: str) -> list:
    if sort == "name":  # the folded name leads search_text: case and accents ignored
        return [Contact.search_text, Contact.id]
    if sort == "purchases":
        return [Contact.purchases.desc(), Contact.amount_cents.desc(), Contact.id.desc()]
    return [Contact.last_purchase_at.desc().nulls_last(), Contact.id.desc()]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_erased(email: str) -> bool:
    prefix, _, suffix = ERASED_EMAIL_PATTERN.partition("%")
    return email.startswith(prefix) and email.endswith(suffix)


def _ticked(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes", "y")
