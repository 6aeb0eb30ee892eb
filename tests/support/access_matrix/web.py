"""Access matrix entries of the layout pages, the language switch and the Django admin
(format: tests/support/matrix.py). The admin is for administrators only and holds no case content
(nicat/accounts/tests/test_admin_scope.py); a model newly registered in the admin must be added to
ADMIN_MODELS below, after checking that it holds no case content."""
from nicat.accounts.models import Role
from tests.support.matrix import EVERYONE, admin_only, page, public

MATRIX = {
    "healthz": public(),
    "set_language": public(methods=("post",), query={"language": "en", "next": "/"}),
    "web:dashboard": page(EVERYONE, anonymous=(302,)),  # an anonymous visitor is sent to /public/
    # The case file (PDF): for who sees every section a file holds (nicat/web/casefile.py); other case roles
    # that see the case get 403 with the reason, a foreign case answers 404.
    "web:case_file": page({Role.CASE_WORKER.value, Role.SUPERVISOR.value}, kwargs={"case_uuid": "case"},
                          denied=403),
    "web:login": public(),
    "web:logout": public(methods=("post",), expect=(302,), ends_session=True),
    # The Django admin: administrators only; everyone else is sent to the admin's sign-in page.
    "admin:index": admin_only(),
    "admin:login": public(anonymous=200),
    "admin:logout": public(methods=("post",), expect=(302,), ends_session=True),  # signs anyone out
    "admin:password_change": admin_only(),
    "admin:password_change_done": admin_only(),
    "admin:autocomplete": admin_only(query={"app_label": "accounts", "model_name": "membership",
                                            "field_name": "user", "term": "mx"}),
    "admin:jsi18n": admin_only(),
    "admin:view_on_site": admin_only(literals={"content_type_id": "1", "object_id": "1"}, expect=(302, 404)),
    "admin:app_list": admin_only(literals={"app_label": "accounts"}),
    "admin:admin/(?P<url>.*)$": admin_only(literals={"url": "no-such-page/"}, expect=(404,)),
    "admin:auth_user_password_change": admin_only(kwargs={"id": "staff_pk"}),
}

# Models in the admin (app_label, model_name, may an administrator add one there?, delete one?).
# Every save is audited (tests/test_admin_audited.py); what is never deleted answers 403 on delete.
ADMIN_MODELS = [
    ("accounts", "user", True, False), ("accounts", "membership", True, False),
    ("accounts", "apitoken", False, False), ("directory", "institution", True, False), ("vocab", "term", True, False),
    ("axes", "accessattempt", False, True), ("axes", "accesslog", False, False),
    ("axes", "accessfailurelog", False, False),
]
ADMIN_MODELS += [("legal", "legalparameter", True, False)]  # nicat/legal: figures of the law, no case content
for app_label, model, can_add, can_delete in ADMIN_MODELS:
    prefix = f"admin:{app_label}_{model}"
    MATRIX[f"{prefix}_changelist"] = admin_only()
    MATRIX[f"{prefix}_add"] = admin_only(expect=() if can_add else (403,))
    for view in ("history", "change"):
        MATRIX[f"{prefix}_{view}"] = admin_only(literals={"object_id": "1"})
    MATRIX[f"{prefix}_delete"] = admin_only(literals={"object_id": "1"}, expect=() if can_delete else (403,))
    MATRIX[f"admin:admin/{app_label}/{model}/<path:object_id>/"] = admin_only(literals={"object_id": "1"})
# A legal parameter that applied once stays on record: no one deletes it, not even an administrator.
MATRIX["admin:legal_legalparameter_delete"] = admin_only(literals={"object_id": "1"}, expect=(403,))
