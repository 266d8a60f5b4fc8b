from django.urls import path

from kewei.points import views

app_name = "points"

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/end/", views.rule_end, name="rule_end"),
    path("policy/new/", views.policy_create, name="policy_create"),
    path("customers/<int:pk>/", views.statement, name="statement"),
    path("customers/<int:pk>/export/", views.statement_export, name="statement_export"),
]
