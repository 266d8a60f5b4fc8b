from django.urls import path

from kewei.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data/<str:chart>.xlsx", views.chart_data, name="chart_data"),
    path("settings/", views.settings_edit, name="settings"),
]
