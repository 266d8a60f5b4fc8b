from django.urls import path

from kewei.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.best_referrers, name="best_referrers"),
    path("condition/", views.condition_update, name="condition_update"),
]
