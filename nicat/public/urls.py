from django.urls import path

from nicat.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("trafficking/", views.trafficking, name="trafficking"),
    path("warning-signs/", views.warning_signs, name="warning_signs"),
    path("rights/", views.rights, name="rights"),
    path("where-to-turn/", views.where_to_turn, name="where_to_turn"),
    path("leaflet/<str:lang>.pdf", views.leaflet, name="leaflet"),
]
