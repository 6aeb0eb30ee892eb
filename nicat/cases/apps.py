from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "nicat.cases"
    label = "cases"
