"""Writing mapped HSDS records (``hsds.mapping``) into the catalogue's pages.

With ``publish`` pages are created live without a revision and updated in place;
the search index learns about them through Wagtail's ``page_published`` signal.
Without it every new or changed page gets a revision that is submitted to the
approval workflow (new pages stay unpublished until a coordinator approves them).

The writer finds records by HSDS id and resolves references (an organization, a
location, a taxonomy term); one that is not there raises ``RecordError``. New
pages are inserted in bulk-friendly ways: paths by ``hsds.tree``, their relations
and log entries collected and written once per batch (``batch_end``).
"""

import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, PageLogEntry
from wagtail.signals import page_published

from directory.finder import districts_for_postcode
from directory.models import (
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    District,
    HomePage,
    Language,
    OfferPage,
    OpeningException,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from directory.models.pages import contact_points_of_other_agencies
from directory.sanitise import plain_text_clean
from directory.services import home_create

from .mapping import (
    KEEP,
    Attributes,
    Hours,
    LocationLink,
    MappedLocation,
    MappedOffer,
    MappedOrganization,
    MappedResponsibility,
    MappedTerm,
    Owner,
    RecordError,
    TermRef,
    uuid_or_none,
)
from .mapping import Language as MappedLanguage
from .tree import ChildAppender, TreeFull
from .vocabulary import term_by_hsds_id

ACTIONS = ("unchanged", "updated", "created")


def action_note(current: str, action: str) -> str:
    """The stronger of two actions: a record that created anything is created."""
    return action if ACTIONS.index(action) > ACTIONS.index(current) else current


class Writer:
    """Writes mapped records in ``language`` (the import's source language is
    ``source``); ``agency`` puts everything under one agency.

    Per-run caches make records that many services share written once. Each
    record runs between ``record_begin`` and ``record_end`` inside the caller's
    savepoint; ``record_end(kept=False)`` forgets what the record cached.
    """

    def __init__(
        self,
        *,
        language: str,
        source: str,
        agency: AgencyPage | None,
        publish: bool,
        user=None,
    ):
        self.language = language
        self.source = source
        self.agency = agency
        self.publish = publish
        self.user = user
        self.notes: list[str] = []  # the current record's remarks
        self.changes: list[str] = []  # fields an update of the current record changed
        self._home: HomePage | None = None
        self._tree = ChildAppender()
        self._organizations: dict[str, AgencyPage] = {}
        self._locations: dict[str, ContactPointPage] = {}
        self._terms: dict[str, Any] = {}
        self._languages = {
            language.code: language for language in Language.objects.all()
        }
        # HSDS ids already here, so new records need no lookup query.
        self._known = {
            model: set(model.objects.values_list("hsds_id", flat=True))
            for model in (AgencyPage, ContactPointPage, OfferPage, Responsibility)
        }
        self._slugs: dict[int, set[str]] = {}
        self._locale = None
        self._batch_offers: dict = {}
        self._batch_rows: list = []
        self._batch_drafts: list = []
        self._record_keys: list[tuple[dict, str]] = []
        self._record_rows: list = []
        self._record_drafts: list = []

    # --- batches and records -------------------------------------------------------

    def batch_begin(self) -> None:
        # Other writers may have added pages since the last batch.
        self._tree.forget()
        self._slugs = {}
        self._batch_rows = []
        self._batch_drafts = []

    def batch_end(self) -> None:
        """Write the relations and log entries of the batch's new pages, one
        insert per kind, and submit its new drafts.
        """
        by_model: dict[Any, list] = {}
        for row in self._batch_rows:
            by_model.setdefault(type(row), []).append(row)
        for model, items in by_model.items():
            # A relation row may exist already when a file names a record twice.
            model.objects.bulk_create(
                items, batch_size=500, ignore_conflicts=model is not PageLogEntry
            )
        # Read back with the relations just written (a revision of the page as
        # built would lack them).
        for model, pk in self._batch_drafts:
            self._draft_submit(model.objects.get(pk=pk))

    def offers_prefetch(self, ids: list[uuid.UUID]) -> None:
        """Load these services' existing offers with their relations together."""
        known = [i for i in ids if i in self._known[OfferPage]]
        self._batch_offers = {
            offer.hsds_id: offer
            for offer in OfferPage.objects.filter(hsds_id__in=known).prefetch_related(
                "topics",
                "target_groups",
                "residence_statuses",
                "languages",
                Prefetch(
                    "contact_points",
                    queryset=ContactPointPage.objects.only("pk", "path"),
                ),
                "contact_persons",
            )
        }

    def record_begin(self) -> None:
        self.notes = []
        self.changes = []
        self._record_keys = []
        self._record_rows = []
        self._record_drafts = []

    def record_end(self, *, kept: bool) -> None:
        if kept:
            self._batch_rows += self._record_rows
            self._batch_drafts += self._record_drafts
        else:
            # The savepoint took the record back; so go the caches it filled.
            for cache, key in self._record_keys:
                cache.pop(key, None)
        self._record_keys = []

    # --- records -------------------------------------------------------------------

    def term_write(self, mapped: MappedTerm) -> tuple[Any, str]:
        """The term, found by HSDS id, code or name, else created."""
        if mapped.id in self._terms:
            return self._terms[mapped.id], "unchanged"
        term = term_by_hsds_id(mapped.id)
        model = type(term) if term is not None else mapped.model
        if term is None:
            code = mapped.code or mapped.name
            term = (
                model.objects.filter(slug=slugify(code)[:80]).first()
                or model.objects.filter(
                    **{f"name_{self.language}__iexact": mapped.name}
                ).first()
            )
            if term is not None:
                self._remember(self._terms, mapped.id, term)
                return term, "unchanged"
            term = model(
                hsds_id=mapped.id,
                slug=_free_slug(model, slugify(code)[:80] or "term"),
            )
        changed: list[str] = []
        self._set_text(term, "name", mapped.name, changed)
        description = mapped.description
        if hasattr(term, "description") and description and description != mapped.name:
            self._set_text(term, "description", description, changed)
        action = "unchanged"
        if changed:
            action = "created" if term.pk is None else "updated"
            term.full_clean(exclude=["hsds_id"])
            term.save()
        self._remember(self._terms, mapped.id, term)
        return term, action

    def organization_write(self, mapped: MappedOrganization) -> tuple[AgencyPage, str]:
        if mapped.id in self._organizations:
            return self._organizations[mapped.id], "unchanged"
        self._terms_resolve(mapped.attributes)
        agency = self._existing(AgencyPage, mapped.id)
        home = self._home_page()
        if agency is None:
            agency = AgencyPage(hsds_id=mapped.id)
            agency.slug = self._slug(
                home, mapped.slug_wanted, f"agency-{mapped.id[:8]}"
            )
        changed: list[str] = []
        self._set_text(agency, "title", mapped.name, changed)
        self._set_text(agency, "description", mapped.description, changed)
        for field in ("email", "website", "phone", "agency_type"):
            self._set(agency, field, getattr(mapped, field), changed)
        if self.language == self.source or agency.pk is None:
            self._set(agency, "draft_title", agency.title_de, changed)
        action = self._page_save(agency, home, changed) or "unchanged"
        self._remember(self._organizations, mapped.id, agency)
        return agency, action

    def owner(self, owner: Owner | None) -> tuple[AgencyPage, str]:
        """The agency a service or location belongs to (``None``: the import's)."""
        if owner is None:
            # Records are mapped without their owner only for an import with one.
            assert self.agency is not None
            return self.agency, "unchanged"
        if owner.organization is not None:
            return self.organization_write(owner.organization)
        assert owner.id is not None
        agency = (
            self._organizations.get(owner.id)
            or AgencyPage.objects.filter(hsds_id=owner.id).first()
        )
        if agency is None:
            raise RecordError(
                f"{owner.where}.organization_id: unknown organization {owner.id}; "
                "include the organization in the file or import with --agency"
            )
        return agency, "unchanged"

    def location_write(
        self, mapped: MappedLocation, agency: AgencyPage
    ) -> tuple[ContactPointPage, str]:
        if mapped.id in self._locations:
            return self._locations[mapped.id], "unchanged"
        self.notes += mapped.notes
        point = self._existing(ContactPointPage, mapped.id)
        parent = agency  # where a new one goes; an existing one stays put
        if point is None:
            point = ContactPointPage(hsds_id=mapped.id, agency=agency)
            point.slug = self._slug(agency, mapped.slug_wanted, f"ort-{mapped.id[:8]}")
        changed: list[str] = []
        self._set_text(point, "title", mapped.name, changed)
        if self.language == self.source or point.pk is None:
            self._set(point, "draft_title", point.title_de, changed)
        for field in ("street", "postcode", "city"):
            self._set(point, field, getattr(mapped, field), changed)
        self._set_text(point, "transport_hint", mapped.transport_hint, changed)
        for field in ("latitude", "longitude", "phone", "email"):
            self._set(point, field, getattr(mapped, field), changed)
        if mapped.accessibility_note is not KEEP:
            self._set_text(
                point, "accessibility_note", mapped.accessibility_note, changed
            )
        attributes = mapped.attributes
        if attributes is not KEEP:
            terms = self._terms_resolve(Attributes({}, attributes.terms))
            district = next((t for t in terms if isinstance(t, District)), None)
            if district is None and point.postcode:
                # Only an unambiguous postcode says where the place is.
                candidates = districts_for_postcode(postcode=point.postcode)
                district = candidates[0] if len(candidates) == 1 else None
            self._set_fk(point, "district", district, changed)
            for attr in (
                "wheelchair",
                "has_lift",
                "has_hearing_loop",
                "temporarily_closed",
                "appointment_url",
            ):
                self._set(point, attr, getattr(attributes, attr), changed)
            self._set_text(point, "closed_note", attributes.closed_note, changed)
        self._languages_set(point, mapped.languages, changed)
        if mapped.hours is not KEEP:
            self._hours_set(point, mapped.hours, changed)
        action = self._page_save(point, parent, changed) or "unchanged"
        self._remember(self._locations, mapped.id, point)
        return point, action

    def service_write(self, mapped: MappedOffer | MappedResponsibility) -> str:
        """Write an offer or a responsibility with what it needs; returns the
        strongest action among them.
        """
        terms = self._terms_resolve(mapped.attributes)
        agency, action = self.owner(mapped.owner)
        points = []
        for link in mapped.links:
            point, link_action = self._link(link, agency)
            action = action_note(action, link_action)
            points.append(point)
        if isinstance(mapped, MappedResponsibility):
            return action_note(
                action, self._responsibility(mapped, agency, points, terms)
            )
        foreign = contact_points_of_other_agencies(
            agency_id=agency.pk, contact_points=points
        )
        for point in foreign:
            self.notes.append(
                f"location {point.hsds_id} belongs to another organization; an "
                "offer takes place only at its own organization's places: left out"
            )
        points = [point for point in points if point not in foreign]
        return action_note(action, self._offer(mapped, agency, points, terms))

    # --- services ------------------------------------------------------------------

    def _link(self, link: LocationLink, agency: AgencyPage) -> tuple[Any, str]:
        if link.location is None:
            lid = str(link.location_id)
            point = self._locations.get(lid) or (
                ContactPointPage.objects.filter(hsds_id=lid).first()
            )
            if point is None:
                raise RecordError(f"{link.where}.location_id: unknown location {lid}")
            return point, "unchanged"
        return self.location_write(link.location, self._location_owner(link, agency))

    def _location_owner(self, link: LocationLink, agency: AgencyPage) -> AgencyPage:
        """A service's place belongs to its own organization when we know it, else
        to the service's.
        """
        location = link.location
        assert location is not None
        oid = location.organization_id
        if self.agency is not None or not oid or oid == str(agency.hsds_id):
            return agency
        key = uuid_or_none(oid)
        known = (
            self._organizations.get(str(key))
            or AgencyPage.objects.filter(hsds_id=key).first()
            if key is not None
            else None
        )
        if known is not None:
            return known
        self.notes.append(
            f"location {location.id}: organization {oid} is unknown; "
            f"placed under {agency.title}"
        )
        return agency

    def _offer(self, mapped: MappedOffer, agency, points, terms) -> str:
        offer = self._existing(OfferPage, mapped.id)
        parent = agency  # where a new one goes; an existing one stays put
        if offer is None:
            offer = OfferPage(hsds_id=mapped.id, agency=agency)
            offer.slug = self._slug(
                agency, mapped.slug_wanted, f"angebot-{mapped.id[:8]}"
            )
        changed: list[str] = []
        self._set_text(offer, "title", mapped.title, changed)
        if self.language == self.source or offer.pk is None:
            self._set(offer, "draft_title", offer.title_de, changed)
        if mapped.summary is not KEEP:
            self._set_text(offer, "summary", mapped.summary, changed)
        self._set_text(offer, "description", mapped.description, changed, rich=True)
        self._set(offer, "status", mapped.status, changed)
        if mapped.how_to_apply is not KEEP:
            self._set_text(offer, "how_to_apply", mapped.how_to_apply, changed)
        self._set(offer, "is_free", mapped.is_free, changed)
        if mapped.fee_description is not KEEP:
            self._set_text(offer, "fee_description", mapped.fee_description, changed)
        for attr in ("min_age", "max_age", "assured_date", "assurer_email", "format"):
            self._set(offer, attr, getattr(mapped, attr), changed)
        if mapped.required_documents is not KEEP:
            self._set_text(
                offer, "required_documents", mapped.required_documents, changed
            )
        self._set(offer, "start_date", mapped.start_date, changed)
        self._set(offer, "end_date", mapped.end_date, changed)
        if mapped.set_terms:
            for relation, model in (
                ("topics", Topic),
                ("target_groups", TargetGroup),
                ("residence_statuses", ResidenceStatus),
            ):
                wanted = [t for t in terms if isinstance(t, model)]
                self._m2m_set(offer, relation, wanted, changed)
        if mapped.full:
            self._m2m_set(offer, "contact_points", points, changed)
        self._languages_set(offer, mapped.languages, changed)
        if mapped.contacts is not None and self.language == self.source:
            self._contacts_set(offer, mapped, changed)
        elif mapped.contacts is not None and offer.pk:
            persons = list(offer.contact_persons.all())
            roles = list(mapped.contact_roles)
            if len(roles) == len(persons):
                self._translations_set(offer, "contact_persons", "role", roles, changed)
        if offer.min_age is not None and offer.max_age is not None:
            if offer.min_age > offer.max_age:
                raise RecordError("minimum_age: higher than maximum_age")
        if offer.start_date and offer.end_date and offer.start_date > offer.end_date:
            raise RecordError("schedules: the offer ends before it starts")
        saved = self._page_save(offer, parent, changed, when=mapped.last_modified)
        return saved or "unchanged"

    def _contacts_set(self, offer: OfferPage, mapped: MappedOffer, changed) -> None:
        wanted = [(c.name, c.role, c.email, c.phone) for c in mapped.contacts or ()]
        current = (
            [
                (p.name, getattr(p, f"role_{self.source}") or "", p.email, p.phone)
                for p in offer.contact_persons.all()
            ]
            if offer.pk
            else []
        )
        if current != wanted:
            offer.contact_persons = [  # type: ignore[misc]  # modelcluster relation
                ContactPerson(name=n, email=e, phone=p, **{f"role_{self.source}": r})
                for n, r, e, p in wanted
            ]
            changed.append("contact_persons.")

    def _responsibility(
        self, mapped: MappedResponsibility, agency, points, terms
    ) -> str:
        rule = self._existing(Responsibility, mapped.id) or Responsibility(
            hsds_id=mapped.id
        )
        topics = [t for t in terms if isinstance(t, Topic)]
        if not topics:
            raise RecordError("attributes: a responsibility needs a topic")
        changed: list[str] = []
        self._set_text(rule, "title", mapped.title, changed)
        self._set_text(rule, "explanation", mapped.explanation, changed)
        self._set_text(rule, "what_to_bring", mapped.what_to_bring, changed)
        self._set_fk(rule, "topic", topics[0], changed)
        for attr, model in (
            ("residence_status", ResidenceStatus),
            ("target_group", TargetGroup),
            ("district", District),
        ):
            found = [t for t in terms if isinstance(t, model)]
            self._set_fk(rule, attr, found[0] if found else None, changed)
        self._set_fk(rule, "agency", agency, changed)
        point = points[0] if points else None
        if point is not None and point.agency_id != agency.pk:
            self.notes.append(
                "the contact point belongs to another organization; left out"
            )
            point = None
        self._set_fk(rule, "contact_point", point, changed)
        if not changed:
            return "unchanged"
        if mapped.last_modified is not None:
            rule.updated_at = mapped.last_modified
            rule.keep_updated_at = True
        action = "created" if rule.pk is None else "updated"
        if rule.pk is not None:
            self.changes += changed
        rule.full_clean(exclude=["hsds_id"])
        rule.save()
        return action

    # --- references ----------------------------------------------------------------

    def _terms_resolve(self, attributes: Attributes) -> list:
        terms = []
        for ref in attributes.terms:
            terms.append(self._term(ref))
        return terms

    def _term(self, ref: TermRef):
        if ref.term is not None:
            return self.term_write(ref.term)[0]
        term = self._terms.get(ref.id) or term_by_hsds_id(ref.id)
        if term is None:
            raise RecordError(
                f"{ref.where}.taxonomy_term_id: unknown taxonomy term {ref.id}"
            )
        return term

    def _existing(self, model, hsds_id: str):
        key = uuid.UUID(hsds_id)
        if key not in self._known[model]:
            return None
        if model is OfferPage and key in self._batch_offers:
            # once: a failed record may leave it dirty
            found = self._batch_offers.pop(key)
        else:
            found = model.objects.filter(hsds_id=hsds_id).first()
        if not self.publish and getattr(found, "has_unpublished_changes", False):
            # Compared with the draft waiting for approval, so a second run of the
            # same file changes nothing.
            found = found.get_latest_revision_as_object()
        return found

    def _remember(self, cache: dict, key: str, value) -> None:
        cache[key] = value
        self._record_keys.append((cache, key))

    def _home_page(self) -> HomePage:
        if self._home is None:
            self._home = HomePage.objects.first() or home_create(
                **{f"title_{self.source}": "Wegweiser"}
            )
        return self._home

    # --- fields --------------------------------------------------------------------

    def _set(self, obj, attr: str, value, changed: list[str]) -> None:
        """``value`` into ``attr`` unless the record does not carry it (KEEP)."""
        if value is KEEP:
            return
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed.append(attr)

    def _set_fk(self, obj, name: str, value, changed: list[str]) -> None:
        if getattr(obj, f"{name}_id") != (value.pk if value is not None else None):
            setattr(obj, name, value)
            changed.append(name)

    def _set_text(
        self, obj, name: str, value: str, changed: list[str], *, rich: bool = False
    ) -> None:
        """Text into this import's language; a value equal to the German text stays
        out of a translation (readers get the German fallback either way).

        Plain text loses markup; ``rich`` text must come cleaned (``mapping.html``).
        """
        if not rich:
            value = plain_text_clean(value)
        if self.language != self.source:
            source = getattr(obj, f"{name}_{self.source}") or ""
            if not source and obj.pk is None and name in ("title", "name"):
                self._set(obj, f"{name}_{self.source}", value, changed)
            if value == source:
                value = ""
        attr = f"{name}_{self.language}"
        # Untouched translation columns hold NULL; for us that is the empty text.
        if (getattr(obj, attr) or "") != value:
            setattr(obj, attr, value)
            changed.append(attr)

    def _languages_set(
        self, obj, languages: tuple[MappedLanguage, ...] | None, changed: list[str]
    ) -> None:
        if languages is None:
            return
        wanted = []
        for item in languages:
            if item.code not in self._languages:
                language = Language.objects.create(
                    code=item.code[:12], native_name=item.name, german_name=item.name
                )
                self._remember(self._languages, item.code, language)
            wanted.append(self._languages[item.code])
        self._m2m_set(obj, "languages", wanted, changed)

    def _m2m_set(self, obj, name: str, wanted: list, changed: list[str]) -> None:
        wanted_pks = [item.pk for item in wanted]
        if obj.pk is None:
            # Written after the insert in one statement (see _page_save); going
            # through modelcluster would read every relation back first.
            if wanted_pks:
                obj.__dict__.setdefault("_hsds_m2m", {})[name] = wanted_pks
                changed.append(f"{name}.")
            return
        current = {item.pk for item in getattr(obj, name).all()}
        if current != set(wanted_pks):
            getattr(obj, name).set(wanted)
            changed.append(f"{name}.")

    def _translations_set(
        self, owner, relation: str, name: str, values: list, changed
    ) -> None:
        """This language's text of ``owner``'s child rows (exception notes, contact
        roles): the German rows and their order stay as they are. Saved in place
        with ``publish``, else in the page's revision.
        """
        attr = f"{name}_{self.language}"
        items = list(getattr(owner, relation).all()) if owner.pk else []
        touched = False
        for item, value in zip(items, values, strict=True):
            if value is None:
                continue
            value = plain_text_clean(value)
            if value == (getattr(item, f"{name}_{self.source}") or ""):
                value = ""
            if getattr(item, attr) != value:
                setattr(item, attr, value)
                if self.publish:
                    item.save(update_fields=[attr])
                touched = True
                changed.append(f"{name}.")
        if touched and not self.publish:
            setattr(owner, relation, items)

    def _hours_set(self, point: ContactPointPage, hours: Hours, changed) -> None:
        slots, exceptions = set(hours.slots), hours.exceptions
        current_slots = (
            {
                (s.weekday, s.opens, s.closes, s.appointment_only)
                for s in point.opening_slots.all()
            }
            if point.pk
            else set()
        )
        if current_slots != slots:
            point.opening_slots = [  # type: ignore[misc]  # modelcluster relation
                OpeningSlot(weekday=d, opens=o, closes=c, appointment_only=a)
                for d, o, c, a in sorted(slots)
            ]
            changed.append("opening_slots.")
        current_exceptions = (
            {
                e.date: (e.closed, e.opens, e.closes, getattr(e, f"note_{self.source}"))
                for e in point.opening_exceptions.all()
            }
            if point.pk
            else {}
        )
        if self.language != self.source:
            self._translations_set(
                point,
                "opening_exceptions",
                "note",
                [
                    exceptions[e.date][3] if e.date in exceptions else None
                    for e in (point.opening_exceptions.all() if point.pk else [])
                ],
                changed,
            )
        elif current_exceptions != exceptions:
            point.opening_exceptions = [  # type: ignore[misc]  # modelcluster relation
                OpeningException(
                    date=day,
                    closed=c,
                    opens=o,
                    closes=cl,
                    **{f"note_{self.source}": note},
                )
                for day, (c, o, cl, note) in sorted(exceptions.items())
            ]
            changed.append("opening_exceptions.")

    # --- pages ---------------------------------------------------------------------

    def _page_save(self, page: Page, parent: Page, changed: list[str], when=None):
        """Save a changed page (a new one as the parent's last child): live with
        ``publish``, else as a revision for the workflow (see ``batch_end``).

        Validates only the fields the import set (Wagtail's full_clean checks every
        field of every language and costs more than the save itself); database
        constraints catch the rest.
        """
        # Never published (an import without publish made it): published now,
        # changed or not, which also ends its workflow. Pages an editor unpublished
        # stay so.
        unpublished = page.pk is not None and not page.live
        release = self.publish and unpublished and page.first_published_at is None
        if release:
            changed.append("live.")
        if not changed:
            return None
        if page.pk is not None:
            self.changes += [name.rstrip(".") for name in changed]
        fields = {name for name in changed if not name.endswith(".")}
        page.clean_fields(
            exclude=[f.name for f in page._meta.concrete_fields if f.name not in fields]
        )
        if page.pk is None:
            if self.publish:
                # The source's last_modified, if it has one; we do not invent a date.
                page.live = True
                page.has_unpublished_changes = False
                page.first_published_at = page.last_published_at = when
            else:
                page.live = False
                page.has_unpublished_changes = True
            self._child_add(parent, page)
            if not self.publish:
                # Its revision once the batch has written the page's relations.
                self._record_drafts.append((type(page), page.pk))
            self._known[type(page)].add(page.hsds_id)
            for name, pks in page.__dict__.pop("_hsds_m2m", {}).items():
                field = type(page)._meta.get_field(name)
                through = field.remote_field.through
                self._record_rows += [
                    through(
                        **{
                            f"{field.m2m_field_name()}_id": page.pk,
                            f"{field.m2m_reverse_field_name()}_id": pk,
                        }
                    )
                    for pk in pks
                ]
            self._record_rows.append(
                PageLogEntry(
                    page_id=page.pk,
                    content_type=ContentType.objects.get_for_model(type(page)),
                    label=page.title_de or page.title,
                    action="wagtail.create",
                    user_id=getattr(self.user, "pk", None),
                    timestamp=timezone.now(),
                    content_changed=True,
                    data={"source": "HSDS import"},
                )
            )
            created = True
        elif not self.publish:
            # The live page stays as it is until the revision is approved.
            self._draft_submit(page)
            return "updated"
        elif release:
            page.save_revision(user=self.user, clean=False, log_action=True).publish(
                user=self.user
            )
            return "updated"
        else:
            if when is not None:
                page.last_published_at = when
            page.save(clean=False)
            created = False
        if not self.publish:
            return "created"
        page_published.send(sender=type(page), instance=page, revision=None)
        return "created" if created else "updated"

    def _draft_submit(self, page: Page) -> None:
        """A revision of ``page``, submitted to its approval workflow; a page
        already in moderation keeps its workflow, which publishes the newest
        revision on approval.
        """
        page.save_revision(user=self.user, clean=False, log_action=True)
        workflow = page.get_workflow()
        if workflow is not None and not page.workflow_in_progress:
            workflow.start(page, self.user)

    def _child_add(self, parent: Page, page: Page) -> None:
        if self._locale is None:
            self._locale = parent.locale
        page.locale = self._locale
        try:
            self._tree.place(parent, page)
        except TreeFull as error:
            raise RecordError(f"{parent.title}: {error}") from None
        # Logged with the batch (see batch_end), not one insert per page.
        page.save(clean=False, log_action=None)

    def _slug(self, parent: Page, wanted: str, fallback: str) -> str:
        """A slug free among the parent's children (``wanted`` slugified)."""
        taken = self._slugs.get(parent.pk)
        if taken is None:
            # Not get_children(): see ChildAppender.place.
            taken = set(Page.objects.child_of(parent).values_list("slug", flat=True))
            self._slugs[parent.pk] = taken
        base = slugify(wanted)[:80] or fallback
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        return slug


def _free_slug(model, wanted: str) -> str:
    slug, number = wanted or "term", 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{wanted}-{number}"
    return slug
