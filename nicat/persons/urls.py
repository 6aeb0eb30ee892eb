from django.urls import path

from nicat.persons import views

app_name = "persons"
urlpatterns = [
    path("", views.search, name="search"),
    path("candidates/", views.candidates, name="candidates"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/<uuid:signal_uuid>/", views.duplicate_detail, name="duplicate"),
    path("duplicates/<uuid:signal_uuid>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<uuid:signal_uuid>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("merges/", views.merge_list, name="merges"),
    path("merges/<uuid:merge_uuid>/undo/", views.merge_undo, name="merge_undo"),
]
