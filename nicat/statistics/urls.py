from django.urls import path

from nicat.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.cases, name="cases"),
    path("report/", views.annual_report, name="annual_report"),
    path("report/schedules/", views.report_schedules, name="report_schedules"),
    path("report/schedules/<str:uuid>/stop/", views.end_report_schedule, name="end_report_schedule"),
    path("report/made/<str:uuid>/", views.scheduled_report, name="scheduled_report"),
    path("calls/", views.calls, name="calls"),
]
