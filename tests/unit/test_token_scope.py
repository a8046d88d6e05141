import pytest

from hyperkm import ConfigurationError
from hyperkm._http import TokenScope, is_loopback, origin_of


def test_origin_fills_default_ports_and_lowercases():
    assert origin_of("HTTPS://API.Example.com/core") == ("https", "api.example.com", 443)
    assert origin_of("http://h:8080/x") == ("http", "h", 8080)


@pytest.mark.parametrize("url", ["ftp://h/x", "/core", "api.example.com/core", "https://", "",
                                 "http://h:99999/"])
def test_origin_rejects_non_http_urls(url):
    with pytest.raises(ConfigurationError):
        origin_of(url)


@pytest.mark.parametrize("host,expected", [("localhost", True), ("127.0.0.1", True),
                                           ("127.9.9.9", True), ("::1", True), ("[::1]", True),
                                           ("api.localhost", True), ("10.0.0.1", False),
                                           ("example.com", False), ("128.0.0.1", False)])
def test_loopback(host, expected):
    assert is_loopback(host) is expected


def test_token_only_for_the_root_origin():
    scope = TokenScope("https://api.kissmetrics.com/core")
    assert scope.allows("https://api.kissmetrics.com/core/products")
    assert scope.allows("https://api.kissmetrics.com:443/x")
    # the reference page's own typo: another host
    assert not scope.allows("https://apikissmetrics.com/core/products/1")
    assert not scope.allows("https://api.kissmetrics.com:8443/x")
    assert not scope.allows("http://api.kissmetrics.com/core")
    assert "origin" in scope.reason_withheld("https://apikissmetrics.com/x")


def test_never_plain_http_except_loopback():
    assert not TokenScope("http://api.example.com/core").allows("http://api.example.com/core")
    assert "unencrypted" in TokenScope("http://api.example.com/").reason_withheld(
        "http://api.example.com/")
    assert TokenScope("http://127.0.0.1:8000/core").allows("http://127.0.0.1:8000/core/x")


def test_https_upgrade_redirect_on_the_same_host_is_trusted():
    scope = TokenScope("http://api.example.com/core")
    scope.note_redirect("http://api.example.com/core", "https://api.example.com/core")
    assert scope.allows("https://api.example.com/core/accounts")
    # a redirect to another host, or a downgrade, widens nothing
    scope.note_redirect("http://api.example.com/core", "https://evil.example.net/core")
    assert not scope.allows("https://evil.example.net/core")
    scope2 = TokenScope("https://api.example.com/core")
    scope2.note_redirect("https://api.example.com/core", "http://api.example.com/core")
    assert not scope2.allows("http://api.example.com/core")
