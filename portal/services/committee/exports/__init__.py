"""Every file the committee downloads: CSV, XLSX, PDF and JSON, all built from `rows`.

`rows` is the only place that turns disclosed comments into cells, and it reads nothing but
`disclosure.committee_disclosures` (the allow-list). A format module decides layout, never
content.
"""
