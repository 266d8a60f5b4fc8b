from django.urls import path

from kewei.care import views

app_name = "care"

urlpatterns = [
    path("today/", views.my_day, name="my_day"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/called/", views.task_called, name="task_called"),
    path("customers/<int:pk>/contact/", views.contact_create, name="contact_create"),
    path("customers/<int:pk>/plan/", views.plan_start, name="plan_start"),
    path("team/", views.team, name="team"),
    path("contacts/<int:pk>/comment/", views.comment_add, name="comment_add"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_update, name="rule_update"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_update, name="plan_update"),
]
