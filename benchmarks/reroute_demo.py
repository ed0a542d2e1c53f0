"""The demo's closed hub rerouted: backups chosen, shares, added transit, and the simulated
effect against the closure without rerouting. Run: ``.venv/bin/python -m benchmarks.reroute_demo``
(about a minute; not part of the test suite)."""

from __future__ import annotations

import sys
import time

from peakguard.demo.season import DEMO_CLOSED_HUB, double11_scenario
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.reroute import ClosureRequest, RerouteParameters, reroute_closure
from peakguard.optimize.reroute_simulate import RerouteOutcome, simulate_reroute


def main(lead_hours: int = 12) -> None:
    """``lead_hours`` from the first argument, if given."""
    network = build_sichuan_network(DemoParameters(seed=2016, outlets_per_carrier=65))
    scenario = double11_scenario()
    closure = next(item for item in scenario.closures if item.node == DEMO_CLOSED_HUB)
    started = time.perf_counter()
    parameters = RerouteParameters(lead_hours=lead_hours)
    problem = compile_problem(network, scenario)
    plan = reroute_closure(problem, ClosureRequest.from_closure(closure), parameters=parameters)
    planned = time.perf_counter() - started
    print(f"reroute of {DEMO_CLOSED_HUB} {plan.window_start} – {plan.window_end}: {planned:.1f} s")
    print(f"closed traffic in the window: {plan.parcels:,.0f} parcels")
    print("candidates (spare over the window):")
    for candidate in sorted(plan.candidates, key=lambda c: -c.spare):
        automated = "automated" if candidate.automated_sorter else "manual"
        print(f"  {candidate.hub:<18} {automated:<9} spare {candidate.spare:>10,.0f}")
    print("backups:")
    for backup in plan.backups:
        print(
            f"  {backup.hub:<18} parcels {backup.parcels:>9,.0f} ({backup.parcel_share:.0%})"
            f"  origins {len(backup.origins)} ({backup.origin_share:.0%})"
            f"  destinations {len(backup.destinations)} ({backup.destination_share:.0%})"
            f"  added {backup.mean_added_transit_hours:+.1f} h"
            f"  spare used {backup.spare_used_share:.0%}"
            f"  {'automated' if backup.automated_sorter else 'manual'}"
        )
    print("units:")
    for unit in plan.units:
        added = "-" if unit.added_transit_hours is None else f"{unit.added_transit_hours:+.1f} h"
        print(f"  {unit.role:<11} {unit.node:<18} {unit.parcels:>9,.0f} → {unit.backup} {added}")
    print(f"temporary lanes: {len(plan.temporary_lanes)}")
    for temporary in plan.temporary_lanes:
        lane = temporary.lane
        print(f"  {lane.id} {lane.transit_hours} h, copies {temporary.replaces}")
    print(f"routing overrides: {len(plan.routing_overrides)}")
    print(f"unabsorbed: {plan.unabsorbed_parcels:,.0f} parcels; misrouted {plan.misrouted_parcels}")
    for item in plan.unabsorbed:
        print(f"  {item.role} {item.node} {item.parcels:,.0f} closed_end={item.closed_end}")
    started = time.perf_counter()
    comparison = simulate_reroute(problem, plan)
    print(f"simulated both in {time.perf_counter() - started:.1f} s")
    for label, outcome in (("closure only", comparison.before), ("rerouted", comparison.after)):
        _show(label, outcome)


def _show(label: str, outcome: RerouteOutcome) -> None:
    peaks = ", ".join(
        f"{hub} {share:.0%}" for hub, share in outcome.backup_peak_storage_utilisation.items()
    )
    print(
        f"{label:<13} blocked at closed {outcome.blocked_at_closed_nodes:>10,.0f}"
        f"  blocked anywhere {outcome.blocked_anywhere:>10,.0f}"
        f"  on time {outcome.on_time_rate:.2%}  mean {outcome.mean_delivery_hours:.2f} h"
        f"  delivered {outcome.delivered:,.0f}  left {outcome.left_at_nodes:,.0f}"
        f"  backup peak storage: {peaks}"
    )


if __name__ == "__main__":
    main(*(int(argument) for argument in sys.argv[1:2]))
