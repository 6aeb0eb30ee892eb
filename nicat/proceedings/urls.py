from django.urls import path

from nicat.proceedings import views

app_name = "proceedings"

urlpatterns = [
    path("case/<uuid:case_uuid>/", views.case, name="case"),
    path("case/<uuid:case_uuid>/suspects/add/", views.perpetrator_add, name="perpetrator_add"),
    path("case/<uuid:case_uuid>/criminal-cases/add/", views.criminal_case_add, name="criminal_case_add"),
    path("case/<uuid:case_uuid>/release/add/", views.release_add, name="release_add"),
    path("criminal-case/<uuid:uuid>/stage/", views.stage, name="stage"),
    path("criminal-case/<uuid:uuid>/verdict/", views.verdict, name="verdict"),
    path("criminal-case/<uuid:uuid>/hearings/add/", views.hearing_add, name="hearing_add"),
    path("hearing/<uuid:uuid>/appearance/", views.appearance_add, name="appearance_add"),
    path("appearance/<uuid:uuid>/outcome/", views.appearance_outcome, name="appearance_outcome"),
    path("release/<uuid:uuid>/decide/", views.release_decide, name="release_decide"),
    path("claim/<uuid:uuid>/link/", views.claim_link, name="claim_link"),
]
