"""The `therapy-checkin` command: composes the core with the Alexa and offline adapters."""
