"""The 500 page, and the request id in the log lines of a request (app.logs)."""
import io
import logging

from app.logs import configure_logging
from app.web.pages import query


def test_an_unexpected_error_is_a_500_page_without_a_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers

    def explode():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/explode", "explode", explode)
    response = client.get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Une erreur inattendue est survenue" in page
    assert "secret internal detail" not in page and "Traceback" not in page and "RuntimeError" not in page


def test_a_failing_page_operation_is_a_500_page_too(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken_page():
        return str(query("NoSuchOperation"))

    app.add_url_rule("/broken", "broken", broken_page)
    response = client.get("/broken")
    assert response.status_code == 500 and "NoSuchOperation" not in response.get_data(as_text=True)


def test_log_lines_carry_the_request_id(api, make_member):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging()
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    try:
        email = make_member()
        api.gql(
            "mutation($input: LoginInput!) { login(input: $input) { errors { code } } }",
            headers={"X-Request-Id": "req-7f3a"},
            input={"email": email, "password": "not the password"},
        )
        logging.getLogger("alveole.test").info("outside any request")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert any("alveole.auth [req-7f3a] sign-in failed" in line for line in lines), lines
    assert any("alveole.test [-] outside any request" in line for line in lines), lines
