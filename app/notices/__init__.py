"""Notices: what the hub tells a member, in the app and by email.

One service for every slice (`services.notify`, and the event helpers of `events`, one call
where each event happens): a notice stores its kind and parameters and is put into words in the
reader's language when shown (`render`); by the member's preference for its category it is also
mailed at once or in a daily digest (`mail`, run by `flask notices send-mail`), with absolute
links built from ALVEOLE_BASE_URL. Reminders (a booking tomorrow, an invoice due soon or
overdue) come from `flask notices remind` (`reminders`), each at most once per object and kind.
"""
