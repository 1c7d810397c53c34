"""What the command line does besides building: check, serve (with incremental updates), new and init."""
