"""What comes back from the outside world: SendGrid's email events (bounces, unsubscribes…) and the
partners' attendance and registration sheets. Both feed the candidates' contactability and their
participation states, which the follow-ups read."""
