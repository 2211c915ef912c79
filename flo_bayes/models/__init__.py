"""Model configuration and fitting on top of pymc-marketing."""
