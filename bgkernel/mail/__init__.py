"""bgkernel.mail."""
