from django.urls import path

from nicat.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.parameters, name="parameters"),
]
