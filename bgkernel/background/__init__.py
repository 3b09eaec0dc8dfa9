"""bgkernel.background."""
