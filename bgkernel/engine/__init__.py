"""bgkernel.engine."""
