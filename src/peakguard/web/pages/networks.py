"""The networks pages: the networks within reach, one network (figures, map, nodes, lanes,
downloads) and one node (its facts, its lanes, where it is).

Every figure comes from the application layer, which narrows the network to the caller's
reach: a regulator sees its territory's nodes, a carrier its brand, and the lanes with both ends
among them. Long tables are filtered and paged on the server (:data:`PAGE_SIZE` rows), so a page
of the demo's 1,113-node network sends 50 rows, and the export of a table holds exactly the rows
on screen. The import form is :mod:`.network_import`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peakguard.app.access import reach
from peakguard.app.networks import (
    export_network,
    get_node,
    list_networks,
    network_summary,
)
from peakguard.domain.network import Network, NodeKind, TransportMode
from peakguard.domain.regions import prefecture_code
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.network_maps import MODE_LABELS
from peakguard.web.page_kit import KIND_NAMES, Places, carrier_names
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.network_views import (
    OTHER_NODES_ON_MAP,
    LaneFilter,
    NodeFilter,
    Paged,
    hub_map_option,
    hubs_of,
    lane_table,
    map_code,
    network_columns,
    network_row,
    node_facts,
    node_map_option,
    node_table,
    summary_cards,
    visible_network,
)
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import XLSX_TYPE, TableView, Value, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION = (NavItem("/app/networks", _("Networks"), Permission.network_read, 10),)

IMPORT_NOTICE_COOKIE = "peakguard_imported"
"""Set by the import form's success for the network page it leads to (shown once)."""

Choice = TypeVar("Choice")
Reader = Annotated[Principal, page_requires(Permission.network_read)]
Text = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# --- the list of networks -------------------------------------------------------------------


@router.get("/networks")
def networks_page(request: Request, caller: Reader) -> Response:
    """The networks within the caller's reach, each with the size of the part it sees."""
    language = page_language(request)
    store = _store(request)
    rows: list[dict[str, Value]] = []
    for stored in list_networks(store, actor=caller):
        try:
            summary = network_summary(store, stored.name, actor=caller)
        except NotFoundError:
            continue  # replaced or removed since it was listed
        rows.append(network_row(summary, stored.created_at, language))
    view = TableView(
        "networks",
        render(_("Networks"), language),
        network_columns(language),
        rows,
        empty=render(_("No network within your reach is stored yet."), language),
        filename="networks",
    )
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {"view": view, "may_import": caller.may(Permission.network_write)}
    return render_page(
        request, caller, "networks.html", values, title=render(_("Networks"), language)
    )


# --- one network ----------------------------------------------------------------------------


def _choice(value: str, allowed: Callable[[str], Choice], field: str) -> Choice | None:
    """A select's value: empty is "any"; anything else must be one of the allowed values."""
    if not value:
        return None
    try:
        return allowed(value)
    except ValueError:
        message = _("{value} is not one of the choices offered", value=value)
        raise InvalidInputError(message, [Problem(field, message)]) from None


@router.get("/networks/{name}")
def network_page(
    request: Request,
    caller: Reader,
    name: str,
    kind: Text = "",
    carrier: Text = "",
    city: Text = "",
    q: Text = "",
    page: PageNumber = 1,
    lane_mode: Text = "",
    lane_carrier: Text = "",
    lane_city: Text = "",
    lane_q: Text = "",
    lane_page: PageNumber = 1,
) -> Response:
    """A network as the caller sees it: its figures, the map of its hubs, its nodes and lanes
    (filtered and paged), and the whole of it to download."""
    language = page_language(request)
    store = _store(request)
    network = visible_network(store, name, caller)
    summary = network_summary(store, name, actor=caller)
    places = Places(network, language, {})
    carriers = carrier_names(network, language)
    node_filter = NodeFilter(_choice(kind, NodeKind, "kind"), carrier, city, q.strip())
    lane_filter = LaneFilter(
        _choice(lane_mode, TransportMode, "lane_mode"), lane_carrier, lane_city, lane_q.strip()
    )
    nodes = Paged.of([node for node in network.nodes if node_filter.matches(node)], page)
    index = network.node_index()
    lanes = Paged.of(
        [lane for lane in network.lanes if lane_filter.matches(lane, index)], lane_page
    )
    node_view = node_table(network, nodes, places, carriers, language)
    lane_view = lane_table(network.name, "lanes", _("Lanes"), lanes, index, language)
    if (exported := export_response([node_view, lane_view], request, language)) is not None:
        return exported
    values = {
        "uses_charts": True,
        "network": network,
        "summary": summary,
        "figures": summary_cards(summary, language),
        "map_code": map_code(summary.home_province),
        "map_option": hub_map_option(network, carriers, language, map_code(summary.home_province)),
        "node_view": node_view,
        "lane_view": lane_view,
        "nodes": nodes,
        "lanes": lanes,
        "filters": {
            "kind": kind,
            "carrier": carrier,
            "city": city,
            "q": q,
            "lane_mode": lane_mode,
            "lane_carrier": lane_carrier,
            "lane_city": lane_city,
            "lane_q": lane_q,
        },
        "page_links": _page_links(request),
        "kinds": [(k.value, render(KIND_NAMES[k], language)) for k in NodeKind],
        "modes": [(m.value, render(MODE_LABELS[m], language)) for m in TransportMode],
        "carrier_choices": list(carriers.items()),
        "city_choices": _cities(network, places),
        "others_omitted": len(network.nodes) - len(hubs_of(network)) > OTHER_NODES_ON_MAP,
        "partial": not reach(caller).everything,
        "imported": request.cookies.get(IMPORT_NOTICE_COOKIE) == quote(network.name, safe=""),
    }
    response = render_page(
        request, caller, "network.html", values, title=network.title or network.name
    )
    if values["imported"]:
        response.delete_cookie(IMPORT_NOTICE_COOKIE, path="/app/networks")
    return response


def _page_links(request: Request) -> Callable[[str, int, str], str]:
    """``link(key, page, anchor)``: this page's address with ``key`` set to ``page``."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("export", "table")]

    def link(key: str, number: int, anchor: str) -> str:
        kept = [(k, v) for k, v in pairs if k != key]
        return request.url.path + "?" + urlencode([*kept, (key, str(number))]) + "#" + anchor

    return link


def _cities(network: Network, places: Places) -> list[tuple[str, str]]:
    codes = sorted({prefecture_code(node.region) for node in network.nodes})
    return [(code, places.name(code)) for code in codes]


# --- one node -------------------------------------------------------------------------------


@router.get("/networks/{name}/nodes/{node_id}")
def node_page(request: Request, caller: Reader, name: str, node_id: str) -> Response:
    """A node as the caller may see it: its facts, its lanes in and out, where it stands."""
    language = page_language(request)
    store = _store(request)
    node = get_node(store, name, node_id, actor=caller)
    network = visible_network(store, name, caller)
    index = network.node_index()
    incoming = [lane for lane in network.lanes if lane.destination == node.id]
    outgoing = [lane for lane in network.lanes if lane.origin == node.id]
    # A node's lanes are few (a province's biggest hub has some dozens): all on one page.
    views = [
        lane_table(name, "in", _("Lanes in"), Paged.whole(incoming), index, language),
        lane_table(name, "out", _("Lanes out"), Paged.whole(outgoing), index, language),
    ]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    places = Places(network, language, {})
    carriers = carrier_names(network, language)
    values = {
        "uses_charts": True,
        "network": network,
        "node": node,
        "facts": node_facts(node, places, carriers, language),
        "shifts": [
            (
                shift.name,
                f"{shift.start_hour:02d}:00–{shift.end_hour:02d}:00",
                LanguageFormats(language).number(shift.sorting_capacity_per_hour),
            )
            for shift in node.shifts
        ],
        "views": views,
        "map_code": map_code(node.region),
        "map_option": node_map_option(
            network.name,
            node,
            [index[lane.origin] for lane in incoming]
            + [index[lane.destination] for lane in outgoing],
            language,
            map_code(node.region),
        ),
    }
    return render_page(request, caller, "network_node.html", values, title=node.name)


# --- downloads ------------------------------------------------------------------------------

DOWNLOADS = {
    "yaml": ("application/yaml", ".yaml"),
    "json": ("application/json", ".json"),
    "xlsx": (XLSX_TYPE, ".xlsx"),
}


@router.get("/networks/{name}/download/{kind}")
def download_network(request: Request, caller: Reader, name: str, kind: str) -> Response:
    """The network as the caller sees it, as a file of the exchange format (imports again)."""
    if kind not in DOWNLOADS:
        message = _("Downloads are yaml, json or xlsx, not {kind}.", kind=kind)
        raise InvalidInputError(message, [Problem("kind", message)])
    network = visible_network(_store(request), name, caller)
    media, suffix = DOWNLOADS[kind]
    with tempfile.TemporaryDirectory(prefix="peakguard-download-") as folder:
        path = Path(folder) / f"{network.name}{suffix}"
        export_network(network, path)
        content = path.read_bytes()
    disposition = f'attachment; filename="{network.name}{suffix}"'
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})
