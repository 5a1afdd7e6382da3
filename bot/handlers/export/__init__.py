"""Export: what a community produced, as CSV, JSON and a Markdown report, and /export."""
