from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("poll/", views.poll, name="poll"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.desktop_setting, name="settings"),
]
