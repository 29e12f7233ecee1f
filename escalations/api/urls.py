from django.urls import path
from rest_framework.routers import SimpleRouter

from audit.api import views as audit_views
from escalations.api import views
from knowledge.api import views as knowledge_views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("escalations", views.EscalationViewSet, basename="escalation")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("rules", views.RuleViewSet, basename="rule")
router.register("articles", knowledge_views.ArticleViewSet, basename="article")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("history/", audit_views.HistoryView.as_view(), name="history"),
    path("knowledge/search/", knowledge_views.SearchView.as_view(), name="knowledge-search"),
    *router.urls,
]
