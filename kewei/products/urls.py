from django.urls import path

from kewei.products import views

app_name = "products"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("new/", views.product_create, name="product_create"),
    path("<int:pk>/", views.product_detail, name="product_detail"),
    path("<int:pk>/edit/", views.product_update, name="product_update"),
    path("<int:pk>/close/", views.product_close, name="product_close"),
    path("<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("holdings/<int:pk>/", views.holding_detail, name="holding_detail"),
    path("feed/", views.feed_day_list, name="feed_day_list"),
    path("feed/<int:pk>/", views.feed_day_detail, name="feed_day_detail"),
]
