from django.urls import path
from rest_framework.routers import SimpleRouter

from escalations.api import directory, views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("escalations", views.EscalationViewSet, basename="escalation")
router.register("customers", directory.CustomerViewSet, basename="customer")
router.register("categories", directory.CategoryViewSet, basename="category")
router.register("rules", directory.RuleViewSet, basename="rule")

urlpatterns = [
    path("me/", directory.MeView.as_view(), name="me"),
    *router.urls,
]
