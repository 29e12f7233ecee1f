from django.urls import path

from audit.api import views

urlpatterns = [
    path("history/", views.HistoryView.as_view(), name="history"),
]
