"""Pure functions without a database: dates and recurrences, the .ics file, the stats chart."""
