"""E-mail notices residents asked for: `subscriptions` (asking, confirming, leaving),
`outbox` (what is to be sent, sending it in capped batches after the commit, the record of
what went out), `messages` (what a message says, in the reader's language) and `mailer` (the
SMTP connection)."""
