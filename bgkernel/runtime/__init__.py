"""bgkernel.runtime."""
