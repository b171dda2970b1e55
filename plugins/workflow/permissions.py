"""The workflow plugin's permissions, named ``workflow:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission
from plugins.workflow import _

BOTH = ("admin", "member")


class WorkflowPermission(StrEnum):
    TASK_VIEW = "workflow:task:view"
    TASK_EDIT = "workflow:task:edit"
    TASK_EXPORT = "workflow:task:export"
    ACTIVITY_EDIT = "workflow:activity:edit"
    SETTINGS_MANAGE = "workflow:settings:manage"
    TEAM_FIGURES_VIEW = "workflow:team_figures:view"

    @classmethod
    def declarations(cls) -> list[Permission]:
        titles = {
            cls.TASK_VIEW: (_("See tasks"), BOTH),
            cls.TASK_EDIT: (
                _("Edit and move tasks"),
                BOTH,
            ),
            cls.TASK_EXPORT: (
                _("Export tasks"),
                BOTH,
            ),
            cls.ACTIVITY_EDIT: (
                _("Add and complete activities"),
                BOTH,
            ),
            cls.SETTINGS_MANAGE: (
                _("Manage workflows and activity types"),
                ("admin",),
            ),
            cls.TEAM_FIGURES_VIEW: (
                _("See the whole team's sales figures on the dashboard"),
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
