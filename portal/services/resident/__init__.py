"""The resident's path: taking in a comment, what is worked out after it arrives, the pages
built from the outline, and furigana for easy Japanese."""
