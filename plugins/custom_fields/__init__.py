"""Tenant-defined extra fields on any entity that accepts them.

An admin defines fields per entity type; their values live in the record's
``custom_values`` JSON column (``core.models.HasCustomValues``). The entity's
owner knows nothing of this plugin: the fields reach its forms, lists and CSV
files through core's custom-field hooks (``core.record_forms``).
"""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_custom_fields.po``.
_ = TranslationStringFactory("myynti_custom_fields")

plugin = Plugin(
    name="custom_fields",
    title=_("Custom fields"),
    version="0.1.0",
    package="plugins.custom_fields",
    summary=_("Your own extra fields on customers, contact persons and tasks"),
)
