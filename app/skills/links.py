"""Where a stored notice points: the web pages of a job and of an offer. Plain functions for
the services that write notices, which know nothing of requests or of the API."""
# The global id is the notion the pages read from their URLs; its encoding is the relay's.
from app.api.relay import to_global_id


def job_page(job_id: int) -> str:
    return f"/skills/jobs/{to_global_id('Job', job_id)}"


def offer_page(resource_id: int) -> str:
    return f"/skills/offers/{to_global_id('Resource', resource_id)}"
