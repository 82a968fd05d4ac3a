"""The Textual terminal reader (the only package that imports Textual)."""
