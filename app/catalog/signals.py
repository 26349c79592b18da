"""Moments of a booking's life that slices above the catalogue act on, without the catalogue
knowing them (the payments slice: deposits, membership fees). Receivers run inside the
booking's transaction: a receiver that raises a DomainError refuses the step.

- `booking_requested(sender, session, actor, account, resource, now)`: before a booking is made.
- `checking_out(sender, session, booking, resource, now)`: before the owner hands a tool over.
- `booking_finished(sender, session, booking, clean)`: a booking is cancelled, rejected or
  returned; `clean` when nothing is left to settle (no damage reported).
"""
from blinker import Namespace

_signals = Namespace()

booking_requested = _signals.signal("booking-requested")
checking_out = _signals.signal("checking-out")
booking_finished = _signals.signal("booking-finished")
