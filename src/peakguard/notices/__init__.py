"""Notices to the public (seeds 000, 004): peak-season consumer tips per territory, the notice
attached to the tracking of a parcel bound for a controlled area, the customer-service wording
for it, and a parcel's estimated arrival from the network's current state."""
