from django.urls import path

from nicat.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("case/<uuid:case_uuid>/new/", views.referral_new, name="new"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<uuid:uuid>/", views.notification_open, name="notification_open"),
    path("<uuid:uuid>/", views.referral_detail, name="detail"),
    path("<uuid:uuid>/accept/", views.accept, name="accept"),
    path("<uuid:uuid>/decline/", views.decline, name="decline"),
    path("<uuid:uuid>/cancel/", views.cancel, name="cancel"),
    path("<uuid:uuid>/progress/", views.progress, name="progress"),
    path("<uuid:uuid>/complete/", views.complete, name="complete"),
    path("<uuid:uuid>/return-plan/", views.return_plan, name="return_plan"),
    path("<uuid:uuid>/arrival/", views.arrival, name="arrival"),
]
