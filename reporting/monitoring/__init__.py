"""Operational figures for staff: the /monitor/ page and the Prometheus /metrics endpoint."""
