from django.urls import path

from nicat.safety import views

app_name = "safety"
urlpatterns = [
    path("case/<uuid:case_uuid>/", views.case, name="case"),
    path("case/<uuid:case_uuid>/assess/", views.assess, name="assess"),
    path("case/<uuid:case_uuid>/family-contact/", views.family_contact, name="family_contact"),
    path("case/<uuid:case_uuid>/security/", views.measures, name="measures"),
    path("case/<uuid:case_uuid>/security/add/", views.measure_add, name="measure_add"),
    path("case/<uuid:case_uuid>/relatives/add/", views.relative_add, name="relative_add"),
    path("assessment/<uuid:uuid>/plan/", views.plan, name="plan"),
    path("assessment/<uuid:uuid>/confirm/", views.confirm, name="confirm"),
    path("relative/<uuid:uuid>/", views.relative_edit, name="relative_edit"),
    path("relatives/search/", views.relative_search, name="relative_search"),
]
