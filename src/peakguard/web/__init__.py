"""Pages for people: the self-contained network report and (later) the dashboard."""
