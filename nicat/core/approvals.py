"""The approval gate: where an institution wants a supervisor to sign off an action first.

A service whose action may need a supervisor's approval (the rehabilitation plan, closing a case, a stay
extension beyond the standard term) calls `gate(...)` before it writes anything. The app that keeps the
approvals (nicat.work) registers the gate in its `AppConfig.ready()`; with none registered every action
goes through. The gate either lets the action proceed (no approval needed, or `approval` is the approved
request being carried out) or files a pending request and raises `ApprovalPending`, which the edges
show as "sent for approval" (a page: a message; the API: 400 with `code: approval_pending`).

core imports no other app: this module only holds the registration and the error.
"""
from django.core.exceptions import ValidationError

_gate = None

PLAN = "plan"
CASE_CLOSE = "case_close"
STAY_EXTENSION = "stay_extension"
BREAK_GLASS = "break_glass"


class ApprovalPending(ValidationError):
    """The action was not done: it waits for a supervisor's approval (request `approval_uuid`)."""

    def __init__(self, message, approval_uuid):
        super().__init__(message, code="approval_pending")
        self.approval_uuid = approval_uuid


def register_gate(fn):
    global _gate
    _gate = fn


def gate(*, actor, kind, institution, case, target, payload, approval=None):
    """Let the action proceed, or file the request for approval and raise ApprovalPending.

    `institution`: whose supervisors approve (and whose settings say whether approval is needed);
    `target`: the record acted on (its uuid identifies the request); `payload`: what the approved action
    needs to be carried out later (JSON; kept encrypted); `approval`: the approved request being carried
    out now."""
    if _gate is None:
        return
    _gate(actor=actor, kind=kind, institution=institution, case=case, target=target, payload=payload,
          approval=approval)
