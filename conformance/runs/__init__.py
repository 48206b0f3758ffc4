"""Layer 10: generated pytest suites, the pytest plugin that runs them, and `conform run`."""
