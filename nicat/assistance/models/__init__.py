"""Models of protection and social rehabilitation (shelters, plans, services, allowance, return)."""
from nicat.assistance.models.foreigners import (  # noqa: F401
                                                DocumentsStatus,
                                                FamilyReunification,
                                                FollowUp,
                                                InterpreterNeed,
                                                PermitStatus,
                                                ResidencePermit,
                                                ReturnDirection,
                                                ReturnPlan,
                                                ReturnStatus,
                                                ReunificationStatus,
                                                RiskLevel,
)
from nicat.assistance.models.payments import (  # noqa: F401
                                                AllowanceKind,
                                                AllowancePayment,
                                                CompensationClaim,
                                                CompensationPayment,
                                                CompensationSource,
                                                Currency,
                                                PaymentSource,
                                                PaymentStatus,
)
from nicat.assistance.models.plans import (  # noqa: F401
                                                HTCDS_PLAN_TYPE,
                                                OPEN_GOAL_STATUSES,
                                                SERVICE_KINDS,
                                                ActionStatus,
                                                Area,
                                                AuthorisedStateBody,
                                                GoalStatus,
                                                PlanAction,
                                                PlanGoal,
                                                PlanReview,
                                                PlanStatus,
                                                RehabilitationPlan,
                                                ServiceDelivery,
)
from nicat.assistance.models.shelters import (  # noqa: F401
                                                CapacityGroup,
                                                EndKind,
                                                Facility,
                                                FacilityKind,
                                                Group,
                                                Stay,
                                                WaitingListEntry,
                                                WaitingStatus,
)
