import gc

from app import create_app
from app.logs import configure_logging

configure_logging()
app = create_app()
# The app's ~260,000 startup objects (schema, mappers, templates) live as long as the process:
# frozen out of the cyclic garbage collector, they are no longer scanned by its full
# collections, pauses of tens of milliseconds that any request could land on.
gc.freeze()
