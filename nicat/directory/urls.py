from django.urls import path

from nicat.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("public/", views.public, name="public"),
    path("<uuid:uuid>/", views.detail, name="detail"),
]
