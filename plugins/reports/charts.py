"""Charts as server-rendered SVG: bars over a report's rows, or a funnel of stages.

Only the geometry is computed here; ``templates/chart.pt`` draws it. The
chart is a picture of the table beneath it, which carries the numbers for
screen readers and anyone who wants them exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WIDTH = 720
BAR_AREA = 200
LABEL_ROOM = 40
FUNNEL_ROW = 34


@dataclass(frozen=True)
class Shape:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    type: str
    width: int
    height: int
    shapes: list[Shape]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float, Decimal)) else 0.0


def make_chart(spec: dict[str, Any], rows: list[dict[str, Any]], shown: Any) -> Chart | None:
    """The chart of ``rows``; ``shown(row)`` gives a value's text. ``None`` if nothing to draw."""
    if not rows or not spec:
        return None
    values = [_number(row.get(spec["value"])) for row in rows]
    top = max(values)
    if top <= 0:
        return None
    labels = [str(row.get(spec["label"], "")) for row in rows]
    texts = [shown(row) for row in rows]
    if spec["type"] == "funnel":
        shapes = []
        for i, (value, label, text) in enumerate(zip(values, labels, texts, strict=True)):
            width = max(WIDTH * value / top, 2.0)
            x = (WIDTH - width) / 2
            shapes.append(Shape(x, i * FUNNEL_ROW, width, FUNNEL_ROW - 4, label, text))
        return Chart("funnel", WIDTH, len(rows) * FUNNEL_ROW, shapes)
    slot = WIDTH / len(rows)
    shapes = []
    for i, (value, label, text) in enumerate(zip(values, labels, texts, strict=True)):
        height = BAR_AREA * value / top
        shapes.append(
            Shape(i * slot + slot * 0.1, BAR_AREA - height, slot * 0.8, height, label, text)
        )
    return Chart("bars", WIDTH, BAR_AREA + LABEL_ROOM, shapes)
