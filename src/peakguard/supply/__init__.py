"""Supply-guarantee operations (保供保通保畅, seed 004): the goods a controlled area needs, ordered,
quoted and confirmed on the clock, combined at a consolidation point (汇集点), shuttled to the
government's designated transfer stations and delivered, with the passes each vehicle and person
needs. Plain data and functions over it; :mod:`peakguard.supply.model` holds what they share."""
