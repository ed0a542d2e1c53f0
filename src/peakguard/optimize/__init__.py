"""Plans that keep nodes inside capacity: pickup staggering (错峰发货) and rerouting, with HiGHS."""
