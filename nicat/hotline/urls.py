"""Hotline routes: the staff pages under /hotline/ and the public "ask for help" form under /public/help/
(mounted at the root, so that the public site's own `public/` routes and these two live side by side)."""
from django.urls import path

from nicat.hotline import views

app_name = "hotline"
urlpatterns = [
    path("hotline/", views.desk, name="desk"),
    path("hotline/new/", views.contact_new, name="new"),
    path("hotline/alerts/", views.alerts, name="alerts"),
    path("hotline/alerts/<uuid:alert_uuid>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("hotline/<uuid:contact_uuid>/", views.contact_detail, name="detail"),
    path("hotline/<uuid:contact_uuid>/edit/", views.contact_edit, name="edit"),
    path("hotline/<uuid:contact_uuid>/case/", views.open_case, name="open_case"),
    path("hotline/<uuid:contact_uuid>/link/", views.link_case, name="link"),
    path("public/help/", views.ask_for_help, name="ask_for_help"),
    path("public/help/thanks/", views.ask_for_help_thanks, name="ask_for_help_thanks"),
]
