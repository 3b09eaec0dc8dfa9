"""bgkernel.cron."""
