"""The one way a page handles a form: POST → mutation → on success flash and redirect
(post/redirect/get), else the page shows the form again with the mutation's errors and a 400."""
from typing import Callable, Optional, Union

from flask import abort, flash, redirect

from app.web.pages import Result, mutate

Message = Union[str, Callable[[Result], str], None]
Target = Union[str, Callable[[Result], str]]


def submit(operation: str, input: Optional[dict], *, done: Message, then: Target) -> Result:
    """Run the mutation `operation`. On success flash `done` and redirect to `then` (each a
    text, or a function of the result that returns one, e.g. the new object's page; `done`
    None flashes nothing): this function does not return. Otherwise return the Result, for
    the page to re-render with `form_status`."""
    result = mutate(operation, input)
    if result.ok:
        message = done(result) if callable(done) else done
        if message:
            flash(message, "success")
        abort(redirect(then(result) if callable(then) else then))
    return result


def form_status(*results: Optional[Result]) -> int:
    """400 when a form sent on this request was refused, else 200."""
    return 400 if any(result is not None and not result.ok for result in results) else 200
