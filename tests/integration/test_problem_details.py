"""RFC 9457 problem details and OData error objects, as real servers send them, over HTTP:
`HTTPError.problem`, the server's words in the message, and the CLI showing them."""

from __future__ import annotations

import pytest

import hyperkm
from hyperkm.cli import main
from tests.support import ScriptedServer

PROBLEM = {"Content-Type": "application/problem+json"}

# API Platform's validation error (its docs, "Validation": ConstraintViolationList)
API_PLATFORM = {
    "@context": "/contexts/ConstraintViolationList", "@type": "ConstraintViolationList",
    "type": "/validation_errors/c1051bb4-d103-4f74-8988-acbcafc7fdc3",
    "title": "An error occurred", "status": 422,
    "detail": "title: This value should not be blank.",
    "violations": [{"propertyPath": "title", "message": "This value should not be blank.",
                    "code": "c1051bb4-d103-4f74-8988-acbcafc7fdc3"}],
}
# ASP.NET Core's ValidationProblemDetails
ASP_NET = {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
           "title": "One or more validation errors occurred.", "status": 400,
           "errors": {"Title": ["The Title field is required."]},
           "traceId": "00-84c1fd4063c38d9f3900d06e56542d48-85d1d4-00"}
# Spring Boot 3 (ProblemDetail), served as application/json by a misconfigured app
SPRING = {"type": "about:blank", "title": "Not Found", "status": 404,
          "detail": "No static resource books/9.", "instance": "/books/9"}
# OData / Microsoft Graph
ODATA = {"error": {"code": "Request_ResourceNotFound",
                   "message": "Resource 'x' does not exist or one of its queried reference-"
                              "property objects are not present.",
                   "details": [{"code": "NotFound", "message": "No user named x"}],
                   "innerError": {"request-id": "9a1d"}}}


@pytest.fixture
def server():
    routes = {
        "/books": (422, PROBLEM, API_PLATFORM),
        "/aspnet": (400, PROBLEM, ASP_NET),
        "/books/9": (404, {"Content-Type": "application/json"}, SPRING),
        "/users/x": (404, {"Content-Type": "application/json"}, ODATA),
        "/jsonapi": (409, PROBLEM, {"title": "Conflict", "status": 409,
                                    "errors": [{"detail": "version is stale",
                                                "pointer": "#/version"}]}),
        "/bad": (500, PROBLEM, {"type": 5, "title": ["x"], "status": "500",
                                "detail": "it broke", "instance": {}}),
        "/unrelated": (400, {"Content-Type": "application/json"},
                       {"status": 409, "title": "shaped, but not this answer's status"}),
    }
    with ScriptedServer(routes) as s:
        yield s


def error_of(server, path):
    client = hyperkm.connect(server.url + "/", retries=0, cache=False).client
    with pytest.raises(hyperkm.HTTPError) as info:
        _ = client.resource(path).data
    return info.value


def test_problem_members_and_extensions(server):
    error = error_of(server, "/books")
    problem = error.problem
    assert isinstance(problem, hyperkm.Problem)
    assert problem.type == server.url + "/validation_errors/c1051bb4-d103-4f74-8988-acbcafc7fdc3"
    assert (problem.title, problem.status) == ("An error occurred", 422)
    assert problem.extensions["violations"][0]["propertyPath"] == "title"
    assert "@context" in problem.extensions
    assert "title: This value should not be blank." in error.server_message
    assert "(problem type " in str(error)


def test_an_errors_extension_is_not_jsonapi_errors(server):
    error = error_of(server, "/aspnet")
    assert error.server_message.startswith("One or more validation errors occurred.")
    assert "Title: The Title field is required." in error.server_message
    assert error.problem.extensions["traceId"].startswith("00-")
    conflict = error_of(server, "/jsonapi")
    assert conflict.server_message == "Conflict — #/version: version is stale"


def test_problem_shape_served_as_json_and_its_instance(server):
    error = error_of(server, "/books/9")
    assert isinstance(error, hyperkm.NotFound)
    assert error.problem.instance == server.url + "/books/9"
    assert error.problem.type == "about:blank" and "(problem type" not in str(error)
    assert error.server_message == "Not Found: No static resource books/9."


def test_members_of_the_wrong_type_are_ignored(server):
    problem = error_of(server, "/bad").problem
    assert (problem.type, problem.title, problem.status, problem.instance) == (
        "about:blank", None, None, None)
    assert problem.detail == "it broke"


def test_a_body_shaped_like_a_problem_for_another_status_is_none(server):
    assert error_of(server, "/unrelated").problem is None


def test_odata_error_object_is_the_servers_message(server):
    error = error_of(server, "/users/x")
    assert error.problem is None
    assert error.server_message.startswith("Resource 'x' does not exist")
    assert "(Request_ResourceNotFound)" in error.server_message
    assert error.server_message.endswith(": No user named x")


def test_the_cli_shows_the_problem(server, capsys):
    code = main(["get", server.url + "/books"])
    err = capsys.readouterr().err
    assert code != 0 and "This value should not be blank." in err
    assert "Traceback" not in err


@pytest.mark.threads  # the client is used from several threads
def test_the_shell_and_the_explorer_show_the_problem(server):
    import re

    import requests

    from hyperkm.cli.shell import ShellState, execute
    from hyperkm.explore import ExplorerServer

    server.routes["/"] = (200, {"Content-Type": "application/json"},
                          {"links": [{"rel": "books", "href": "/books"}], "data": {}})
    root = hyperkm.connect(server.url + "/", cache=False)
    out = execute(ShellState(root), "books")
    assert "This value should not be blank." in out and "Traceback" not in out
    with ExplorerServer(root) as explorer:
        home = requests.get(explorer.url, timeout=5).text
        href = re.search(r'href="(/\?[^"]*&amp;t=[^"]*)"', home).group(1).replace("&amp;", "&")
        page = requests.get(explorer.url.split("/?")[0] + href, timeout=5).text
        assert "This value should not be blank." in page
