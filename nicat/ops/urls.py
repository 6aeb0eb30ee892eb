from django.urls import path

from nicat.ops import views

# No namespace: /readyz and /metrics sit beside /healthz (docs/operations.md).
urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
