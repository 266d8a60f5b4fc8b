from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kewei.core import metrics as core_metrics
from kewei.core import night_views
from kewei.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", core_views.health, name="health"),
    path("readyz", core_views.readiness, name="readiness"),
    path("night/", night_views.night_run_list, name="night_run_list"),
    path("metrics", core_metrics.metrics_view, name="metrics"),
    path("org/", include("kewei.organisation.urls")),
    path("customers/", include("kewei.customers.urls")),
    path("products/", include("kewei.products.urls")),
    path("points/", include("kewei.points.urls")),
    path("tiers/", include("kewei.tiers.urls")),
    path("care/", include("kewei.care.urls")),
    path("messages/", include("kewei.messaging.urls")),
    path("complaints/", include("kewei.complaints.urls")),
    path("referrals/", include("kewei.referrals.urls")),
    path("events/", include("kewei.events.urls")),
    path("audit/", include("kewei.audit.urls")),
    path("jobs/", include("kewei.jobs.urls")),
    path("analytics/", include("kewei.analytics.urls")),
    path("api/v1/", include("kewei.api.urls")),
    path("org/api-access/", include("kewei.api.page_urls")),
]

handler400 = "kewei.core.errors.bad_request"
handler403 = "kewei.core.errors.permission_denied"
handler404 = "kewei.core.errors.page_not_found"
handler500 = "kewei.core.errors.server_error"
