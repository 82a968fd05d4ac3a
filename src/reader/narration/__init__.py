"""Narration: rendering paragraphs to audio with exact word timings (pyttsx3 over eSpeak NG),
sync maps and their formats, and full-length assembly."""
