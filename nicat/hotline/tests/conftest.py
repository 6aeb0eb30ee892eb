import pytest


class Hotline:
    def __init__(self, cast):
        from nicat.accounts.models import Role
        from tests.support.world import make_institution, make_user

        self.cast = cast
        self.institution = make_institution("hotline-152", "hotline", name_az="152", phone="152")
        self.operator = make_user("operator", self.institution, Role.HOTLINE_OPERATOR)
        self.supervisor = make_user("hl.supervisor", self.institution, Role.SUPERVISOR, email="hl.sup@example.org")
        self.other = make_institution("hotline-other", "hotline", name_az="Other hotline")
        self.other_operator = make_user("operator2", self.other, Role.HOTLINE_OPERATOR)
        self.duty_supervisor = make_user("md.supervisor", cast.main_department, Role.SUPERVISOR,
                                         email="md.sup@example.org")

    def contact(self, actor=None, **data):
        from nicat.hotline.services import record_contact

        return record_contact(actor=actor or self.operator, data={"reason": "information", **data})


@pytest.fixture
def hotline(cast):
    from django.core.cache import cache

    cache.clear()
    return Hotline(cast)
