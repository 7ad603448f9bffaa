"""E-mail: the outbox (queued in the cause's transaction, sent by the background jobs), the
SMTP / .eml transport, and the account mails (password reset, address confirmation and
change, invites by e-mail)."""
