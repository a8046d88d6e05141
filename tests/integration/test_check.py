"""``hyperkm check`` over real HTTP: clean on every format the emulator serves, and a
deliberately broken API that triggers every rule — each rule with a test of its own."""

from __future__ import annotations

import json
import pathlib
import ssl
import time
import xml.etree.ElementTree as ET

import pytest
from werkzeug.wrappers import Response

import hyperkm
from hyperkm.check import RULES, check
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.render import FORMATS
from tests.support import ScriptedServer

HAL = {"Content-Type": "application/hal+json"}


def hal(links: dict, **state) -> str:
    return json.dumps({"_links": links, **state})


def route(status=200, headers=None, body=""):
    return (status, {**HAL, **(headers or {})}, body)


def pages(base: str, sizes: list[int], *, total: int | None = None, loop: bool = False,
          bad_prev: bool = False) -> dict:
    """A HAL collection at ``base`` in pages of ``sizes``."""
    routes = {}
    n = len(sizes)
    for i, size in enumerate(sizes):
        url = base if i == 0 else f"{base}?page={i}"
        links = {"self": {"href": url}}
        if i + 1 < n:
            links["next"] = {"href": f"{base}?page={i + 1}"}
        elif loop:
            links["next"] = {"href": base}
        if i > 0:
            links["prev"] = {"href": f"{base}?page={i + 1}" if bad_prev else
                             (base if i == 1 else f"{base}?page={i - 1}")}
        items = [{"_links": {"self": {"href": f"/things/{i}-{j}"}}, "id": f"{i}-{j}"}
                 for j in range(size)]
        body = {"_links": links, "_embedded": {"item": items}}
        if total is not None:
            body["total"] = total
        routes[url] = route(body=json.dumps(body), headers={"ETag": f'"p{i}"',
                                                            "Cache-Control": "no-cache"})
    return routes


def api(links: dict, extra_routes: dict, **root_headers) -> ScriptedServer:
    ok = {"ETag": '"r"', "Cache-Control": "no-cache", **root_headers}
    return ScriptedServer({"/": route(body=hal({"self": {"href": "/"}, **links}), headers=ok),
                           **extra_routes})


def findings(server: ScriptedServer, rule: str, **options) -> list:
    root = hyperkm.connect(server.url + "/", **options)
    report = check(root.client, max_requests=120)
    assert rule in report.checked
    return [f for f in report.findings if f.rule == rule]


FINE = {"ETag": '"x"', "Cache-Control": "no-cache"}


def fine(**state) -> tuple:
    return route(body=hal({"self": {"href": "/fine"}}, **state), headers=FINE)


# -- clean where nothing is wrong ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_emulator_is_clean_in_every_format(fmt):
    with running(format=fmt) as demo:
        report = hyperkm.connect(demo.root_url, token=demo.token).client.check(
            max_requests=400)
    serious = report.at_least("warning")
    assert serious == [], "\n".join(f"{f.rule} {f.url}: {f.message} ({f.evidence})"
                                    for f in serious)
    assert report.requests > 20 and sum(report.formats.values()) > 10
    assert {"broken-link", "no-validator", "next-loop", "missing-self"} <= report.checked


# -- links --------------------------------------------------------------------------------------

def test_broken_link():
    with api({"gone": {"href": "/gone"}}, {}) as server:
        (found,) = findings(server, "broken-link")
        assert found.url.endswith("/gone") and "404" in found.evidence and found.level == "error"


def test_unreachable_link():
    def slow(request):
        time.sleep(1.5)
        return Response("{}", mimetype="application/hal+json")

    with api({"slow": {"href": "/slow"}}, {"/slow": slow}) as server:
        (found,) = findings(server, "unreachable-link", deadline=0.5)
        assert found.url.endswith("/slow")


def test_redirects_and_chains():
    routes = {"/old": (301, {"Location": "/fine"}, ""),
              "/a": (302, {"Location": "/b"}, ""), "/b": (302, {"Location": "/fine"}, ""),
              "/fine": fine()}
    with api({"old": {"href": "/old"}, "chain": {"href": "/a"}}, routes) as server:
        (once,) = findings(server, "redirected-link")
        (chain,) = findings(server, "redirect-chain")
        assert once.url.endswith("/old") and chain.url.endswith("/a") and "2 redirects" in \
            chain.message


def test_other_origin_link_is_reported_not_followed():
    with ScriptedServer() as other, api({"away": {"href": other.url + "/x"}}, {}) as server:
        (found,) = findings(server, "other-origin-link", token="t0k")
        assert found.evidence == other.url + "/x" and other.requests == []


def test_plain_http_link_from_https(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ScriptedServer({"/": route(body=hal({"self": {"href": "/"}, "legacy": {
            "href": "http://127.0.0.1:9/x"}}), headers=FINE)}, ssl_context=context) as server:
        (found,) = findings(server, "plain-http-link", verify=str(bundle))
        assert found.evidence == "http://127.0.0.1:9/x" and found.level == "error"


# -- templates ----------------------------------------------------------------------------------

def test_invalid_template():
    with api({"bad": {"href": "/bad"}}, {"/bad": route(body=hal({"self": {"href": "/bad"},
             "find": {"href": "/find{?q", "templated": True}}), headers=FINE)}) as server:
        (found,) = findings(server, "invalid-template")
        assert found.url.endswith("/bad") and "template" in found.evidence


def test_template_that_404s_with_the_apis_own_values():
    routes = pages("/things", [3])
    with api({"things": {"href": "/things"},
              "thing": {"href": "/nowhere/{id}", "templated": True}}, routes) as server:
        (found,) = findings(server, "template-404")
        assert "/nowhere/0-" in found.evidence


def test_templated_flag_that_lies():
    with api({"fixed": {"href": "/fine", "templated": True},
              "open": {"href": "/items/{id}"}}, {"/fine": fine()}) as server:
        found = findings(server, "templated-flag-lies")
        assert {f.message.split(" ")[0] for f in found} == {"/fine", "/items/{id}"}


def test_template_in_a_link_header():
    with api({}, {}, Link='</items/{id}>; rel="item"') as server:
        (found,) = findings(server, "template-in-link-header")
        assert "{id}" in found.evidence


# -- documents ----------------------------------------------------------------------------------

def test_unparseable_document():
    with api({"odd": {"href": "/odd"}}, {"/odd": route(body='{"_links": [1, 2]}',
                                                       headers=FINE)}) as server:
        (found,) = findings(server, "unparseable-document")
        assert found.url.endswith("/odd") and "_links" in found.evidence


def test_link_missing_member():
    with api({"odd": {"href": "/odd"}}, {"/odd": route(body=hal({"self": {"href": "/odd"},
             "x": {"title": "no href"}}), headers=FINE)}) as server:
        (found,) = findings(server, "link-missing-member")
        assert "href" in found.evidence


def test_content_type_mismatch_and_generic_json():
    siren = json.dumps({"class": ["thing"], "properties": {"a": 1},
                        "links": [{"rel": ["self"], "href": "/siren"}]})
    routes = {"/siren": route(body=siren, headers=FINE),
              "/plain": (200, {"Content-Type": "application/json", **FINE},
                         hal({"self": {"href": "/plain"}}))}
    with api({"s": {"href": "/siren"}, "p": {"href": "/plain"}}, routes) as server:
        (mismatch,) = findings(server, "content-type-mismatch")
        (generic,) = findings(server, "generic-content-type")
        assert mismatch.url.endswith("/siren") and "siren" in mismatch.message
        assert generic.url.endswith("/plain")


def test_missing_self():
    with api({"anon": {"href": "/anon"}}, {"/anon": route(body=hal({"up": {"href": "/"}}),
                                                          headers=FINE)}) as server:
        (found,) = findings(server, "missing-self")
        assert found.url.endswith("/anon")


# -- caching ------------------------------------------------------------------------------------

def test_no_validator_and_no_cache_control():
    with api({"bare": {"href": "/bare"}}, {"/bare": route(body=hal(
            {"self": {"href": "/bare"}}))}) as server:
        (validator,) = findings(server, "no-validator")
        (control,) = findings(server, "cache-control-missing")
        assert validator.url.endswith("/bare") and control.url.endswith("/bare")


def test_no_304():
    with api({}, {}) as server:  # an ETag, and If-None-Match ignored
        (found,) = findings(server, "no-304")
        assert '"r"' in found.evidence


def test_vary_missing_for_accept_and_authorization():
    def negotiated(request):
        if "application/hal+json" in request.headers.get("Accept", ""):
            return Response(hal({"self": {"href": "/"}}), mimetype="application/hal+json",
                            headers={"ETag": '"h"', "Cache-Control": "public, max-age=60"})
        return Response('{"plain": true}', mimetype="application/json")

    with ScriptedServer({"/": negotiated}) as server:
        found = findings(server, "vary-missing", token="t0k")
        messages = " ".join(f.message for f in found)
        assert "Accept" in messages and "Authorization" in messages


def test_cache_control_contradictory():
    with api({}, {}, **{"Cache-Control": "no-store, max-age=600"}) as server:
        (found,) = findings(server, "cache-control-contradictory")
        assert "no-store" in found.message


# -- collections --------------------------------------------------------------------------------

def test_next_loop():
    with api({"things": {"href": "/things"}}, pages("/things", [2, 2], loop=True)) as server:
        (found,) = findings(server, "next-loop")
        assert "loops" in found.evidence


def test_total_mismatch():
    with api({"things": {"href": "/things"}}, pages("/things", [2, 2, 1], total=9)) as server:
        (found,) = findings(server, "total-mismatch")
        assert "9" in found.message and "5" in found.message


def test_inconsistent_page_size():
    with api({"things": {"href": "/things"}}, pages("/things", [3, 1, 3, 2])) as server:
        (found,) = findings(server, "inconsistent-page-size")
        assert found.evidence == "3, 1, 3, 2"


def test_prev_next_not_inverse():
    with api({"things": {"href": "/things"}}, pages("/things", [2, 2, 2],
                                                     bad_prev=True)) as server:
        found = findings(server, "prev-next-not-inverse")
        assert found and all("prev" in f.evidence for f in found)


# -- forms --------------------------------------------------------------------------------------

def forms_api(template: dict, options_headers: dict) -> ScriptedServer:
    def target(request):
        if request.method == "OPTIONS":
            return Response(status=204, headers=options_headers)
        return Response(hal({"self": {"href": "/target"}}), mimetype="application/hal+json",
                        headers=FINE)

    body = json.dumps({"_links": {"self": {"href": "/"}}, "_templates": {"default": template}})
    return ScriptedServer({"/": route(body=body, headers=FINE), "/target": target})


def test_unsatisfiable_field():
    template = {"method": "POST", "target": "/target", "contentType": "application/json",
                "properties": [{"name": "n", "min": 10, "max": 1},
                               {"name": "p", "regex": "(unclosed"},
                               {"name": "ro", "required": True, "readOnly": True}]}
    with forms_api(template, {"Allow": "GET, POST, OPTIONS"}) as server:
        found = findings(server, "unsatisfiable-field")
        said = " ".join(f.message for f in found)
        assert "min 10.0 is above max 1.0" in said and "does not compile" in said
        assert "required and read-only" in said


def test_method_not_allowed():
    template = {"method": "PUT", "target": "/target", "properties": []}
    with forms_api(template, {"Allow": "GET, OPTIONS"}) as server:
        (found,) = findings(server, "method-not-allowed")
        assert "PUT" in found.message and found.evidence == "Allow: GET, OPTIONS"


def test_form_content_type_refused():
    template = {"method": "POST", "target": "/target", "contentType": "application/json",
                "properties": []}
    with forms_api(template, {"Allow": "GET, POST", "Accept-Post": "text/csv"}) as server:
        (found,) = findings(server, "form-content-type-refused")
        assert "application/json" in found.message and "text/csv" in found.evidence


# -- errors and lifecycle -------------------------------------------------------------------------

def test_errors_that_are_not_problem_details():
    with api({}, {}) as server:  # the probe's 404 is the server's default JSON
        (found,) = findings(server, "error-not-problem-details")
        assert "application/json" in found.evidence


def test_problem_details_errors_pass():
    with api({}, {}) as server:
        server.routes["/"] = route(body=hal({"self": {"href": "/"}}), headers=FINE)
        original = server._app

        def app(environ, start_response):
            if environ["PATH_INFO"].startswith("/hyperkm-check-"):
                return Response(json.dumps({"title": "Not Found", "status": 404}), 404,
                                mimetype="application/problem+json")(environ, start_response)
            return original(environ, start_response)

        server._server.app = app
        report = check(hyperkm.connect(server.url + "/").client)
        assert "error-not-problem-details" in report.passed()


def test_deprecated_and_sunset_passed():
    routes = {"/old": route(body=hal({"self": {"href": "/old"}}), headers={
                  **FINE, "Deprecation": "@1688169599",
                  "Sunset": "Thu, 01 Jan 2099 00:00:00 GMT"}),
              "/dead": route(body=hal({"self": {"href": "/dead"}}), headers={
                  **FINE, "Sunset": "Sat, 01 Jan 2000 00:00:00 GMT"})}
    with api({"old": {"href": "/old"}, "dead": {"href": "/dead"}}, routes) as server:
        (deprecated,) = findings(server, "deprecated")
        (sunset,) = findings(server, "sunset-passed")
        assert deprecated.url.endswith("/old") and "2099-01-01" in deprecated.message
        assert sunset.url.endswith("/dead") and sunset.level == "error"


def test_every_rule_has_a_test_here():
    tested = {name for name in globals() if name.startswith("test_")}
    text = pathlib.Path(__file__).read_text()
    missing = [r for r in RULES if f'"{r}"' not in text]
    assert not missing and tested


# -- the report and the command line ------------------------------------------------------------

def test_json_junit_sarif_and_exit_codes(tmp_path, capsys):
    with api({"gone": {"href": "/gone"}}, {}) as server:
        url = server.url + "/"
        assert main(["check", url, "--format", "json"]) == 12  # an error was found
        out = json.loads(capsys.readouterr().out)
        assert out["summary"]["findings"]["error"] >= 1
        assert "broken-link" in out["summary"]["rules_failed"]
        assert out["findings"][0]["level"] == "error"
        junit, sarif = tmp_path / "r.xml", tmp_path / "r.sarif"
        assert main(["check", url, "--format", "junit", "-o", str(junit)]) == 12
        suite = ET.fromstring(junit.read_text()).find("testsuite")
        assert suite is not None and int(suite.get("failures")) >= 1
        assert any(c.find("failure") is not None and c.get("name") == "broken-link"
                   for c in suite)
        assert main(["check", url, "--format", "sarif", "-o", str(sarif)]) == 12
        document = json.loads(sarif.read_text())
        assert document["version"] == "2.1.0"
        results = document["runs"][0]["results"]
        assert any(r["ruleId"] == "broken-link" and r["level"] == "error" for r in results)
        assert len(document["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)
        assert main(["check", url, "--fail-on", "never"]) == 0
        assert main(["check", url, "--fail-on", "note"]) == 12  # the most serious found


def test_check_demo_from_the_command_line(capsys):
    assert main(["check", "--demo", "--demo-format", "hal"]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_a_link_to_no_usable_url_is_broken():
    with api({"odd": {"href": "ftp://files.example/x"}}, {}) as server:
        (found,) = findings(server, "broken-link")
        assert "no usable URL" in found.message and "ftp://files.example/x" in found.evidence


def test_a_link_that_redirects_to_another_origin():
    with ScriptedServer({"/x": route(body=hal({"self": {"href": "/x"}}), headers=FINE)}) as other:
        with api({"away": {"href": "/away"}}, {"/away": (302, {"Location": other.url + "/x"},
                                                          "")}) as server:
            found = findings(server, "other-origin-link", token="t0k")
            assert any("redirects to another origin" in f.message for f in found)
            assert all("Authorization" not in r.headers for r in other.requests)


def test_a_template_variable_named_after_its_id():
    routes = pages("/things", [3])
    with api({"things": {"href": "/things"},
              "thing": {"href": "/gone/{thingId}", "templated": True}}, routes) as server:
        (found,) = findings(server, "template-404")
        assert "/gone/0-" in found.evidence


def test_junit_stays_xml_whatever_a_server_puts_in_evidence():
    from hyperkm.check import Finding, Report

    report = Report("http://h/", [Finding("broken-link", "error", "http://h/\x01x",
                                          "the link 'a\x02' answers 404", "404 \x1b[31m")],
                    3, {"hal": 1}, {"broken-link"})
    suite = ET.fromstring(report.junit()).find("testsuite")
    assert suite is not None and "\\x1b[31m" in ET.tostring(suite, encoding="unicode")
