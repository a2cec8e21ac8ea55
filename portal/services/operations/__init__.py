"""Running the portal: backups and the retention of personal data."""
