"""``python -m peakguard.cli``: the ``peakguard`` command."""

from peakguard.cli import main

main()
