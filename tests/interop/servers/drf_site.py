"""Django REST framework serving one dataset two ways, as their own packages render it:

- ``/jsonapi/`` with djangorestframework-jsonapi (JSON:API; authors paged by
  ``page[number]``/``page[size]``, articles by ``page[offset]``/``page[limit]``), and
- ``/hal/`` with drf-hal-json (HAL, whose ``_links`` are bare URL strings).

Run: ``python drf_site.py PORT DBFILE``; prints ``ready`` once it listens on 127.0.0.1.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django
from django.conf import settings

AUTHORS, ARTICLES = 23, 57

settings.configure(
    DEBUG=bool(os.environ.get("INTEROP_DEBUG")), SECRET_KEY="interop-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__, USE_TZ=True,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework",
                    "rest_framework_json_api", "interopapp"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[2]}},
    MIDDLEWARE=[],
    REST_FRAMEWORK={"PAGE_SIZE": 10, "URL_FIELD_NAME": "self", "UNAUTHENTICATED_USER": None,
                    "DEFAULT_AUTHENTICATION_CLASSES": [],
                    "DEFAULT_PERMISSION_CLASSES": []},
    JSON_API_FORMAT_FIELD_NAMES="dasherize", JSON_API_FORMAT_TYPES="dasherize",
    JSON_API_PLURALIZE_TYPES=True,
)
django.setup()

from django.urls import include, path  # noqa: E402
from drf_hal_json.pagination import HalPageNumberPagination  # noqa: E402
from drf_hal_json.parsers import JsonHalParser  # noqa: E402
from drf_hal_json.renderers import JsonHalRenderer  # noqa: E402
from drf_hal_json.serializers import HalModelSerializer  # noqa: E402
from interopapp.models import Article, Author  # noqa: E402
from rest_framework import routers, viewsets  # noqa: E402
from rest_framework_json_api import pagination as ja_pagination  # noqa: E402
from rest_framework_json_api import parsers as ja_parsers  # noqa: E402
from rest_framework_json_api import renderers as ja_renderers  # noqa: E402
from rest_framework_json_api import serializers as ja  # noqa: E402
from rest_framework_json_api import views as ja_views  # noqa: E402

# -- JSON:API ---------------------------------------------------------------------------------

class JaAuthor(ja.HyperlinkedModelSerializer):
    class Meta:
        model = Author
        fields = ["self", "name"]
        extra_kwargs = {"self": {"view_name": "ja-author-detail"}}


class JaArticle(ja.HyperlinkedModelSerializer):
    author = ja.ResourceRelatedField(queryset=Author.objects.all(),
                                     related_link_view_name="ja-article-related")
    related_serializers = {"author": JaAuthor}

    class Meta:
        model = Article
        fields = ["self", "title", "body", "author"]
        extra_kwargs = {"self": {"view_name": "ja-article-detail"}}


class JsonApiViews:
    renderer_classes = [ja_renderers.JSONRenderer]
    parser_classes = [ja_parsers.JSONParser]


class JaAuthors(JsonApiViews, ja_views.ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = JaAuthor
    pagination_class = ja_pagination.JsonApiPageNumberPagination
    resource_name = "authors"


class JaArticles(JsonApiViews, ja_views.ModelViewSet):
    queryset = Article.objects.all()
    serializer_class = JaArticle
    pagination_class = ja_pagination.JsonApiLimitOffsetPagination
    resource_name = "articles"



class JaRoot(routers.APIRootView):
    renderer_classes = [ja_renderers.JSONRenderer]


class JaRouter(routers.DefaultRouter):
    APIRootView = JaRoot


# -- HAL (drf-hal-json) -----------------------------------------------------------------------

class HalAuthor(HalModelSerializer):
    class Meta:
        model = Author
        fields = ["self", "name"]
        extra_kwargs = {"self": {"view_name": "hal-author-detail"}}


class HalArticle(HalModelSerializer):
    class Meta:
        model = Article
        fields = ["self", "title", "body", "author"]
        extra_kwargs = {"self": {"view_name": "hal-article-detail"},
                        "author": {"view_name": "hal-author-detail"}}


class HalViews:
    renderer_classes = [JsonHalRenderer]
    parser_classes = [JsonHalParser]
    pagination_class = HalPageNumberPagination


class HalAuthors(HalViews, viewsets.ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = HalAuthor


class HalArticles(HalViews, viewsets.ModelViewSet):
    queryset = Article.objects.all()
    serializer_class = HalArticle


class HalRoot(routers.APIRootView):
    renderer_classes = [JsonHalRenderer]


class HalRouter(routers.DefaultRouter):
    APIRootView = HalRoot


ja_router = JaRouter(trailing_slash=False)
ja_router.register("authors", JaAuthors, basename="ja-author")
ja_router.register("articles", JaArticles, basename="ja-article")
hal_router = HalRouter()
hal_router.register("authors", HalAuthors, basename="hal-author")
hal_router.register("articles", HalArticles, basename="hal-article")

urlpatterns = [
    path("jsonapi/articles/<int:pk>/<related_field>",
         JaArticles.as_view({"get": "retrieve_related"}), name="ja-article-related"),
    path("jsonapi/", include(ja_router.urls)),
    path("hal/", include(hal_router.urls)),
]


def seed() -> None:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    if Author.objects.exists():
        return
    authors = Author.objects.bulk_create(Author(name=f"Author {i}") for i in range(AUTHORS))
    Article.objects.bulk_create(
        Article(title=f"Article {i}", body=f"Body {i}", author=authors[i % AUTHORS])
        for i in range(ARTICLES))


if __name__ == "__main__":
    from django.core.wsgi import get_wsgi_application
    from werkzeug.serving import make_server

    seed()
    server = make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), threaded=True)
    print("ready", flush=True)
    server.serve_forever()
