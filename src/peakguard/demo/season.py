"""The demo's peak season: Double 11 in Sichuan, with one hub closed for a day.

Multipliers follow the shape the State Post Bureau reports (a pre-sale ramp, the 11 November
spike at about twice a normal day, 11–16 November averaging roughly twice normal in 2020,
and a tail as deliveries catch up); the closure is the kind seed 004 describes (a hub shut for
a day). Both are scenario data, not findings.
"""

from __future__ import annotations

from datetime import date

from peakguard.simulate.scenario import Scenario

DEMO_CLOSED_HUB = "ZTO-510600-HUB"
"""中通德阳转运中心: closed for 24 hours on 12 November in the demo."""


def double11_scenario(year: int = 2026) -> Scenario:
    """Twelve days around Double 11 (6–17 November) plus three days to drain."""
    return Scenario.model_validate(
        {
            "name": f"double11-{year}",
            "description": "Double 11 peak in Sichuan with the ZTO Deyang hub closed for a day",
            "first_day": date(year, 11, 6),
            "days": 12,
            "drain_days": 3,
            "storage_policy": "block",
            "volume_multipliers": [
                {"first_day": date(year, 11, 6), "last_day": date(year, 11, 9), "multiplier": 1.2},
                {"first_day": date(year, 11, 10), "multiplier": 1.5},
                {"first_day": date(year, 11, 11), "multiplier": 2.0},
                {
                    "first_day": date(year, 11, 12),
                    "last_day": date(year, 11, 13),
                    "multiplier": 1.8,
                },
                {
                    "first_day": date(year, 11, 14),
                    "last_day": date(year, 11, 16),
                    "multiplier": 1.4,
                },
                {"first_day": date(year, 11, 17), "multiplier": 1.2},
            ],
            "closures": [
                {
                    "node": DEMO_CLOSED_HUB,
                    "start": f"{year}-11-12T00:00",
                    "end": f"{year}-11-13T00:00",
                    "reason": "暴雨致道路中断 / road cut by heavy rain",
                }
            ],
        }
    )
