"""Running the hub: its health (`GET /healthz`), backups and restores (`flask backup`,
`flask restore`), the personal data it holds (a member's download, anonymising a leaving
member, the privacy page, purging old logs and mail)."""
