"""bgkernel.library."""
