"""The workflow plugin's permissions, named ``workflow:<resource>:<action>``."""

from __future__ import annotations

from enum import StrEnum

from core import Permission

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
            cls.TASK_VIEW: ({"fi": "Näe tehtävät", "sv": "Se uppgifter", "en": "See tasks"}, BOTH),
            cls.TASK_EDIT: (
                {
                    "fi": "Muokkaa ja siirrä tehtäviä",
                    "sv": "Redigera och flytta uppgifter",
                    "en": "Edit and move tasks",
                },
                BOTH,
            ),
            cls.TASK_EXPORT: (
                {"fi": "Vie tehtäviä", "sv": "Exportera uppgifter", "en": "Export tasks"},
                BOTH,
            ),
            cls.ACTIVITY_EDIT: (
                {
                    "fi": "Lisää ja kuittaa aktiviteetteja",
                    "sv": "Lägg till och kvittera aktiviteter",
                    "en": "Add and complete activities",
                },
                BOTH,
            ),
            cls.SETTINGS_MANAGE: (
                {
                    "fi": "Hallitse työnkulkua ja aktiviteettityyppejä",
                    "en": "Manage workflows and activity types",
                },
                ("admin",),
            ),
            cls.TEAM_FIGURES_VIEW: (
                {
                    "fi": "Näe koko myynnin luvut etusivulla",
                    "sv": "Se hela försäljningens siffror på startsidan",
                    "en": "See the whole team's sales figures on the dashboard",
                },
                ("admin",),
            ),
        }
        return [Permission(name, title, roles) for name, (title, roles) in titles.items()]
