from django.urls import path

from nicat.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("new/", views.intake, name="new"),
    path("export/", views.case_export, name="export"),
    path("<uuid:case_uuid>/", views.case_detail_view, name="detail"),
    path("<uuid:case_uuid>/edit/", views.case_edit, name="edit"),
    path("<uuid:case_uuid>/person/", views.person_edit, name="person_edit"),
    path("<uuid:case_uuid>/notes/", views.note_add, name="note_add"),
    path("<uuid:case_uuid>/events/", views.event_add, name="event_add"),
]
