"""Jinja2 templates of the HTML reports (a package, so that its `*.j2` files ship as package data)."""
