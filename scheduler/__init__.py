"""APScheduler wiring and the durable outbox dispatcher."""
