from django.urls import path

from kewei.api import pages

app_name = "api_access"

urlpatterns = [
    path("", pages.access_list, name="access_list"),
    path("new/", pages.account_create, name="account_create"),
    path("<int:pk>/", pages.account_update, name="account_update"),
    path("<int:pk>/tokens/new/", pages.token_issue, name="token_issue"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
