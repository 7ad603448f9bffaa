"""Site administration: settings, users and suspension, site reports, outbox, audit log, counts."""
