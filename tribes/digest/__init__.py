"""The mail digest: what a member has not seen, daily or weekly, in their language and time zone."""
