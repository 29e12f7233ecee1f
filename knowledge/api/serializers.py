"""Read-only representations of articles (their published copy) and of search hits."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from escalations.api.serializers import CategorySerializer
from integrations.fields import QuerySerializer
from knowledge.models import Article
from knowledge.rendering import render_markdown


class ArticleSerializer(serializers.ModelSerializer):
    """What readers see: the published copy (an article being revised keeps showing it)."""

    title = serializers.CharField(source="published_title")
    body = serializers.CharField(source="published_body", help_text=_("Markdown."))
    body_html = serializers.SerializerMethodField(help_text=_("The body rendered and sanitised."))
    category = CategorySerializer(allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "category",
            "tags",
            "audience",
            "version",
            "published_at",
            "review_due",
            "used_count",
            "solved_count",
            "not_helpful_count",
        ]

    def get_body_html(self, article: Article) -> str:
        return str(render_markdown(article.published_body))


class SearchQuerySerializer(QuerySerializer):
    q = serializers.CharField(
        max_length=200, help_text=_("Words to look for (Japanese or English).")
    )
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)
    cases = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Also similar resolved cases (default: when the user may see cases)."),
    )


class HitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["article", "case"])
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    snippet = serializers.CharField()
    score = serializers.FloatField()
    matched = serializers.IntegerField(help_text=_("How many of the query's bigrams it contains."))
    stale = serializers.BooleanField(help_text=_("An article past its review date."))
    answer = serializers.CharField(help_text=_("Cases: the answer that came back."))


class ExpansionSerializer(serializers.Serializer):
    term = serializers.CharField(source="written", help_text=_("A word of the query."))
    alternatives = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("The words of its synonym group it was also searched as."),
    )


class SearchResultSerializer(serializers.Serializer):
    expansions = ExpansionSerializer(
        many=True, help_text=_("Words of the query also searched as their synonyms.")
    )
    results = HitSerializer(many=True)
