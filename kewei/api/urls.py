"""``/api/v1/``: the integration API, its OpenAPI description and its documentation page.

Every endpoint answers systems with a token as well as signed-in staff: DRF's views are
exempt from the pages' sign-in redirect (they answer 401 instead).
"""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from kewei.api import views

app_name = "api"


urlpatterns = [
    path("customers/", views.CustomerList.as_view(), name="customer_list"),
    path("customers/search/", views.CustomerSearch.as_view(), name="customer_search"),
    path("customers/<str:number>/", views.CustomerDetail.as_view(), name="customer_detail"),
    path("customers/<str:number>/holdings/", views.Holdings.as_view(), name="holdings"),
    path(
        "customers/<str:number>/transactions/",
        views.Transactions.as_view(),
        name="transactions",
    ),
    path("customers/<str:number>/points/", views.Points.as_view(), name="points"),
    path(
        "customers/<str:number>/points/statement/",
        views.PointsStatement.as_view(),
        name="points_statement",
    ),
    path("customers/<str:number>/gifts/", views.CustomerGifts.as_view(), name="customer_gifts"),
    path(
        "customers/<str:number>/redemptions/",
        views.Redemptions.as_view(),
        name="redemptions",
    ),
    path("customers/<str:number>/contacts/", views.Contacts.as_view(), name="contacts"),
    path(
        "redemptions/<str:number>/cancel/",
        views.RedemptionCancel.as_view(),
        name="redemption_cancel",
    ),
    path("gifts/", views.Gifts.as_view(), name="gifts"),
    path(
        "transactions/batches/",
        views.TransactionBatches.as_view(),
        name="transaction_batches",
    ),
    path(
        "transactions/batches/<str:batch_id>/",
        views.TransactionBatchDetail.as_view(),
        name="transaction_batch",
    ),
    path("tasks/", views.Tasks.as_view(), name="tasks"),
    path("tasks/<int:pk>/complete/", views.TaskComplete.as_view(), name="task_complete"),
    path("complaints/", views.Complaints.as_view(), name="complaints"),
    path(
        "complaints/<str:number>/",
        views.ComplaintDetail.as_view(),
        name="complaint_detail",
    ),
    path("messages/outbox/", views.Outbox.as_view(), name="outbox"),
    path("messages/replies/", views.Replies.as_view(), name="replies"),
    path("messages/<int:pk>/delivery/", views.Delivery.as_view(), name="delivery"),
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    # The documentation page is for signed-in staff (it calls the schema with the session).
    # Its script is served from the same address (?script), not inline: the CSP allows none.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
