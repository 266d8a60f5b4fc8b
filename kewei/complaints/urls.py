from django.urls import path

from kewei.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="complaint_list"),
    path("new/", views.complaint_create, name="complaint_create"),
    path("new/customer/", views.customer_lookup, name="customer_lookup"),
    path("stats/", views.complaint_stats, name="complaint_stats"),
    path("settings/", views.complaint_settings, name="complaint_settings"),
    path("<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("<int:pk>/act/", views.complaint_act, name="complaint_act"),
    path("<int:pk>/reassign/", views.complaint_reassign, name="complaint_reassign"),
]
