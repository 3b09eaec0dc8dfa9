"""bgkernel.language."""
