"""Documents: a payload read within its budget, parsed as XML or JSON by hardened parsers, with the
positions (lines, XPaths, JSON pointers) and excerpts findings carry."""
