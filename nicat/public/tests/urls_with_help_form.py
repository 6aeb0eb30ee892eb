"""The project's URLs plus a stand-in for the hotline's "ask for help" form (its own app adds the real one)."""
from django.http import HttpResponse
from django.urls import include, path

from nicat.urls import urlpatterns as project

help_form = ([path("public/help/", lambda request: HttpResponse("form"), name="ask_for_help")], "hotline")
urlpatterns = [path("", include(help_form)), *project]
