"""Reports: sales, pipeline, activity and task figures, and reports other plugins contribute."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_reports.po``.
_ = TranslationStringFactory("myynti_reports")

plugin = Plugin(
    name="reports",
    title=_("Reports"),
    version="0.1.0",
    package="plugins.reports",
    summary=_("Sales, pipeline, activity and task reports with charts and exports"),
    depends=("workflow",),
)
