"""Landing pages as boards of panels: the command centre and the network desk are each a
:class:`Board`, and every part of them (the map, the day's figures, the open warnings) is a
:class:`Panel` that gives a view, or nothing, for the reader and the day.

A workflow adds its part to a landing page without touching the page: the operations desk
(#16: incidents, the duty board), complaints (#15: open cases, breached clocks), quotas and the
day's report each write a panel and add it from their own page module, e.g.
``COMMAND_CENTRE.add(OpenCasesPanel())``. A panel's tables are :class:`TableView` s, so the
page exports them like any other table; a panel whose reader may not see its content returns
None and the page shows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from fastapi import Request

from peakguard.config import Settings
from peakguard.identity.model import Principal
from peakguard.store.database import Store
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.pages.tables import TableView

T = TypeVar("T")


@dataclass(frozen=True)
class PanelView:
    """What a panel shows: a title, its template (included in the page, with ``view``
    bound), the values that template reads, and its tables (exportable from the page)."""

    key: str
    title: str
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    tables: Sequence[TableView] = ()
    charts: bool = False
    """Whether the panel draws ECharts charts (the page then loads the library)."""
    wide: bool = True
    """Across the page's width (else half of it, beside the next narrow panel)."""


@dataclass
class PanelContext:
    """What a panel is asked for: the reader, the day and hour the page is about, and the
    deployment. ``shared`` holds what several panels of one page read (computed once)."""

    request: Request
    actor: Principal
    language: str
    store: Store
    settings: Settings
    day: date | None = None
    """The day asked for (``?day=``); None: the panel's own default."""
    at: datetime | None = None
    """The hour asked for (``?at=``); None: the panel's own default."""
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def formats(self) -> LanguageFormats:
        return LanguageFormats(self.language)

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, run once per page however many panels ask for ``key``."""
        if key not in self.shared:
            self.shared[key] = compute()
        found: T = self.shared[key]
        return found


class Panel(Protocol):
    """A part of a landing page."""

    key: str
    order: int
    """Place on the page, lowest first (the page's own panels use 10, 20, 30, …)."""

    def view(self, context: PanelContext) -> PanelView | None:
        """What the panel shows ``context.actor`` for the day, or None (nothing to show, or
        nothing this reader may see)."""
        ...


class Board:
    """The panels of one landing page, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._panels: list[Panel] = []

    def add(self, *panels: Panel) -> None:
        """Add panels (a panel whose key is already on the board replaces it)."""
        for panel in panels:
            self._panels = [kept for kept in self._panels if kept.key != panel.key]
            self._panels.append(panel)

    @property
    def panels(self) -> list[Panel]:
        return sorted(self._panels, key=lambda panel: (panel.order, panel.key))

    def views(self, context: PanelContext) -> list[PanelView]:
        return [view for panel in self.panels if (view := panel.view(context)) is not None]


def tables_of(views: Sequence[PanelView]) -> list[TableView]:
    """Every table of the views (what the page's export may be asked for)."""
    return [table for view in views for table in view.tables]


COMMAND_CENTRE = Board("command")
"""The regulator's landing page (``/app/command``)."""
NETWORK_DESK = Board("desk")
"""The carrier's landing page (``/app/desk``)."""
PLATFORM_PAGE = Board("platform")
"""The e-commerce platform's landing page (``/app/platform``): its releases, quotas, notices."""
