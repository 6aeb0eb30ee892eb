"""Reads of a person's requests to erase or correct their data (the one read path, nicat.core.reads).

A request is read by the institution that owns the case: its staff record it and its supervisor decides
it. A partner that sees the case through a referral, or a reader of another section, does not learn what
the person asked to erase or correct (the corrected values are names, a birth date and contacts)."""
from nicat.access import policy
from nicat.core.reads import Reads
from nicat.retention.models import DataRequest


class DataRequestReads(Reads):
    def query(self, user, *, case=None):
        return super().query(user, case=case).filter(case__owner_institution_id__in=policy.case_institution_ids(user))


DATA_REQUESTS = DataRequestReads(DataRequest, "datarequest",
                                 related=("case__owner_institution", "recorded_by", "decided_by"))
