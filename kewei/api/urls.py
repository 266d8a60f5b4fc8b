"""``/api/v1/``: the integration API, its OpenAPI description and its documentation page.

Every endpoint answers systems with a token as well as signed-in staff, so the
sign-in redirect of the pages does not apply to them (they answer 401 instead).
"""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from kewei.api import views

app_name = "api"


def open_to_tokens(view):
    return login_not_required(view.as_view())


urlpatterns = [
    path("customers/", open_to_tokens(views.CustomerList), name="customer_list"),
    path("customers/<str:number>/", open_to_tokens(views.CustomerDetail), name="customer_detail"),
    path("customers/<str:number>/holdings/", open_to_tokens(views.Holdings), name="holdings"),
    path(
        "customers/<str:number>/transactions/",
        open_to_tokens(views.Transactions),
        name="transactions",
    ),
    path("customers/<str:number>/points/", open_to_tokens(views.Points), name="points"),
    path(
        "customers/<str:number>/points/statement/",
        open_to_tokens(views.PointsStatement),
        name="points_statement",
    ),
    path(
        "customers/<str:number>/gifts/", open_to_tokens(views.CustomerGifts), name="customer_gifts"
    ),
    path(
        "customers/<str:number>/redemptions/",
        open_to_tokens(views.Redemptions),
        name="redemptions",
    ),
    path("customers/<str:number>/contacts/", open_to_tokens(views.Contacts), name="contacts"),
    path(
        "redemptions/<str:number>/cancel/",
        open_to_tokens(views.RedemptionCancel),
        name="redemption_cancel",
    ),
    path("gifts/", open_to_tokens(views.Gifts), name="gifts"),
    path(
        "transactions/batches/",
        open_to_tokens(views.TransactionBatches),
        name="transaction_batches",
    ),
    path(
        "transactions/batches/<str:batch_id>/",
        open_to_tokens(views.TransactionBatchDetail),
        name="transaction_batch",
    ),
    path("tasks/", open_to_tokens(views.Tasks), name="tasks"),
    path("tasks/<int:pk>/complete/", open_to_tokens(views.TaskComplete), name="task_complete"),
    path("complaints/", open_to_tokens(views.Complaints), name="complaints"),
    path(
        "complaints/<str:number>/",
        open_to_tokens(views.ComplaintDetail),
        name="complaint_detail",
    ),
    path("messages/outbox/", open_to_tokens(views.Outbox), name="outbox"),
    path("messages/replies/", open_to_tokens(views.Replies), name="replies"),
    path("messages/<int:pk>/delivery/", open_to_tokens(views.Delivery), name="delivery"),
    path("schema/", open_to_tokens(SpectacularJSONAPIView), name="schema"),
    # The documentation page is for signed-in staff (it calls the schema with the session).
    path(
        "docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
