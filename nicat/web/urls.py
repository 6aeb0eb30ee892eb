from django.urls import path

from nicat.web import views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.NicatLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("cases/<uuid:case_uuid>/file.pdf", views.case_file, name="case_file"),
]
