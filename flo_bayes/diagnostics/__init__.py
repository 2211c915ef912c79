"""Convergence diagnostics and the convergence gate."""
