"""What a run writes: the rollup files, and later the reports, digests and license review."""
