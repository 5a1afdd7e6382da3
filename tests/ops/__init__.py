"""Operating the bot as a service: real `leeratelier` processes, health, backups, workers."""
