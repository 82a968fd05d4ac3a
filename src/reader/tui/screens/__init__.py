"""Screens and dialogs of the terminal reader."""
