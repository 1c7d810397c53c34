"""Images and documents: the share cards (PNG) and the fact sheets (PDF)."""
