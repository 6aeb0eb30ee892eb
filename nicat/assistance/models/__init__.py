"""Models of protection and social rehabilitation (shelters, plans, services, allowance, return)."""
from nicat.assistance.models.foreigners import (DocumentsStatus, FamilyReunification, FollowUp,  # noqa: F401
                                                InterpreterNeed, PermitStatus, ResidencePermit, ReturnDirection,
                                                ReturnPlan, ReturnStatus, ReunificationStatus, RiskLevel)
from nicat.assistance.models.payments import (AllowanceKind, AllowancePayment, CompensationClaim,  # noqa: F401
                                              CompensationSource, Currency, PaymentSource)
from nicat.assistance.models.plans import (HTCDS_PLAN_TYPE, OPEN_GOAL_STATUSES, ActionStatus, Area,  # noqa: F401
                                           AuthorisedStateBody, GoalStatus, PlanAction, PlanGoal, PlanReview,
                                           PlanStatus, RehabilitationPlan, SERVICE_KINDS, ServiceDelivery)
from nicat.assistance.models.shelters import (CapacityGroup, EndKind, Facility, FacilityKind, Group,  # noqa: F401
                                              Stay, WaitingListEntry, WaitingStatus)
