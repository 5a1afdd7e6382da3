"""Time-based work: APScheduler only wakes the process; the database holds the truth."""
