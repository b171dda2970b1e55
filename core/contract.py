"""Plain data that hooks return.

Hooks hand back these dataclasses, never HTML of their own: core renders every
link and panel with one shared template, so plugins look alike and cannot break
the layout (STYLE.md, "hooks return plain data").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: A human text: a ``_()`` message of the plugin's own catalogue (``_("Customers")``),
#: translated when shown. A plain string is a text that is the same in every language
#: (a name); ``{"fi": ..., "sv": ..., "en": ...}`` is tenant data typed in each language.
Label = Mapping[str, str] | str

DEFAULT_LANGUAGE = "fi"


def label_text(label: Label, locale: str) -> str:
    """The text of ``label`` for ``locale``: a message through its catalogue, a dict by
    language (falling back to Finnish, then English), a plain string as it is."""
    if isinstance(label, str):
        from core.i18n import translate

        return translate(label, locale)
    for lang in (locale, DEFAULT_LANGUAGE, "en"):
        if label.get(lang):
            return label[lang]
    return next(iter(label.values()), "")


@dataclass(frozen=True)
class Link:
    """A link shown in a slot such as the navigation or a page's actions."""

    label: Label
    url: str
    order: int = 100
    icon: str = ""
    #: POST links (an action that changes something) are rendered as a small form with CSRF.
    method: str = "get"


@dataclass(frozen=True)
class Panel:
    """A block of content in a slot: the dashboard, a record's sidebar or tabs.

    ``template`` is an asset spec (``"myplugin:templates/panel.pt"``) rendered
    with ``data`` plus ``request`` and ``api``.
    """

    title: Label
    template: str
    data: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100
    key: str = ""


@dataclass(frozen=True)
class Permission:
    """A permission named ``plugin:resource:action`` and the tenant roles that hold it.

    Tenant admins hold every tenant permission; list ``"member"`` in ``roles`` to
    give it to ordinary members too.
    """

    name: str
    title: Label
    roles: tuple[str, ...] = ("admin",)


@dataclass(frozen=True)
class EntityType:
    """A record type a plugin owns (customer, task...), so other plugins can work with it.

    ``model`` is the SQLAlchemy class; ``route_name`` the route of a record's page
    (called with ``id=``); ``search_fields`` (text columns, for the top bar's
    search, ``core.search``) and ``list_columns`` name attributes.
    ``search_condition(text)``, where given, returns a SQL condition on
    ``model`` that the search adds to its prefix matches: for what a prefix
    cannot find (a phone number typed in another format, a business ID
    without its hyphen, a contact person's name finding the customer).
    ``shown_on`` lists ``(entity, attribute)`` pairs: a record's events are also
    told on the timeline of the ``entity`` record its ``attribute`` names (a
    task's events on its customer's timeline, through ``customer_id``).
    """

    name: str
    model: type
    label: Label
    plural: Label
    title_attr: str = "name"
    search_fields: tuple[str, ...] = ()
    list_columns: tuple[str, ...] = ()
    route_name: str = ""
    permission: str = ""
    history: bool = True
    attachments: bool = False
    custom_fields: bool = True
    search_condition: Callable[[str], Any] | None = None
    shown_on: tuple[tuple[str, str], ...] = ()
    #: Writing records through the API: the permission it takes, the fields a caller may
    #: set, and optionally ``api_save(request, record, values) -> record`` (``record`` is
    #: None for a new one; ``request`` acts as the token's user, as a signed-in request of
    #: the tenant would) applying them with the owner's own rules and history; it raises
    #: ``FieldErrors`` for values those rules refuse. Without ``api_save`` the API sets the
    #: attributes and records ``created``/``changed`` itself. No ``api_fields``: read-only.
    #: ``api_required`` names the fields a new record must be given (None: the not-null
    #: columns without a default), for an owner that fills some in itself.
    #: ``api_archive(request, record)`` archives as the owner's own page does.
    edit_permission: str = ""
    api_fields: tuple[str, ...] = ()
    api_save: Callable[..., Any] | None = None
    api_required: tuple[str, ...] | None = None
    api_archive: Callable[..., Any] | None = None


class FieldErrors(ValueError):
    """Values an entity's owner refuses, by field name: ``FieldErrors({"email": msg})``."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


@dataclass(frozen=True)
class RecordAction:
    """Work on one record of ``entity`` that is more than a field change (an API endpoint).

    ``permission`` is what the user's role must hold; ``body`` the JSON Schema of
    the request's body (an object), for the API's checks and its document;
    ``summary`` one line for the document.
    """

    entity: str
    name: str
    permission: str
    body: Mapping[str, Any]
    run: Callable[..., Any]
    summary: str = ""


class ActionRefused(Exception):
    """A record action that was not done: ``message`` for the caller.

    ``status`` is 409 when the record changed or is in a state that forbids it
    (a stale version, an already converted request), else 422.
    """

    def __init__(self, message: Any, field: str = "", status: int = 422) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class StageAction:
    """Something a workflow stage can do when a task enters it (create a quote...).

    ``run`` is called in a background job with ``db``, ``tenant``, ``task`` and
    ``options``; it raises to report failure.
    """

    key: str
    label: Label
    run: Callable[..., Any]
    description: Label = ""


@dataclass(frozen=True)
class EventKind:
    """A kind of history event (``"stage_changed"``), declared by the plugin that writes it.

    ``template`` (an asset spec) renders one event's body with ``event`` and
    ``api``; without it the timeline shows the label and the payload's ``text``.
    """

    key: str
    label: Label
    icon: str = "•"
    template: str = ""


@dataclass(frozen=True)
class JobType:
    """Work a plugin runs in the background, through the outbox.

    ``run(db=..., tenant=..., payload=...)`` is called inside its own
    transaction as the tenant; it must do its work within that transaction so
    that a retry after a crash does nothing twice.

    A side effect outside the database (an e-mail, an HTTP call) cannot be
    undone with the transaction: a worker killed after it, or a commit that
    fails after it, runs the job again. For those, ``run`` may take an
    ``idempotency_key`` argument: a string (32 hex digits) that is the same
    for every attempt of this job, an operator's retry included, and unique
    to it. Pass it to the outside so that the receiver can recognise the
    repeat: as an e-mail's ``Message-ID`` (``<key@domain>``), a webhook's
    delivery id, an ``Idempotency-Key`` header. A ``run`` without the
    argument (and without ``**kwargs``) is called without it.
    """

    name: str
    run: Callable[..., Any]


@dataclass(frozen=True)
class PeriodicJob:
    """Work run every ``interval`` seconds by the scheduler (not per tenant)."""

    name: str
    interval: int
    run: Callable[..., Any]


@dataclass(frozen=True)
class MessageFile:
    """A file sent with an ``OutgoingMessage`` (a quote's PDF, a report's sheet)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """A message a plugin asks the tenant's messaging plugin to send (``myynti_send_message``).

    ``entity`` and ``record_id`` name the record the message belongs to: its
    history shows the message and a reply is routed back to it. With
    ``template`` (a key offered by ``myynti_message_templates``) the subject and
    body are rendered for that record; with ``to`` empty the message goes to
    the record's own address (a customer's, a contact person's, a task's
    contact). ``automatic`` marks mail no person wrote (``Auto-Submitted``);
    ``marketing`` mail goes only to people who have consented to it.
    """

    entity: str
    record_id: int
    channel: str = "email"
    to: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""
    template: str = ""
    files: tuple[MessageFile, ...] = ()
    sender_id: int | None = None
    automatic: bool = False
    marketing: bool = False


class MessageRefused(Exception):
    """``myynti_send_message`` will not send this message; ``str()`` says why, for the user."""
