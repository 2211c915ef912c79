"""Disk I/O at the edges of the pipeline: input loaders and atomic writers."""
