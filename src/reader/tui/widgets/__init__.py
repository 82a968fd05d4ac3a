"""Widgets of the terminal reader."""
