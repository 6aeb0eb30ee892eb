"""API fields now live with what they refer to (nicat.vocab.fields: TermField; nicat.directory.fields:
InstitutionRefField), so that domain apps' API modules import no module of the api app. The names
stay importable from here for the schema extensions that target them."""
from nicat.core.drf import RefuseUnknownFieldsMixin  # noqa: F401
from nicat.directory.fields import InstitutionRefField  # noqa: F401
from nicat.vocab.fields import TermField  # noqa: F401
