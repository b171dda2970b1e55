"""Myynti core: the platform every feature plugin stands on.

Plugins import what they need from here: ``hookimpl`` to implement hooks,
``Plugin`` to declare themselves, and the shared data types of the hook
contract (``Link``, ``Panel``, ``EntityType``, ``Permission``...).
"""

from core.contract import (
    ActionRefused,
    EntityType,
    EventKind,
    FieldErrors,
    JobType,
    Label,
    Link,
    MessageFile,
    MessageRefused,
    OutgoingMessage,
    Panel,
    PeriodicJob,
    Permission,
    RecordAction,
    StageAction,
    label_text,
)
from core.plugins import Plugin, hookimpl

__all__ = [
    "ActionRefused",
    "EntityType",
    "EventKind",
    "FieldErrors",
    "JobType",
    "Label",
    "Link",
    "MessageFile",
    "MessageRefused",
    "OutgoingMessage",
    "Panel",
    "PeriodicJob",
    "Permission",
    "Plugin",
    "RecordAction",
    "StageAction",
    "hookimpl",
    "label_text",
]
