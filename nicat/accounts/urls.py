from django.urls import path

from nicat.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.security, name="security"),
    path("2fa/setup/", views.twofactor_setup, name="2fa_setup"),
    path("2fa/qr.svg", views.twofactor_qr, name="2fa_qr"),
    path("2fa/verify/", views.twofactor_verify, name="2fa_verify"),
    path("2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<uuid:token_uuid>/revoke/", views.token_revoke, name="token_revoke"),
    path("grants/", views.grants, name="grants"),
    path("grants/<uuid:membership_uuid>/", views.grant_decide, name="grant_decide"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
