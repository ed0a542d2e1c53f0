"""The web application: pages served by ``peakguard serve`` beside the API, under ``/app/``.

Server-rendered (Jinja) over the application layer, with the API's own access declarations:
each page route takes its principal from :func:`.access.page_requires`, a
:class:`~peakguard.api.security.Requirement`, so a page never shows what the API would refuse
and the access-matrix test reads pages from the route table like any other route. Charts are
ECharts, served by peakguard itself from ``static/vendor`` (built from ``frontend/`` by
``scripts/assets.sh``). Decision 0012 says why.

A page module holds a ``router`` and its ``NAVIGATION`` entries; :mod:`.routes` composes them.
"""
