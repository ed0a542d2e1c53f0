"""What every report page shares: the Jinja environment, the language check, region and carrier
names in the page's language, summary cards and facts, and the labels of node kinds.

Every page (network, simulation, plan, capacity, bulletin) is one self-contained HTML file built
the same way: :func:`page_language` checks the language asked for, a module of the page prepares
numbers and geometry (formatted by :class:`~peakguard.web.language_formats.LanguageFormats`), and
a template from ``web/templates`` got through :func:`template_environment` lays them out. Every
sentence goes through :mod:`peakguard.i18n`: messages built in Python with
:func:`~peakguard.i18n._`, template labels with the ``_`` that :func:`template_environment`
installs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import jinja2

from peakguard import i18n
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import prefecture_code, province_code, reference_regions
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.simulate.plan import StoragePolicy

KIND_LABELS: dict[NodeKind, Message] = {
    NodeKind.hub: _("Hubs"),
    NodeKind.outlet: _("Outlets"),
    NodeKind.station: _("Stations"),
    NodeKind.consolidation_point: _("Consolidation points"),
}
"""Node kinds as headings and counts (plural)."""
KIND_NAMES: dict[NodeKind, Message] = {
    NodeKind.hub: _("hub"),
    NodeKind.outlet: _("outlet"),
    NodeKind.station: _("station"),
    NodeKind.consolidation_point: _("consolidation point"),
}
"""Node kinds in a node's caption (singular)."""
STORAGE_POLICIES: dict[StoragePolicy, Message] = {
    StoragePolicy.block: _("block: a full node refuses parcels sent to it, so they wait upstream"),
    StoragePolicy.overflow: _(
        "overflow: a full node takes parcels in beyond its storage, and the excess is counted "
        "as overflow"
    ),
}
"""What each storage policy of the simulator does, in one sentence."""
_MUNICIPAL_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划"})
"""Names GB/T 2260 gives to a municipality's second level; the province's name is shown instead."""


@dataclass(frozen=True)
class Card:
    """A summary card: a figure with its label and a line of detail."""

    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class Fact:
    """A line of a page's header (or of a draft report): label and value."""

    label: str
    value: str


@cache
def template_environment(language: str) -> jinja2.Environment:
    """A Jinja environment whose ``_`` translates into ``language`` (one per language)."""
    return translating_environment("web/templates", language)


def translating_environment(templates: str, language: str) -> jinja2.Environment:
    """A Jinja environment over the package folder ``templates`` whose ``_`` translates into
    ``language`` (the report pages' and the web application's)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("peakguard", templates),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def gettext(msgid: str) -> str:
        return i18n.gettext(msgid, language)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return i18n.gettext(singular if count == 1 else plural, language)

    # Added by the i18n extension at run time, so unknown to the type checker. Old-style
    # callables: templates use plain msgids, and parameterised sentences are built in Python
    # with ``{name}`` placeholders, so translators see one placeholder style.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=False
    )
    return environment


def page_language(language: str) -> str:
    """``language`` normalised (``zh_CN`` or ``en``); :class:`InvalidInputError` if unknown."""
    try:
        return i18n.normalise_language(language)
    except ValueError:
        message = _(
            "Unknown language {language}; use one of {supported}.",
            language=language,
            supported=", ".join(i18n.SUPPORTED_LANGUAGES),
        )
        raise InvalidInputError(message, [Problem("language", message)]) from None


def html_lang(language: str) -> str:
    """The page's ``<html lang>`` for a normalised language."""
    return "zh-CN" if language == "zh_CN" else "en"


def join_list(parts: Sequence[str], language: str) -> str:
    """An enumeration in the language's way: 甲、乙 in Chinese, "a, b" in English."""
    return ("、" if language == "zh_CN" else ", ").join(parts)


def carrier_names(network: Network, language: str) -> dict[str, str]:
    """Carrier code → name in ``language`` (the Chinese name when no English one is known),
    in the order the network lists its carriers."""
    return {
        carrier.code: (carrier.name_en or carrier.name) if language == "en" else carrier.name
        for carrier in network.carriers
    }


def home_province(network: Network) -> str:
    """The province with the most nodes (ties go to the lower code)."""
    counts = Counter(province_code(node.region) for node in network.nodes)
    return min(counts, key=lambda code: (-counts[code], code))


class Places:
    """Region names in the report's language.

    ``english`` maps region codes to English names, used when ``language`` is English; a region
    without one keeps its Chinese name (declared in the network, else GB/T 2260's).
    """

    def __init__(self, network: Network, language: str, english: Mapping[str, str]) -> None:
        self._declared = {region.code: region.name for region in network.regions}
        self._english = english if language == "en" else {}

    def name(self, code: str) -> str:
        if code in self._english:
            return self._english[code]
        name = self._declared.get(code) or _reference_name(code)
        if name in _MUNICIPAL_PLACEHOLDERS and code != province_code(code):
            return self.province(province_code(code))
        return name or code

    def city(self, code: str) -> str:
        """Short name of the node's prefecture-level city, for map labels (成都市 → 成都)."""
        name = self.name(prefecture_code(code))
        return name.removesuffix("市") if len(name) > 2 and name.endswith("市") else name

    def province(self, code: str) -> str:
        if code in self._english:
            return self._english[code]
        return self._declared.get(code) or _reference_name(code) or code


def _reference_name(code: str) -> str:
    region = reference_regions().get(code)
    return region.name if region else ""
