from django.urls import path

from kewei.messaging import views

app_name = "messaging"

urlpatterns = [
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_update, name="template_update"),
    path("customers/<int:pk>/compose/", views.compose, name="compose"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("", views.message_list, name="message_list"),
]
