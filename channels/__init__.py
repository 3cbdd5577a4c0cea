"""Everything live: the event broker (Redis or in-process), the outbox relay and the websocket gateway."""
