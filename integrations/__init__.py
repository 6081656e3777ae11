"""Packages partners run on their own side to work with the platform through events."""
