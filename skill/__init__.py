"""Alexa custom-skill surface: request verification and the Flask web service."""
