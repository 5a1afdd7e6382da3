"""The pipeline for one incoming message: context, router, locks, clock, i18n, outbox planning."""
