"""The application layer: one function per thing a user does, over data.

The CLI (:mod:`peakguard.cli`), the API (:mod:`peakguard.api`), the web pages
(:mod:`peakguard.web`) and the demo call only these functions; none of them holds logic of its
own. Each capability has its module — networks, simulation, plans, forecasts, capacity, events,
bulletins, demo — whose operations take domain values and return a result value; reading the
files users exchange (``read_*``/``parse_*``) and writing results (``write_*``) are separate,
thin steps beside them. Authorisation and audit will happen here.
"""
