from django.urls import path
from rest_framework.routers import SimpleRouter

from knowledge.api import views

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = [
    path("knowledge/search/", views.SearchView.as_view(), name="knowledge-search"),
    *router.urls,
]
