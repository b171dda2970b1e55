"""Reports: sales, pipeline, activity and task figures, and reports other plugins contribute."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

plugin = Plugin(
    name="reports",
    title={"fi": "Raportit", "sv": "Rapporter", "en": "Reports"},
    version="0.1.0",
    package="plugins.reports",
    summary={
        "fi": "Myynnin, myyntiputken, aktiviteettien ja tehtävien raportit",
        "sv": "Rapporter över försäljning, pipeline, aktiviteter och uppgifter",
        "en": "Sales, pipeline, activity and task reports with charts and exports",
    },
    depends=("workflow",),
)

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_reports.po``.
_ = TranslationStringFactory("myynti_reports")
