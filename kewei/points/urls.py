from django.urls import path

from kewei.points import views

app_name = "points"

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/end/", views.rule_end, name="rule_end"),
    path("policy/new/", views.policy_create, name="policy_create"),
    path("customers/<int:pk>/", views.statement, name="statement"),
    path("customers/<int:pk>/export/", views.statement_export, name="statement_export"),
    path("gifts/", views.gift_list, name="gift_list"),
    path("gifts/new/", views.gift_create, name="gift_create"),
    path("gifts/<int:pk>/", views.gift_detail, name="gift_detail"),
    path("gifts/<int:pk>/edit/", views.gift_update, name="gift_update"),
    path("gifts/<int:pk>/withdraw/", views.gift_withdraw, name="gift_withdraw"),
    path("gifts/<int:pk>/picture/", views.gift_picture, name="gift_picture"),
    path("customers/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("customers/<int:pk>/adjust/", views.adjustment_propose, name="adjustment_propose"),
    path("redemptions/", views.redemption_list, name="redemption_list"),
    path("redemptions/<int:pk>/deliver/", views.redemption_deliver, name="redemption_deliver"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("redemptions/<int:pk>/receipt/", views.redemption_receipt, name="redemption_receipt"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
]
