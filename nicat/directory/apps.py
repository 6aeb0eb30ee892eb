from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "nicat.directory"
    label = "directory"
