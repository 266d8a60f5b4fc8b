from django.urls import path

from kewei.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_create, name="event_create"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/guests/search/", views.guests_from_search, name="guests_from_search"),
    path("<int:pk>/guests/add/", views.guest_add, name="guest_add"),
    path("<int:pk>/invite/", views.invitations_send, name="invitations_send"),
    path("<int:pk>/hold/", views.event_hold, name="event_hold"),
    path("guests/<int:pk>/remove/", views.guest_remove, name="guest_remove"),
    path("guests/<int:pk>/reply/", views.guest_reply, name="guest_reply"),
]
