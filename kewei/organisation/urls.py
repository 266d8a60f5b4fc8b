from django.urls import path

from kewei.organisation import views

app_name = "organisation"

urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/rename/", views.department_rename, name="department_rename"),
    path("departments/<int:pk>/move/", views.department_move, name="department_move"),
    path("departments/<int:pk>/close/", views.department_close, name="department_close"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_update, name="staff_update"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
]
