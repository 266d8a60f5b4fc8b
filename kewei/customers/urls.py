from django.urls import path

from kewei.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_search, name="customer_search"),
    path("new/", views.customer_create, name="customer_create"),
    path("export/", views.customer_export, name="customer_export"),
    path("searches/", views.saved_search_create, name="saved_search_create"),
    path("searches/<int:pk>/", views.saved_search_open, name="saved_search_open"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("transfer/", views.book_transfer, name="book_transfer"),
    path("import/", views.customer_import, name="customer_import"),
    path("import/<uuid:pk>/", views.import_detail, name="import_detail"),
    path("import/<uuid:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_update, name="customer_update"),
    path("<int:pk>/profile/", views.customer_profile, name="customer_profile"),
    path("<int:pk>/reveal/", views.customer_reveal, name="customer_reveal"),
    path("<int:pk>/assign/", views.customer_assign, name="customer_assign"),
    path("<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("<int:pk>/family/", views.family_add, name="family_add"),
    path("<int:pk>/family/<int:member_pk>/delete/", views.family_remove, name="family_remove"),
    path("<int:pk>/relationships/", views.relationship_add, name="relationship_add"),
    path("<int:pk>/household/", views.household_join, name="household_join"),
    path("<int:pk>/referral/", views.referral_add, name="referral_add"),
    path("<int:pk>/tags/", views.tags_update, name="tags_update"),
    path("<int:pk>/consent/", views.consent_update, name="consent_update"),
]
