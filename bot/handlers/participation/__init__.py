"""Give and take: levels, nudges, pauses, pledges, stats and the daily sweep of prompts."""
