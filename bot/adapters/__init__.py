"""Platform adapters: translate platform traffic to the message model and render replies."""
