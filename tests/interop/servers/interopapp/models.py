from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        app_label = "interopapp"
        ordering = ["id"]


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    author = models.ForeignKey(Author, related_name="articles", on_delete=models.CASCADE)

    class Meta:
        app_label = "interopapp"
        ordering = ["id"]
