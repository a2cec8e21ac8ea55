"""What the external committee reads: figures, summaries, frequent terms, charts, and the
downloads (CSV, XLSX, PDF, JSON)."""
