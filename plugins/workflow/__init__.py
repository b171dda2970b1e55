"""The sales workflow: stages, tasks, the board and my-work views, activities."""

from pyramid.i18n import TranslationStringFactory

from core import Plugin

#: Messages of this plugin; their Finnish is in ``locale/fi/LC_MESSAGES/myynti_workflow.po``.
_ = TranslationStringFactory("myynti_workflow")

plugin = Plugin(
    name="workflow",
    title=_("Workflow"),
    version="0.1.0",
    package="plugins.workflow",
    summary=_("Sales stages, tasks, the board, my work and activities"),
    depends=("contacts",),
)
