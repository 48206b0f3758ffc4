"""Layer 8: every report rendered from the run record: text, JUnit XML, EARL, HTML; `writer` puts
them all in one folder."""
