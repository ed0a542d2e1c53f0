"""Each legal clock in words, for readers who do not know its rule key: the case page shows
the key beside these, an alert about a clock names it by these alone."""

from __future__ import annotations

from peakguard.i18n import Message, _

RULE_LABELS: dict[str, Message] = {
    "complaint.answer": _("The carrier answers the complaint"),
    "appeal.register": _("Register the appeal"),
    "appeal.carrier_reply": _("The carrier replies to the appeal"),
    "appeal.mediation_answer": _("The carrier answers the mediation opinion"),
    "appeal.answer_user": _("Answer the user"),
    "appeal.admissible_within": _("Appeal within a year of the dispute"),
    "appeal.retention": _("Keep the records"),
    "emergency.answer": _("Answer the emergency work order"),
    "emergency.call_back": _("Call the user back (emergency work order)"),
    "incident.blockage_report": _("Report the network blockage"),
    "rectification.deadline": _("The carrier rectifies by the order's deadline"),
    "supply.quotation": _("The supplier quotes the order requirement sheet"),
    "supply.confirmation": _("The provincial company confirms the quotation"),
}
"""Each clock in words, by its rule key (docs/reference/clocks.md)."""


def rule_label(key: str) -> Message | str:
    """The clock ``key`` in words; the key itself for a clock this table does not name."""
    return RULE_LABELS.get(key, key)
