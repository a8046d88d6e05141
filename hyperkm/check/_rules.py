"""The rules ``hyperkm check`` applies: what each finds, how serious it is, how to fix it."""

from __future__ import annotations

import attrs

__all__ = ["LEVELS", "RULES", "Rule"]

#: Levels, least serious first (SARIF's names).
LEVELS = ("note", "warning", "error")


@attrs.frozen
class Rule:
    """One check.

    Attributes:
        id: Its name (``broken-link``), stable: CI configurations refer to it.
        level: ``"error"`` (breaks clients), ``"warning"`` (costs them, or will break them),
            ``"note"`` (worth knowing).
        group: links, templates, documents, caching, collections, forms, errors.
        title: What it finds, in a line.
        fix: What to change on the server.
    """

    id: str
    level: str
    group: str
    title: str
    fix: str


_ALL = [
    # -- links
    Rule("broken-link", "error", "links", "a link answers 4xx or 5xx to GET",
         "Link only to resources that exist for this client, or remove the link."),
    Rule("unreachable-link", "error", "links", "a link's server cannot be reached in time",
         "Check the host in the link; a client will time out there."),
    Rule("redirected-link", "note", "links", "a link answers with a redirect",
         "Link to the final URL: every client pays a round trip for each redirect."),
    Rule("redirect-chain", "warning", "links", "a link goes through two or more redirects",
         "Link to the final URL, or redirect once."),
    Rule("other-origin-link", "note", "links",
         "a link leads to another origin (not followed: a client sends it no credentials)",
         "Nothing, if intended; a typo in a host is a leak waiting for a careless client."),
    Rule("plain-http-link", "error", "links", "an https API links to plain http",
         "Write https:// links: a client following this one sends requests in clear text."),
    # -- templates
    Rule("invalid-template", "error", "templates", "a URI template is not valid RFC 6570",
         "Fix the template's syntax (RFC 6570: {var}, {?a,b}, {/seg}); clients cannot "
         "expand it."),
    Rule("template-404", "error", "templates",
         "a template expanded with values the API itself gave answers 404",
         "Make the template's variables mean what the API's own fields hold (an `id` "
         "variable takes the members' `id`)."),
    Rule("templated-flag-lies", "warning", "templates",
         "a link's `templated` flag disagrees with its href",
         "Set `templated: true` on hrefs with {expressions}, and only on them."),
    Rule("template-in-link-header", "error", "templates",
         "a Link header target is a URI template (invalid RFC 8288)",
         "Send templates in a Link-Template header (RFC 9652); Link targets must be URIs."),
    # -- documents
    Rule("unparseable-document", "error", "documents",
         "a document does not parse in the format it claims",
         "Fix the document so that it follows its format; the evidence names the field."),
    Rule("link-missing-member", "error", "documents",
         "a link lacks a member its format requires (href, rel)",
         "Give every link its format's required members."),
    Rule("content-type-mismatch", "warning", "documents",
         "the Content-Type names one format, the body has another's shape (or none)",
         "Serve the media type of the format the body is in."),
    Rule("generic-content-type", "note", "documents",
         "a hypermedia document is served as plain application/json",
         "Serve its own media type (application/hal+json, …) so that clients need not guess."),
    Rule("missing-self", "warning", "documents", "a resource's representation has no self link",
         "Give every representation a self link: clients bookmark and refresh by it."),
    # -- caching
    Rule("no-validator", "warning", "caching", "a GET answer carries no ETag or Last-Modified",
         "Send an ETag (or Last-Modified), so that clients revalidate with a 304 instead of "
         "downloading again."),
    Rule("no-304", "warning", "caching",
         "a conditional GET with the answer's own ETag does not get 304",
         "Answer If-None-Match with 304 when the ETag matches."),
    Rule("vary-missing", "warning", "caching",
         "the body depends on Accept or Authorization, and Vary does not say so",
         "Add Vary: Accept (content negotiation) / Vary: Authorization (per-user bodies in a "
         "shared cache)."),
    Rule("cache-control-missing", "note", "caching", "a GET answer carries no Cache-Control",
         "Say how long it may be reused (max-age) or that it must be revalidated (no-cache)."),
    Rule("cache-control-contradictory", "warning", "caching",
         "Cache-Control directives contradict each other",
         "Keep one meaning: no-store with max-age, public with private, are contradictions."),
    # -- collections
    Rule("next-loop", "error", "collections", "a collection's next links loop",
         "Make each next link lead to a page not seen before; the last page has none."),
    Rule("total-mismatch", "warning", "collections",
         "a collection's stated total disagrees with the members its pages hold",
         "State the total the pages add up to (clients size their loops and progress by it)."),
    Rule("inconsistent-page-size", "warning", "collections",
         "a collection's full pages differ in size",
         "Give every page but the last the same number of members."),
    Rule("prev-next-not-inverse", "warning", "collections",
         "a page's prev does not lead back to the page whose next led to it",
         "Make prev and next inverse."),
    # -- forms
    Rule("unsatisfiable-field", "error", "forms", "a form field's constraints cannot be met",
         "Fix the constraints (min above max, a pattern that does not compile, a required "
         "read-only field without a value, a value outside its options)."),
    Rule("method-not-allowed", "warning", "forms",
         "a form's method is not in its target's Allow header (OPTIONS)",
         "Offer forms only for methods the target accepts, or list them in Allow."),
    Rule("form-content-type-refused", "error", "forms",
         "a form's content type is not one its target accepts (Accept-Post/Accept-Patch)",
         "Declare the content type the target accepts in the form."),
    # -- errors, lifecycle
    Rule("error-not-problem-details", "note", "errors",
         "an error answer is not problem details (RFC 9457)",
         "Answer errors as application/problem+json (type, title, status, detail)."),
    Rule("deprecated", "warning", "errors",
         "a resource is deprecated (Deprecation / Sunset)",
         "Move clients to the successor the deprecation link names."),
    Rule("sunset-passed", "error", "errors", "a resource's Sunset date has passed",
         "Remove the resource and the links to it, or move the date."),
]

#: Every rule by id, in the order they are listed (docs/check.md).
RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
