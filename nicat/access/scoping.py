"""Managers of protected models: see nicat.core.models (the manager lives in the core so abstract
models can carry it; the access policy registers its scoping there in AccessConfig.ready())."""
from nicat.core.models import ScopedManager, UnscopedQuery

__all__ = ["ScopedManager", "UnscopedQuery"]
