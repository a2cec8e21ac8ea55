"""What moderators do to comments: the review queue and search, decisions, redaction with
personal-data suggestions, translations, campaign groups and duplicates, the city's responses,
and scans of paper comments."""
