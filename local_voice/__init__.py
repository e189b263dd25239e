"""Offline voice surface: microphone, WAV or typed input, local recognisers, pyttsx3 output.

Imports the core (`intents`) but never `skill`. Nothing here stores audio or transcripts unless
the user asks with `--save-transcripts`.
"""
