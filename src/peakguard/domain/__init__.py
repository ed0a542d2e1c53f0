"""The core domain: the express network and, later, parcels, scans and cases. Plain data."""
