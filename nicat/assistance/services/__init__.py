"""Every change of protection and rehabilitation: one function per change (see the modules)."""
from nicat.assistance.services.closing import close_case, closing_problems  # noqa: F401
from nicat.assistance.services.foreigners import (  # noqa: F401
                                                  add_interpreter_need,
                                                  cancel_return,
                                                  complete_return,
                                                  open_residence_permit,
                                                  plan_return,
                                                  record_follow_up,
                                                  remove_interpreter_need,
                                                  schedule_follow_up,
                                                  start_reunification,
                                                  update_residence_permit,
                                                  update_return,
                                                  update_reunification,
)
from nicat.assistance.services.payments import (  # noqa: F401
                                                  may_reverse,
                                                  open_claim,
                                                  pay_allowance,
                                                  record_award,
                                                  record_compensation_payment,
                                                  require_payer,
                                                  require_reverser,
                                                  reverse_allowance,
                                                  reverse_compensation_payment,
)
from nicat.assistance.services.plans import (  # noqa: F401
                                                  add_action,
                                                  add_goal,
                                                  add_review,
                                                  create_plan,
                                                  decline_goal,
                                                  provider_authorisation,
                                                  record_agreement,
                                                  record_service,
                                                  referral_recipient_authorisation,
                                                  save_state_body,
                                                  update_action,
                                                  update_goal,
)
from nicat.assistance.services.shelters import (  # noqa: F401
                                                  add_to_waiting_list,
                                                  admit,
                                                  discharge,
                                                  extend_stay,
                                                  read_address,
                                                  register_facility,
                                                  set_capacities,
                                                  set_capacity,
                                                  transfer,
                                                  update_facility_contact,
                                                  withdraw_from_waiting_list,
)
