from django.urls import path

from nicat.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("case/<uuid:case_uuid>/", views.case_access, name="case"),
    path("person/<uuid:person_uuid>/", views.person_report, name="person_report"),
]
