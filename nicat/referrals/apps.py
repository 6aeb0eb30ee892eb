from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nicat.referrals"
    label = "referrals"
