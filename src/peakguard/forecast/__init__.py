"""The peak forecaster: event calendar, models behind one Protocol, reconciliation, backtests.

Entry point: :func:`peakguard.forecast.orchestrator.forecast_volumes`. See
docs/explanation/forecasting.md.
"""
