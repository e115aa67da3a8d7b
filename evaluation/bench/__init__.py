"""Load and cost benchmarks (``bash scripts/bench.sh``): figures to read, not tests to pass."""
