"""asv benchmarks of fastem; see common.py for profiles and mixins."""
