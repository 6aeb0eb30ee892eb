from django.apps import AppConfig


class VocabConfig(AppConfig):
    name = "nicat.vocab"
    label = "vocab"
