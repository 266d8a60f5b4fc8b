from django.urls import path

from kewei.tiers import views

app_name = "tiers"

urlpatterns = [
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/<int:pk>/edit/", views.scheme_update, name="scheme_update"),
    path("schemes/<int:pk>/copy/", views.scheme_copy, name="scheme_copy"),
    path("schemes/<int:pk>/in-force/", views.scheme_in_force, name="scheme_in_force"),
    path("tiers/<int:pk>/edit/", views.tier_update, name="tier_update"),
    path("schemes/<int:pk>/tiers/new/", views.tier_create, name="tier_create"),
    path("tiers/<int:pk>/delete/", views.tier_delete, name="tier_delete"),
    path("to-assign/", views.to_assign, name="to_assign"),
    path("potential-vips/", views.potential_vip_list, name="potential_vip_list"),
    path(
        "potential-vips/<int:pk>/follow/",
        views.potential_vip_follow,
        name="potential_vip_follow",
    ),
]
