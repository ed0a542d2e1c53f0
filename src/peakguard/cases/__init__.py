"""The workflows' rules: cases as state machines with only legal transitions, and the legal
clocks they run on, counted on China's working-day calendar (weekends, statutory holidays and
the make-up working days of each year's State Council notice)."""
