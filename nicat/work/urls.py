from django.urls import path

from nicat.work import views

app_name = "work"

urlpatterns = [
    path("", views.my_work, name="list"),
    path("cases/<uuid:case_uuid>/tasks/new/", views.task_new, name="task_new"),
    path("cases/<uuid:case_uuid>/assign/", views.assign, name="assign"),
    path("tasks/<uuid:task_uuid>/", views.task_detail, name="task"),
    path("tasks/<uuid:task_uuid>/complete/", views.task_complete, name="task_complete"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<uuid:approval_uuid>/", views.approval_detail, name="approval"),
    path("approval-settings/", views.approval_settings, name="settings"),
]
