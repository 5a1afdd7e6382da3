"""The only wiring: settings, logging, the command line and the hub that starts everything."""
