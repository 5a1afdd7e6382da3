"""What crosses the adapter boundary: Incoming, Reply, the span markup and the Messenger port."""
