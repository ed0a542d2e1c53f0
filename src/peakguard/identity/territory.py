"""What part of the carriers' data an organisation may reach.

A regulator reaches every carrier inside its territory (a GB/T 2260 code and everything under
it: the national office all, a provincial office its province, a city office its city); a
carrier reaches its own brand (a provincial company only inside its province); the system
reaches everything; a platform and the public reach no carrier's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.domain.network import Network, Node
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel


def region_prefix(code: str, level: RegulatorLevel | None) -> str:
    """The leading digits every code inside the territory starts with: ``51`` for a province
    (510000), ``5101`` for a city (510100); empty for the whole country."""
    if level is RegulatorLevel.provincial:
        return code[:2]
    if level is RegulatorLevel.city:
        return code[:4]
    if level is RegulatorLevel.national:
        return ""
    return code[:2]


@dataclass(frozen=True)
class Reach:
    """The rows an organisation may see: every one (``everything``), none, or those of
    ``carrier`` (if set) whose region starts with ``prefix``."""

    everything: bool = False
    nothing: bool = False
    carrier: str | None = None
    prefix: str = ""

    def covers(self, carrier: str, region: str) -> bool:
        if self.everything:
            return True
        if self.nothing:
            return False
        if self.carrier is not None and carrier != self.carrier:
            return False
        return region.startswith(self.prefix)

    def covers_node(self, node: Node) -> bool:
        return self.covers(node.carrier, node.region)


EVERYTHING = Reach(everything=True)
NOTHING = Reach(nothing=True)


def reach_of(organisation: Organisation) -> Reach:
    """The organisation's reach over carriers' operations."""
    kind = organisation.kind
    if kind is OrganisationKind.system:
        return EVERYTHING
    if kind is OrganisationKind.regulator:
        if organisation.level is RegulatorLevel.national or organisation.region is None:
            return EVERYTHING
        return Reach(prefix=region_prefix(organisation.region, organisation.level))
    if kind is OrganisationKind.carrier and organisation.carrier is not None:
        prefix = region_prefix(organisation.region, None) if organisation.region else ""
        return Reach(carrier=organisation.carrier, prefix=prefix)
    return NOTHING


def visible_network(network: Network, reach: Reach) -> Network | None:
    """The part of ``network`` inside ``reach``: its nodes, the lanes with both ends among
    them, the carriers and service standards that concern them; ``None`` when nothing is."""
    if reach.everything:
        return network
    nodes = [node for node in network.nodes if reach.covers_node(node)]
    if not nodes:
        return None
    if len(nodes) == len(network.nodes):
        return network
    kept = {node.id for node in nodes}
    carriers = {node.carrier for node in nodes}
    return network.model_copy(
        update={
            "nodes": nodes,
            "carriers": [carrier for carrier in network.carriers if carrier.code in carriers],
            "lanes": [
                lane for lane in network.lanes if lane.origin in kept and lane.destination in kept
            ],
            "service_standards": [
                standard
                for standard in network.service_standards
                if standard.carrier is None or standard.carrier in carriers
            ],
            "routing_overrides": [
                override
                for override in network.routing_overrides
                if {override.node, override.destination, override.next_node} <= kept
            ],
        }
    )


def wholly_within(network: Network, reach: Reach) -> bool:
    """Whether every node of ``network`` is inside ``reach`` (a write may replace it)."""
    return all(reach.covers_node(node) for node in network.nodes)
