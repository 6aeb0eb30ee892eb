from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "nicat.persons"
    label = "persons"
