"""The run's store: the data step (build), its cache key, the normalised observations (dataset), the data
status, the comparison groups (peers). Reads sources/, never report/."""
