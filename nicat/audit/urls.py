from django.urls import path

from nicat.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("case/<uuid:case_uuid>/", views.case_access, name="case"),
]
