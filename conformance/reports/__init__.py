"""Layer 3: the canonical run results and every report rendered from them. Imports core, spec, engine.

`run_results` is the record; `junit`, `earl` and `html` are pure functions of it, `writer` puts them
all in one folder.
"""
