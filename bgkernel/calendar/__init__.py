"""bgkernel.calendar."""
