"""The knowledge API: the published articles (read) and the one search service the admin's
escalate form uses, for CTI/CRM screens that want answers before escalating."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from kit.api.pagination import Pagination
from kit.api.permissions import HasPermission
from knowledge.api import serializers as s
from knowledge.models import Article, ArticleStatus
from knowledge.search import search
from knowledge.synonyms import expansions


class ArticlePagination(Pagination):
    ordering = ("-published_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="Published knowledge articles", tags=["knowledge"]),
    retrieve=extend_schema(summary="One published article", tags=["knowledge"]),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published articles (and the published copy of those being revised)."""

    serializer_class = s.ArticleSerializer
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("knowledge.view_article",),
        "retrieve": ("knowledge.view_article",),
    }
    pagination_class = ArticlePagination
    queryset = (
        Article.objects.filter(published_at__isnull=False)
        .filter(~Q(status=ArticleStatus.ARCHIVED))
        .select_related("category")
    )


class SearchView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Search the knowledge base (and similar resolved cases)",
        tags=["knowledge"],
        parameters=[s.SearchQuerySerializer],
        responses={200: s.SearchResultSerializer},
    )
    def get(self, request):
        form = s.SearchQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        hits = search(
            form.validated_data["q"],
            user=request.user,
            limit=form.validated_data["limit"],
            include_cases=form.validated_data["cases"],
        )
        found = expansions(form.validated_data["q"])
        return Response(s.SearchResultSerializer({"expansions": found, "results": hits}).data)
