from django.urls import path
from rest_framework.routers import SimpleRouter

from escalations.api import views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("escalations", views.EscalationViewSet, basename="escalation")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("rules", views.RuleViewSet, basename="rule")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
