"""Layer 10: generated pytest suites, the pytest plugin that runs them, and `conform run`."""

# The file that makes a folder a generated suite (kept here, not in suite.py, because the plugin
# reads it in every pytest session and must not import Jinja2 to do so).
SUITE_MANIFEST = "conformance-suite.json"
