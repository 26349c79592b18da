"""Personal data, as the RGPD requires: what the hub holds about a member (their download),
anonymising a member who leaves, the privacy page, and purging old mail and sign-in traces."""
