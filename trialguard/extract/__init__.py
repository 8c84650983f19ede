"""Records from article text: `trialguard extract ARTICLE.txt... --out DIR` and `.txt` inputs to validate."""

from trialguard.extract.record import Extraction, extract_record

__all__ = ["Extraction", "extract_record"]
