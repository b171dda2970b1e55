"""The contract between core and plugins: every hook a plugin may implement.

Read this file to see what a plugin can do. Each hook is called with keyword
arguments; an implementation may accept any subset of them. Hooks return plain
data (see ``core.contract``); core renders it.

Per request, ``request.plugins`` calls only the plugins the tenant has enabled
(plus core itself), so a disabled plugin's implementations are never called for
that tenant. Start-up hooks (``myynti_addhooks``, ``myynti_configure``) are
called for every installed plugin.

Families:

* lifecycle: ``myynti_addhooks``, ``myynti_configure``, ``myynti_tenant_setup``,
  ``myynti_demo_data``
* security: ``myynti_permissions``
* entities: ``myynti_entities``
* custom fields: ``myynti_form_fields``, ``myynti_form_saved``,
  ``myynti_list_columns``, ``myynti_list_filters``, ``myynti_csv_columns``,
  ``myynti_api_values``
* workflow stages: ``myynti_stage_actions``, ``myynti_stage_changed``
* UI panels: ``myynti_links``, ``myynti_panels``
* history: ``myynti_event_kinds``
* jobs: ``myynti_jobs``, ``myynti_periodic_jobs``
* messages: ``myynti_message_templates``, ``myynti_send_message``
* bulk writes: ``myynti_records_created_in_bulk``
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("myynti")

#: The slots of the page layout that ``myynti_links`` and ``myynti_panels`` fill.
LINK_SLOTS = ("navigation", "admin", "page_actions")
PANEL_SLOTS = ("dashboard", "record_summary", "record_sidebar", "record_tabs", "settings")


# --- lifecycle -----------------------------------------------------------------


@hookspec(historic=True)
def myynti_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Called once when the plugin is registered, to publish hookspecs of its own.

    A plugin whose dependants extend it calls ``pluginmanager.add_hookspecs(module)``
    here (the pattern of pytest's ``pytest_addhooks``).
    """


@hookspec
def myynti_configure(config: Any) -> None:
    """Called once at start-up, in dependency order, to configure Pyramid.

    ``config`` is a Pyramid ``Configurator`` whose package is the plugin's: add
    routes (``config.add_tenant_route`` for pages under ``/t/{tenant}/``), views,
    static views and request methods here. Views registered by a plugin answer
    404 for a tenant that has not enabled it, without the view checking.
    """


@hookspec
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    """Called once per tenant, the first time the plugin is enabled for it.

    Create the tenant's default data (stages, activity types...). ``db`` is the
    SQLAlchemy session already scoped to ``tenant``; do not commit.
    """


@hookspec
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    """Called by ``myynti demo`` to fill the demo tenant with realistic data.

    ``users`` are the demo tenant's users, the admin first. Do not commit.
    """


# --- security ------------------------------------------------------------------


@hookspec
def myynti_permissions() -> list[Any]:
    """Return the ``Permission`` objects this plugin's views use.

    Names are ``plugin:resource:action``. Only declared permissions can be held
    by a tenant member; tenant admins hold all of them.
    """


# --- entities ------------------------------------------------------------------


@hookspec
def myynti_entities() -> list[Any]:
    """Return the ``EntityType`` objects of the record types this plugin owns.

    Declared entities get history, attachments, custom fields and record panels
    from the plugins that provide them, without the owner knowing those plugins.
    """


@hookspec
def myynti_record_actions() -> list[Any]:
    """Return ``RecordAction`` objects: work on one record that is more than a field change.

    Moving a task to a stage, converting a contact request, launching a campaign:
    the API offers each at ``POST /api/v1/t/{tenant}/<entity plural>/{id}/<name>``
    and describes it in its OpenAPI document. ``run(request, record, body)`` is
    called with the caller as ``request.user`` of ``request.tenant``, in the
    request's transaction; it returns a JSON object for the caller (the changed
    record's id and state, say), and raises ``FieldErrors`` or ``ActionRefused``
    for what it will not do.
    """


# --- custom fields -------------------------------------------------------------


@hookspec
def myynti_form_fields(request: Any, entity: str) -> list[Any]:
    """Return extra form fields for the create/edit form of ``entity``.

    Each item is ``(name, section, unbound WTForms field)``, optionally with a
    fourth item ``loader(record)`` giving the field's data for an existing
    record; the owner adds them to its form class before binding it
    (``core.record_forms.form_class``).
    """


@hookspec
def myynti_form_saved(request: Any, entity: str, record: Any, form: Any) -> None:
    """Called after a valid form of ``entity`` has been applied to ``record``.

    Store the values of the fields this plugin added in ``myynti_form_fields``.
    """


@hookspec
def myynti_list_columns(request: Any, entity: str) -> list[Any]:
    """Return extra ``(key, label, getter)`` columns for the list of ``entity``.

    ``getter(record)`` returns the cell's value. A ``core.record_forms.ListColumn``
    may also name a SQL ``sort`` expression the list can be ordered by.
    """


@hookspec
def myynti_list_filters(request: Any, entity: str, params: Any) -> list[Any]:
    """Return extra ``core.record_forms.ListFilter`` objects for the list of ``entity``.

    ``params`` is the list's query string; a filter the request uses carries
    its SQL ``condition``, which the owner adds to its query.
    """


@hookspec
def myynti_csv_columns(request: Any, entity: str) -> list[Any]:
    """Return extra ``core.record_forms.CsvColumn`` objects for ``entity``'s CSV files.

    The owner writes them in its export and offers them as targets of its
    import: a column reads a record's text, parses an imported cell and writes
    the parsed value on a new record.
    """


@hookspec
def myynti_api_values(request: Any, entity: Any) -> list[Any]:
    """Return ``core.record_forms.ApiValues`` this plugin adds to ``entity``'s API records.

    ``entity`` is the ``EntityType`` declaration (the API serves every entity).

    Each is one JSON object in the record's representation, under its ``key``,
    read and written through the API as the plugin's form fields are in the UI.
    ``request`` acts as the token's user in its tenant. ``request`` is None for
    the installation's OpenAPI document, which reads only ``key`` and a generic
    ``schema`` (the tenant's own document has the tenant's).
    """


# --- workflow stages -----------------------------------------------------------


@hookspec
def myynti_stage_actions(request: Any) -> list[Any]:
    """Return the ``StageAction`` objects an admin can attach to a workflow stage."""


@hookspec
def myynti_stage_changed(db: Any, tenant: Any, task: Any, old_stage: Any, new_stage: Any) -> None:
    """Called after a task has moved from ``old_stage`` to ``new_stage``.

    React to the change (history, notifications). Do not commit.
    """


# --- UI panels -----------------------------------------------------------------


@hookspec
def myynti_links(request: Any, slot: str, context: Any) -> list[Any]:
    """Return ``Link`` objects for ``slot`` (one of ``LINK_SLOTS``).

    ``navigation`` is the main menu of a tenant, ``admin`` the tenant
    administration menu, ``page_actions`` the buttons of the page whose record is
    ``context``. Return only links the user has permission for.

    The ``navigation`` and ``admin`` links are asked once per process for a user
    in a tenant (and language) and kept until a membership, a user or the
    tenant's plugins change: they must depend on who the user is and what they
    may do, not on the page or on the tenant's records.
    """


@hookspec
def myynti_panels(request: Any, slot: str, context: Any) -> list[Any]:
    """Return ``Panel`` objects for ``slot`` (one of ``PANEL_SLOTS``).

    ``dashboard`` panels show on a tenant's front page; ``record_summary`` (a
    line under the record's heading, untitled), ``record_sidebar`` and
    ``record_tabs`` on the page of ``context`` (a record); ``settings`` on the
    tenant's administration page.

    The dashboard and the pages of customers and tasks are kept per process
    until the tenant's data change (``core.page_cache``): a panel shows what the
    tenant's rows, the user and the request hold, never what only another
    service knows.
    """


# --- history -------------------------------------------------------------------


@hookspec
def myynti_event_kinds() -> list[Any]:
    """Return the ``EventKind`` objects of the history events this plugin writes.

    A record's timeline shows only kinds declared by plugins the tenant has
    enabled. Write events with ``core.history.record_event``.
    """


# --- jobs ----------------------------------------------------------------------


@hookspec
def myynti_jobs() -> list[Any]:
    """Return the ``JobType`` objects this plugin runs in the background.

    Start one with ``core.jobs.enqueue``: an outbox row is written in the
    current transaction and the job runs after it commits, as the tenant. A job
    of a plugin the tenant has disabled is skipped, and the reason recorded.
    """


@hookspec
def myynti_periodic_jobs() -> list[Any]:
    """Return the ``PeriodicJob`` objects the scheduler runs at their intervals.

    A periodic job runs across tenants (e.g. poll every tenant's mailboxes);
    it should ``enqueue`` per-tenant jobs rather than work as many tenants
    itself.
    """


# --- messages ------------------------------------------------------------------


@hookspec
def myynti_message_templates(db: Any, tenant: Any, channel: str) -> list[Any]:
    """Return ``(key, label)`` pairs of the message templates ``tenant`` has for ``channel``.

    ``channel`` is ``"email"`` or ``"sms"``. A plugin that sends messages for
    another (a campaign's first step, a stage action) offers these as choices
    and passes the chosen key as ``OutgoingMessage.template``.
    """


@hookspec(firstresult=True)
def myynti_send_message(db: Any, tenant: Any, message: Any) -> Any:
    """Queue ``message`` (an ``OutgoingMessage``) to be sent after the transaction commits.

    Implemented by the plugin that sends messages; any plugin calls it to send
    one without importing that plugin. Returns the queued message's id, or
    ``None`` when no enabled plugin sends messages. Raises
    ``core.MessageRefused`` when the message cannot go (no address, no consent
    for marketing, an unknown template); write nothing else in that case.
    """


# --- bulk writes ---------------------------------------------------------------


@hookspec
def myynti_records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: list[int]) -> None:
    """Called after rows of ``entity`` were inserted with bulk SQL, bypassing the ORM's events.

    A plugin that writes records with a multi-row Core ``INSERT`` (a campaign's
    tasks and their history) calls ``core.bulk.records_created_in_bulk`` in the
    same transaction, so plugins that keep data derived from such records in
    ORM listeners catch up: summaries, webhook deliveries. ``entity`` is an
    entity's name (``"task"``) or ``"event"`` for core's history events
    (``core.models.Event``); ``ids`` are the new rows' ids. Called for every
    installed plugin, as ORM listeners run, whatever the tenant has enabled:
    check the tenant yourself where that matters. ``db`` works as
    ``tenant_id``; work set-based (a statement per batch, not per row), do not
    commit.
    """
