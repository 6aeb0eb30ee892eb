from django.urls import path

from nicat.access import views

app_name = "access"
urlpatterns = [
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_review, name="break_glass_review"),
    path("break-glass/<uuid:opening_uuid>/review/", views.break_glass_reviewed, name="break_glass_reviewed"),
    path("break-glass/<uuid:opening_uuid>/end/", views.break_glass_end, name="break_glass_end"),
    path("restrictions/", views.restrictions, name="restrictions"),
    path("restrictions/<uuid:order_uuid>/lift/", views.restriction_lift, name="restriction_lift"),
]
