from django.urls import path

from nicat.identification import views

app_name = "identification"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("cases/<uuid:case_uuid>/screenings/new/", views.screening_new, name="screening_new"),
    path("cases/<uuid:case_uuid>/screenings/preview/", views.screening_preview, name="screening_preview"),
    path("cases/<uuid:case_uuid>/screenings/<uuid:screening_uuid>/", views.screening_view, name="screening"),
    path("cases/<uuid:case_uuid>/refer/", views.refer, name="refer"),
    path("cases/<uuid:case_uuid>/decide/", views.decide, name="decide"),
    path("cases/<uuid:case_uuid>/certificate.pdf", views.certificate, name="certificate"),
    path("cases/<uuid:case_uuid>/residence-permit/", views.residence_permit_discussed, name="residence_permit"),
    path("verify/", views.verify, name="verify"),
]
