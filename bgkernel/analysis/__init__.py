"""bgkernel.analysis."""
