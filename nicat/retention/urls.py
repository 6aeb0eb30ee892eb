from django.urls import path

from nicat.retention import views

app_name = "retention"
urlpatterns = [
    path("cases/<uuid:case_uuid>/requests/new/", views.request_new, name="request_new"),
    path("requests/<uuid:request_uuid>/", views.request_detail, name="request"),
    path("requests/<uuid:request_uuid>/decide/", views.request_decide, name="request_decide"),
]
