"""The capacity reserve: staff, vehicles, sorting hours and floor area from a forecast.

Entry points: :func:`peakguard.reserve.requirements.reserve_requirements` and
:func:`peakguard.reserve.requirements.gap_report`. See docs/explanation/forecasting.md.
"""
