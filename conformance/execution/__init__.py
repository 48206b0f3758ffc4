"""Layer 5: running the kernel over many payloads. A session (standards compiled once), the
executors behind one interface (serial, supervised processes; Dask later) and the typed events
they emit. Imports everything below."""
