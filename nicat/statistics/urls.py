from django.urls import path

from nicat.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.cases, name="cases"),
    path("report/", views.annual_report, name="annual_report"),
    path("calls/", views.calls, name="calls"),
]
