from django.urls import path

from nicat.consent import views

app_name = "consent"
urlpatterns = [
    path("case/<uuid:case_uuid>/new/", views.record, name="record"),
    path("<uuid:uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:uuid>/form/", views.signed_form, name="signed_form"),
]
