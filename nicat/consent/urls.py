from django.urls import path

from nicat.consent import views

app_name = "consent"
urlpatterns = [
    path("case/<uuid:case_uuid>/new/", views.record, name="record"),
    path("case/<uuid:case_uuid>/conversation/", views.conversation, name="conversation"),
    path("case/<uuid:case_uuid>/conversation/print/", views.conversation_print, name="conversation_print"),
    path("<uuid:uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("case/<uuid:case_uuid>/withdraw-all/", views.withdraw_all, name="withdraw_all"),
    path("case/<uuid:case_uuid>/withdrawal-wish/", views.withdrawal_wish, name="withdrawal_wish"),
    path("case/<uuid:case_uuid>/withdrawal-wishes/", views.wishes, name="wishes"),
    path("withdrawal-wishes/<uuid:uuid>/resolve/", views.wish_resolve, name="wish_resolve"),
    path("<uuid:uuid>/form/", views.signed_form, name="signed_form"),
    path("<uuid:uuid>/confirm/", views.confirm, name="confirm"),
    path("legal-bases/", views.orders, name="orders"),
    path("legal-bases/<uuid:uuid>/", views.order, name="order"),
    path("legal-bases/<uuid:uuid>/approve/", views.order_approve, name="order_approve"),
    path("legal-bases/<uuid:uuid>/reject/", views.order_reject, name="order_reject"),
    path("legal-bases/<uuid:uuid>/copy/", views.order_copy, name="order_copy"),
]
