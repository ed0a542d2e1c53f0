"""The demo: a realistic Sichuan province network and the season played through it."""
