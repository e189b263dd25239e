"""Channel-neutral core of Therapy Check-In: catalog, content, dialogs, safety, understanding.

Imports nothing from ask-sdk or audio libraries, and neither adapter package.
"""
