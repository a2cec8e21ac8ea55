"""The published result of a consultation: publication, corrections, and its files."""
